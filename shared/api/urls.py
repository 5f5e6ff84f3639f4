"""/api/: version 1, its OpenAPI schema and docs page, and JSON 404s for anything else."""

from typing import Any

from django.urls import include, path, re_path, reverse
from django.views.generic import RedirectView

from api import docs
from api.v1.errors import not_found


class SchemaRedirect(RedirectView):
    """Upstream's ``/api/docs.json`` and ``/api/docs.yaml``: the schema, in that format (301)."""

    permanent = True
    schema_format = "yaml"

    def get_redirect_url(self, *args: Any, **kwargs: Any) -> str:
        url = reverse("api-schema")
        return f"{url}?format=json" if self.schema_format == "json" else url


urlpatterns = [
    path("v1/", include("api.v1.urls")),
    path("schema/", docs.schema, name="api-schema"),
    path("docs/", docs.swagger_ui, name="api-docs"),
    # Upstream's addresses of the schema.
    path("docs.json", SchemaRedirect.as_view(schema_format="json")),
    path("docs.yaml", SchemaRedirect.as_view(schema_format="yaml")),
    # Only paths ending in a slash: without one, Django's APPEND_SLASH redirects
    # first (/api/v1/panels -> /api/v1/panels/), as upstream does.
    re_path(r"^.*/$", not_found),
]
