"""``/WebServices/...`` at upstream's paths (a trailing slash, as there)."""

from django.urls import path, re_path

from api.webservices import views

app_name = "webservices"
urlpatterns = [
    # A panel's name may hold a slash: everything up to the last one is the key, as upstream.
    re_path(r"^get_panel/(?P<key>.+)/$", views.GetPanel.as_view(), name="get_panel"),
    re_path(r"^search_genes/(?P<symbols>.+)/$", views.SearchGenes.as_view(), name="search_genes"),
    path("list_panels/", views.ListPanels.as_view(), name="list_panels"),
    path("list_entities/", views.ListEntities.as_view(), name="list_entities"),
]
