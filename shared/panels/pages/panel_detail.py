"""A panel page: any version, read from the snapshot the API served for it, so old versions render exactly."""

import json
from typing import Any

from accounts import policy
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from panels import flags, queries
from panels.converters import entity_segment
from panels.models import HistoricalSnapshot, Panel
from panels.pages.common import bad_request, clean_text, readable_panels
from panels.services import parse_version
from panels.templatetags.panel_site import confidence_badge

VERSIONS_SHOWN = 30
# A page of entities stays well under the 1 MB a Lambda behind a load balancer may answer,
# even for the largest panels (4,000 genes); the filter and the TSV download cover the rest.
ENTITIES_PER_PAGE = 250
SECTIONS = (("genes", "gene", "Genes"), ("strs", "str", "STRs"), ("regions", "region", "Regions"))
# Per-panel download buttons: upstream's category strings (0 no list, 1 red, 2 amber, 3 and 4 green).
DOWNLOADS = (("01234", "All entities"), ("34", "Green"), ("234", "Green and amber"), ("2", "Amber"), ("1", "Red"))


@require_GET
def panel_detail(request: HttpRequest, pk: int) -> HttpResponse:
    panel = get_object_or_404(readable_panels(request), pk=pk)
    snapshots = panel.snapshots.only(
        *HistoricalSnapshot.TEXT_FIELDS, "major_version", "minor_version", "signed_off_date", "created", "comment"
    )
    requested = request.GET.get("version", "").strip()
    if requested:
        try:
            major, minor = parse_version(requested)
        except ValidationError as error:
            return bad_request(request, error.messages[0])
        snapshot = snapshots.filter(major_version=major, minor_version=minor).first()
        if snapshot is None:
            raise Http404(f"{panel.name} has no version {requested}.")
    else:
        snapshot = snapshots.order_by("-major_version", "-minor_version").first()
        if snapshot is None:
            raise Http404(f"{panel.name} has no stored version.")
    data = json.loads(snapshot.data)

    text = clean_text(request, "filter")
    levels = {level for level in request.GET.getlist("level") if level in {"0", "1", "2", "3"}}
    # "This colour or better": ?min_level=2 is amber and green, the boxes it stands for shown ticked.
    if (least := request.GET.get("min_level", "")) in {"0", "1", "2", "3"}:
        better = {level for level in ("0", "1", "2", "3") if level >= least}
        levels = levels & better if levels else better
    is_current = (snapshot.major_version, snapshot.minor_version) == (panel.major_version, panel.minor_version)
    # The flag is a live mark, not part of a version: shown (and filtered by) on the current version only.
    flagged = flags.flagged_keys(_source_panel_ids(panel, data)) if is_current else set()
    flagged_only = is_current and request.GET.get("flagged", "") in {"1", "true", "on"}
    matching = _matching(data, text.lower(), levels, flagged if flagged_only else None)
    page = Paginator(matching, ENTITIES_PER_PAGE).get_page(request.GET.get("page"))
    _prepare(panel, data, page.object_list, flagged)
    sections = _sections(data, matching, page.object_list)
    versions = list(
        panel.snapshots.defer(*HistoricalSnapshot.TEXT_FIELDS).order_by("-major_version", "-minor_version")[
            : VERSIONS_SHOWN + 1
        ]
    )
    children = list(readable_panels(request).filter(super_panels=panel).order_by("name"))
    context = {
        "panel": panel,
        "data": data,
        "snapshot": snapshot,
        "is_current": is_current,
        "flagged_only": flagged_only,
        "flagged_count": len(flagged),
        # Curators approve what reviewers added, so the filter is theirs; the flags show to everyone.
        "may_filter_flagged": is_current and policy.can_curate(request.user),
        "sections": sections,
        "page": page,
        "matching": len(matching),
        "total": sum(section["total"] for section in sections),
        "filter": text,
        "levels": levels,
        "level_choices": [("3", "Green"), ("2", "Amber"), ("1", "Red"), ("0", "No list")],
        "versions": versions[:VERSIONS_SHOWN],
        "more_versions": len(versions) > VERSIONS_SHOWN,
        "signed_off": _latest_signed_off(panel),
        "children": children,
        "contributors": queries.contributors(_source_panel_ids(panel, data)),
        "downloads": DOWNLOADS,
    }
    return render(request, "panels/panel_detail.html", context)


