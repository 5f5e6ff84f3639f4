"""The panel index: search by panel, disorder or gene; filter by type, disease group and disorder code; sort."""

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Q, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from panels import codes, queries
from panels.models import Entity, HistoricalSnapshot, Panel, PanelType
from panels.pages.common import bad_request, clean_text, gene_search_text, readable_panels


@require_GET
def panel_list(request: HttpRequest) -> HttpResponse:
    text = gene_search_text(clean_text(request, "search"))
    type_slug = clean_text(request, "type")
    group = clean_text(request, "group", 255)
    # Upstream's ?gene=<symbol>: the panels holding that gene, a super panel through its child (old links use it).
    gene = clean_text(request, "gene", 128)
    sort = request.GET.get("sort", "name") if request.GET.get("sort") in queries.PANEL_SORTS else "name"
    show_retired = request.GET.get("retired") == "1"
    # Panels by phenotype (?disorder=, and ?hpo=, ?omim=, ?orphanet= as in API v1): codes, or a 400 naming the bad one.
    asked_codes = {name: clean_text(request, name) for name in codes.FILTERS}
    try:
        wanted_codes = codes.requested_codes(asked_codes)
    except ValidationError as error:
        return bad_request(request, error.messages[0])

    visible = readable_panels(request, retired=show_retired)
    if not show_retired:
        # Curators may read retired panels anyway; the list leaves them out unless asked, for everyone.
        visible = visible.exclude(status=Panel.Status.RETIRED)
    panels = visible
    if text:
        panels = queries.search_panels(panels, text)
    if type_slug:
        panels = panels.filter(types__slug=type_slug)
    if group:
        panels = panels.filter(disease_group=group)
    if wanted_codes:
        panels = codes.panels_with_codes(panels, wanted_codes)
    if gene:
        holding = Entity.objects.filter(entity_type=Entity.Type.GENE, entity_name=gene).values("panel_id")
        supers = Panel.objects.filter(child_panels__in=holding).values("pk")
        panels = panels.filter(Q(pk__in=holding) | Q(pk__in=supers))
    panels = list(queries.sort_panels(panels, sort).prefetch_related("types"))
    counts = queries.confidence_counts(panels)
    signed_off = _latest_sign_offs(panels)
    detail_url = reverse("panels:detail", kwargs={"pk": 0})
    for panel in panels:
        # Plain attributes made once here: the template reads them for every one of ~300 rows.
        panel.green, panel.amber, panel.red = (counts[panel.pk][level] for level in (3, 2, 1))
        panel.url = detail_url.replace("/0/", f"/{panel.pk}/")
        panel.signed_off = signed_off.get(panel.pk)

    context = {
        "panels": panels,
        "search": text,
        "type": type_slug,
        "group": group,
        "sort": sort,
        "show_retired": show_retired,
        "sorts": [("name", "Name"), ("updated", "Recently updated"), ("genes", "Most genes")],
        "types": PanelType.objects.all(),
        "groups": visible.exclude(disease_group="")
        .order_by("disease_group")
        .values_list("disease_group", flat=True)
        .distinct(),
        "gene_matches": queries.gene_matches(visible, text) if text else [],
        "disorder": asked_codes["disorder"],
        # Codes asked for by a link (a panel page's ?hpo=...): kept by the form, with a way to drop them.
        "linked_codes": [(name, value) for name, value in asked_codes.items() if value and name != "disorder"],
        "filtered": bool(text or type_slug or group or gene or wanted_codes),
    }
    return render(request, "panels/panel_list.html", context)


def _latest_sign_offs(panels: list[Panel]) -> dict[int, HistoricalSnapshot]:
    """Each listed panel's latest signed-off version (as the panel page shows it), in one query."""
    # Per panel, its newest signed-off version, by index; a correlated subquery, as SQLite (make run's
    # default database) has no DISTINCT ON.
    newest = (
        HistoricalSnapshot.objects.filter(panel_id=OuterRef("pk"), signed_off_date__isnull=False)
        .order_by("-major_version", "-minor_version")
        .values("pk")[:1]
    )
    listed = Panel.objects.filter(pk__in=[panel.pk for panel in panels]).values(newest=Subquery(newest))
    latest = HistoricalSnapshot.objects.filter(pk__in=listed).only(
        "panel_id", "major_version", "minor_version", "signed_off_date"
    )
    return {snapshot.panel_id: snapshot for snapshot in latest}
