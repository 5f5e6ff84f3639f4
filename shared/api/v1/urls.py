"""API v1 paths, as upstream PanelApp's (trailing slashes included)."""

from django.urls import path
from subscriptions import api as subscriptions

from api.v1 import bed, diffs, views

app_name = "api-v1"


def variant(base: type, name: str, operation_id: str, **attrs) -> type:
    """``base`` specialised by ``attrs``, with its own OpenAPI operation id (applied by ``api.v1.openapi``)."""
    return type(name, (base,), {**attrs, "openapi_operation_id": operation_id})


def entity_paths(collection: str) -> list:
    """``panels/<pk>/genes/``, ``.../genes/<name>/`` and ``.../genes/<name>/evaluations/``."""
    name = f"Panel{collection.title()}"
    listing = variant(views.PanelEntityList, name, f"panels_{collection}_list", collection=collection)
    detail = variant(views.PanelEntityDetail, f"{name}Detail", f"panels_{collection}_retrieve", collection=collection)
    evaluations = variant(
        views.PanelEntityEvaluations,
        f"{name}Evaluations",
        f"panels_{collection}_evaluations_list",
        collection=collection,
    )
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
    """``genes/`` and ``genes/<names>/`` (comma-separated names), the same search."""
    listing = variant(view, f"{view.__name__}List", f"{name}_list")
    by_name = variant(view, f"{view.__name__}ByName", f"{name}_by_name_list")
    return [
        path(f"{name}/", listing.as_view(), name=name),
        path(f"{name}/<str:entity_name>/", by_name.as_view(), name=f"{name}-detail"),
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
    path("panels/<str:pk>/bed/", bed.PanelBed.as_view(), name="panel-bed"),
    path("panels/<str:pk>/diff/", diffs.PanelDiff.as_view(), name="panel-diff"),
    *entity_paths("genes"),
    *entity_paths("strs"),
    *entity_paths("regions"),
    *search_paths("genes", views.GeneSearch),
    *search_paths("strs", views.STRSearch),
    *search_paths("regions", views.RegionSearch),
    *search_paths("entities", views.AnyEntitySearch),
    path("activities/", views.ActivityList.as_view(), name="activities"),
    # The signed-in user's watched panels (beyond upstream; docs/api.md, "Feeds and watching").
    path("subscriptions/", subscriptions.SubscriptionList.as_view(), name="subscriptions"),
    path("subscriptions/<int:panel_id>/", subscriptions.SubscriptionDetail.as_view(), name="subscription"),
]
