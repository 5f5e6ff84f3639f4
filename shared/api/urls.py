"""/api/: version 1, its OpenAPI schema and docs page, and JSON 404s for anything else."""

from django.urls import include, path, re_path

from api import docs
from api.v1.errors import not_found

urlpatterns = [
    path("v1/", include("api.v1.urls")),
    path("schema/", docs.schema, name="api-schema"),
    path("docs/", docs.swagger_ui, name="api-docs"),
    # Only paths ending in a slash: without one, Django's APPEND_SLASH redirects
    # first (/api/v1/panels -> /api/v1/panels/), as upstream does.
    re_path(r"^.*/$", not_found),
]
