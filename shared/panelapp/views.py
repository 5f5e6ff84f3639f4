"""Site-wide pages that belong to no domain app."""

from pathlib import Path

from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from panelapp import __version__


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


@require_GET
def version(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"version": __version__})


FAVICON = Path(__file__).resolve().parent / "static" / "panelapp" / "favicon.png"


@require_GET
@cache_control(public=True, max_age=86400)
def favicon(request: HttpRequest) -> FileResponse:
    # Browsers ask for /favicon.ico at the site root, wherever static files live.
    return FileResponse(FAVICON.open("rb"), content_type="image/png")