def _matching(
    data: dict[str, Any], text: str, levels: set[str], only: set[flags.EntityKey] | None = None
) -> list[tuple[str, dict[str, Any]]]:
    """(collection, entity) of every entity the filter keeps, genes first; ``only`` these entities when given."""
    matching = []
    for collection, _, _ in SECTIONS:
        for entity in data.get(collection, []):
            if levels and entity["confidence_level"] not in levels:
                continue
            if only is not None and flags.entity_key(data, entity) not in only:
                continue
            if text and text not in _search_text(entity):
                continue
            matching.append((collection, entity))
    return matching


def _prepare(
    panel: Panel, data: dict[str, Any], shown: list[tuple[str, dict[str, Any]]], flagged: set[flags.EntityKey]
) -> None:
    """Give the entities of this page their link, badge, flag, review count and filter text.

    Made here once, for this page only, rather than by template tags per row: a page of a
    4,000-gene panel renders several times faster.
    """
    reviews = queries.review_counts(_source_panel_ids(panel, data))
    base_url = reverse("panels:detail", kwargs={"pk": panel.pk})
    for _, entity in shown:
        home = entity.get("panel") or {"id": panel.pk}
        entity["number_of_reviews"] = reviews.get((home["id"], entity["entity_type"], entity["entity_name"]), 0)
        entity["search_text"] = _search_text(entity)
        # The address reverse("panels:entity_in_panel") gives, for any stored name, built without it.
        entity["url"] = f"{base_url}{entity['entity_type']}/{entity_segment(entity['entity_name'])}/"
        entity["badge"] = confidence_badge(entity["confidence_level"])
        entity["flagged"] = flags.entity_key(data, entity) in flagged


def _sections(data: dict[str, Any], matching: list, shown: list) -> list[dict[str, Any]]:
    """The entities of this page grouped by type, with how many of each type match and exist."""
    sections = []
    for collection, entity_type, title in SECTIONS:
        if not data.get(collection):
            continue
        entities = [entity for kind, entity in shown if kind == collection]
        sections.append(
            {
                "key": collection,
                "type": entity_type,
                "title": title,
                "entities": entities,
                "by_panel": any(entity.get("panel") for entity in entities),
                "matching": sum(1 for kind, _ in matching if kind == collection),
                "total": len(data[collection]),
            }
        )
    return sections


def _search_text(entity: dict[str, Any]) -> str:
    """What the filter box matches: name, gene name, phenotypes, mode of inheritance, tags and sources."""
    gene = entity.get("gene_data") or {}
    parts = [
        entity["entity_name"],
        entity.get("verbose_name", ""),
        gene.get("gene_name", ""),
        entity.get("mode_of_inheritance", ""),
        *entity.get("phenotypes", []),
        *entity.get("tags", []),
        *entity.get("evidence", []),
    ]
    return " ".join(part for part in parts if part).lower()


def _source_panel_ids(panel: Panel, data: dict[str, Any]) -> set[int]:
    """The panels whose rows hold this version's entities: the panel, or a super panel's children."""
    ids = {
        entity["panel"]["id"]
        for collection, _, _ in SECTIONS
        for entity in data.get(collection, [])
        if entity.get("panel")
    }
    return ids or {panel.pk}


def _latest_signed_off(panel: Panel) -> HistoricalSnapshot | None:
    return (
        panel.snapshots.filter(signed_off_date__isnull=False)
        .only("major_version", "minor_version", "signed_off_date")
        .order_by("-major_version", "-minor_version")
        .first()
    )
