"""Site-wide pages that belong to no domain app."""

from pathlib import Path

from accounts import policy
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from panelapp import __version__


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The search, the ways in, and the curators' tabs (``?tab=<slug>``, the first by default), in one query."""
    from content.models import HomeTab

    slug = request.GET.get("tab", "")
    tabs = list(HomeTab.objects.for_home(slug))
    shown = next((tab for tab in tabs if tab.shown), None)
    if slug and shown is None:
        raise Http404(f"The home page has no tab {slug!r}.")
    context = {"tabs": tabs, "shown": shown, "can_edit": policy.can_edit_home_content(request.user)}
    return render(request, "home.html", context)


@require_GET
def version(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"version": __version__})


FAVICON = Path(__file__).resolve().parent / "static" / "panelapp" / "favicon.png"


@require_GET
@cache_control(public=True, max_age=86400)
def favicon(request: HttpRequest) -> FileResponse:
    # Browsers ask for /favicon.ico at the site root, wherever static files live.
    return FileResponse(FAVICON.open("rb"), content_type="image/png")
