"""/api/: version 1, its OpenAPI schema and docs page, and JSON 404s for anything else."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from api.v1.errors import not_found

urlpatterns = [
    path("v1/", include("api.v1.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # Only paths ending in a slash: without one, Django's APPEND_SLASH redirects
    # first (/api/v1/panels -> /api/v1/panels/), as upstream does.
    re_path(r"^.*/$", not_found),
]
