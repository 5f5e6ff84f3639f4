"""Two panels side by side, and one gene across the two."""

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from panels import queries
from panels.models import Panel
from panels.pages.common import bad_request, readable_panels

# Two panels of 4,000 genes would not fit a Lambda response (1 MB) on one page.
ROWS_PER_PAGE = 500


@require_GET
def compare_form(request: HttpRequest) -> HttpResponse:
    """Pick two panels; the form submits here by GET and is sent on to the comparison."""
    a, b = request.GET.get("panel_a", ""), request.GET.get("panel_b", "")
    if a or b:
        if not (a.isascii() and a.isdigit() and b.isascii() and b.isdigit()):
            return bad_request(request, "Choose two panels to compare.")
        return redirect("panels:compare", panel_a=int(a), panel_b=int(b))
    panels = readable_panels(request).order_by("name").only("pk", "name", "major_version", "minor_version")
    return render(request, "panels/compare_form.html", {"panels": panels})


@require_GET
def compare_panels(request: HttpRequest, panel_a: int, panel_b: int) -> HttpResponse:
    """In both with the same rating, rating differs, only in one; ``?show=differences`` hides what agrees."""
    first, second = _two_panels(request, panel_a, panel_b)
    entities = queries.comparable_entities([first, second])
    left, right = entities[first.pk], entities[second.pk]
    rows = []
    for key in sorted(left.keys() | right.keys(), key=lambda k: (k[1].lower(), k[0])):
        a, b = left.get(key), right.get(key)
        if a and b:
            status = "same" if a["confidence_level"] == b["confidence_level"] else "differs"
        else:
            status = "only_a" if a else "only_b"
        rows.append({"entity_type": key[0], "entity_name": key[1], "a": a, "b": b, "status": status})
    counts = {status: 0 for status in ("same", "differs", "only_a", "only_b")}
    for row in rows:
        counts[row["status"]] += 1
    only_differences = request.GET.get("show") == "differences"
    shown = [row for row in rows if row["status"] != "same"] if only_differences else rows
    context = {
        "a": first,
        "b": second,
        "page": Paginator(shown, ROWS_PER_PAGE).get_page(request.GET.get("page")),
        "counts": counts,
        "only_differences": only_differences,
    }
    return render(request, "panels/compare.html", context)


@require_GET
def compare_gene(request: HttpRequest, panel_a: int, panel_b: int, gene_symbol: str) -> HttpResponse:
    """One gene (or STR, region) in each of the two panels: rating, inheritance, phenotypes, evidence, reviews."""
    first, second = _two_panels(request, panel_a, panel_b)
    found = queries.entities_in_each([first, second], gene_symbol)
    if not found:
        raise Http404(f"Neither {first.name} nor {second.name} has {gene_symbol}.")
    context = {
        "a": first,
        "b": second,
        "gene_symbol": gene_symbol,
        "columns": [(first, found.get(first.pk)), (second, found.get(second.pk))],
    }
    return render(request, "panels/compare_gene.html", context)


def _two_panels(request: HttpRequest, panel_a: int, panel_b: int) -> tuple[Panel, Panel]:
    panels = {panel.pk: panel for panel in readable_panels(request).filter(pk__in=[panel_a, panel_b])}
    missing = [str(pk) for pk in (panel_a, panel_b) if pk not in panels]
    if missing:
        raise Http404(f"No panel {', '.join(missing)}.")
    return panels[panel_a], panels[panel_b]
