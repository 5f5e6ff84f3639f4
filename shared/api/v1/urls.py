"""API v1 paths, as upstream PanelApp's (trailing slashes included)."""

from django.urls import path

from api.v1 import views

app_name = "api-v1"


def entity_paths(collection: str) -> list:
    """``panels/<pk>/genes/``, ``.../genes/<name>/`` and ``.../genes/<name>/evaluations/``."""
    attrs = {"collection": collection}
    listing = type(f"Panel{collection.title()}", (views.PanelEntityList,), attrs)
    detail = type(f"Panel{collection.title()}Detail", (views.PanelEntityDetail,), attrs)
    evaluations = type(f"Panel{collection.title()}Evaluations", (views.PanelEntityEvaluations,), attrs)
    return [
        path(f"panels/<str:pk>/{collection}/", listing.as_view(), name=f"panel-{collection}"),
        path(f"panels/<str:pk>/{collection}/<str:entity_name>/", detail.as_view(), name=f"panel-{collection}-detail"),
        path(
            f"panels/<str:pk>/{collection}/<str:entity_name>/evaluations/",
            evaluations.as_view(),
            name=f"panel-{collection}-evaluations",
        ),
    ]


def search_paths(name: str, view: type[views.EntitySearch]) -> list:
    return [
        path(f"{name}/", view.as_view(), name=name),
        path(f"{name}/<str:entity_name>/", view.as_view(), name=f"{name}-detail"),
    ]


urlpatterns = [
    path("", views.Root.as_view(), name="root"),
    path("panels/", views.PanelList.as_view(), name="panels"),
    # Before panels/<pk>/: "signedoff" would otherwise be looked up as a panel name.
    path("panels/signedoff/", views.SignedOffList.as_view(), name="signedoff"),
    path("panels/signedoff/<str:panel_id>/", views.SignedOffDetail.as_view(), name="signedoff-detail"),
    path("panels/<str:pk>/", views.PanelDetail.as_view(), name="panel"),
    path("panels/<str:pk>/versions/", views.PanelVersions.as_view(), name="panel-versions"),
    path("panels/<str:pk>/activities/", views.PanelActivities.as_view(), name="panel-activities"),
    *entity_paths("genes"),
    *entity_paths("strs"),
    *entity_paths("regions"),
    *search_paths("genes", views.GeneSearch),
    *search_paths("strs", views.STRSearch),
    *search_paths("regions", views.RegionSearch),
    *search_paths("entities", views.AnyEntitySearch),
    path("activities/", views.ActivityList.as_view(), name="activities"),
]
