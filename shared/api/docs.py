"""/api/schema/ and /api/docs/, with drf-spectacular loaded by their first request.

drf-spectacular's views import its schema generator, which imports
``rest_framework.test`` and ``django.test`` (tens of milliseconds and some
seventy modules). No other request needs them, so the URLconf routes to these
two small functions and the Lambda init phase never loads the machinery.

The docs page is Swagger UI from drf-spectacular-sidecar, served from the
site's own static files: no script, style or font from a CDN.
"""

from functools import cache
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt


@cache
def _schema_view():
    from drf_spectacular.views import SpectacularAPIView  # see the module docstring

    return SpectacularAPIView.as_view()


@cache
def _swagger_ui_view():
    # The split view serves its start-up script as a file of its own (?script), not inline,
    # so a Content-Security-Policy without 'unsafe-inline' scripts lets it run.
    from drf_spectacular.views import SpectacularSwaggerSplitView

    class SwaggerUI(SpectacularSwaggerSplitView):
        def options(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
            # DRF would render its metadata through the page's template renderer, which has no template for it.
            return HttpResponse(headers={"Allow": "GET, HEAD, OPTIONS"})

    return SwaggerUI.as_view(url_name="api-schema")


@csrf_exempt
def schema(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """The OpenAPI 3 document of API v1 (YAML, or JSON with ``?format=json``)."""
    return _schema_view()(request, *args, **kwargs)


@csrf_exempt
def swagger_ui(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Swagger UI over /api/schema/."""
    return _swagger_ui_view()(request, *args, **kwargs)
