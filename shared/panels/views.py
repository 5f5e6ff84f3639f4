"""Browsing pages: the public panels and any version of one, read from the stored snapshots."""

import json

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from panels.models import Panel
from panels.services import parse_version

CONFIDENCE_NAMES = {"3": "Green", "2": "Amber", "1": "Red", "0": "No list"}


@require_GET
def panel_list(request: HttpRequest) -> HttpResponse:
    panels = Panel.objects.visible().prefetch_related("types").order_by("name")
    return render(request, "panels/panel_list.html", {"panels": panels})


@require_GET
def panel_detail(request: HttpRequest, pk: int) -> HttpResponse:
    panel = get_object_or_404(Panel.objects.visible(retired=True), pk=pk)
    snapshots = panel.snapshots.only("data").order_by("-major_version", "-minor_version")
    if "version" in request.GET:
        try:
            major, minor = parse_version(request.GET["version"])
        except ValidationError:
            raise Http404("No such version") from None
        snapshots = snapshots.filter(major_version=major, minor_version=minor)
    snapshot = snapshots.first()
    if snapshot is None:
        raise Http404("No such version")
    data = json.loads(snapshot.data)
    for collection in ("genes", "strs", "regions"):
        for entity in data[collection]:
            entity["confidence_name"] = CONFIDENCE_NAMES[entity["confidence_level"]]
    context = {
        "panel": panel,
        "data": data,
        "versions": panel.snapshots.defer("data", "summary").order_by("-major_version", "-minor_version")[:20],
        "activities": panel.activities.all()[:20],
    }
    return render(request, "panels/panel_detail.html", context)


def _not_built(*args, **kwargs) -> HttpResponse:
    raise Http404("Not built yet")


entity_list = entity_detail = compare_form = compare_panels = compare_gene = activity = _not_built
entity_in_panel = old_genes_redirect = old_panel_redirect = _not_built
