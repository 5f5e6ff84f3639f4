"""Reading panels for the site's pages, each in a fixed number of queries.

Every function here takes the panels a reader may see (a queryset from
``accounts.policy.visible_panels``) and answers one page's question without a
query per panel, entity or review: counts come from one grouped query, related
rows from one prefetch each. Nothing here writes.
"""

import contextlib
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, Prefetch, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from panels import codes
from panels.keyset import Keyset
from panels.models import Entity, Evaluation, Evidence, Gene, Panel

# Confidence levels as readers know them; the colour always comes with this text.
CONFIDENCE = {3: "Green", 2: "Amber", 1: "Red", 0: "No list"}

# Activity newest first, as every activity list shows it: each activity index ends in (created, id).
ACTIVITY_ORDER = Keyset(("created", "id"), descending=True)
# Entities across panels by name, kind, then row: indexes entity_name_type_id and (one kind) entity_type_name_id.
ENTITY_ORDER = Keyset(("entity_name", "entity_type", "id"))
# The site's index of entity names, one row per name and kind: index entity_name_type_id, read in order.
ENTITY_NAME_ORDER = Keyset(("entity_name", "entity_type"))

PANEL_SORTS = {
    "name": ("name", "pk"),
    "updated": ("-version_created", "name"),
    "genes": ("-number_of_genes", "name"),
}


def search_panels(panels: QuerySet[Panel], text: str) -> QuerySet[Panel]:
    """Panels whose name, old id, disease group, disorders or description mention ``text``, that have it
    among their codes (``R208``, ``HP:0001250``: ``panels.codes``), or that hold a gene of that name.

    A super panel holds its children's genes, so it is found by them too.
    """
    holding = Entity.objects.filter(Q(entity_name__iexact=text) | Q(gene__hgnc_symbol__iexact=text))
    found = (
        Q(name__icontains=text)
        | Q(hash_id=text)
        | Q(disease_group__icontains=text)
        | Q(disease_sub_group__icontains=text)
        | Q(relevant_disorders__icontains=text)
        | Q(description__icontains=text)
        | Q(pk__in=holding.values("panel_id"))
        | Q(pk__in=Panel.objects.filter(child_panels__in=holding.values("panel_id")).values("pk"))
    )
    with contextlib.suppress(ValidationError):  # only text that is a code
        found |= Q(pk__in=codes.panels_with_codes(Panel.objects.all(), [[codes.any_code(text)]]).values("pk"))
    return panels.filter(found)


def sort_panels(panels: QuerySet[Panel], sort: str) -> QuerySet[Panel]:
    panels = panels.annotate(number_of_genes=Cast(KeyTextTransform("number_of_genes", "stats"), IntegerField()))
    return panels.order_by(*PANEL_SORTS.get(sort, PANEL_SORTS["name"]))


def gene_matches(panels: QuerySet[Panel], text: str) -> list[tuple[Panel, Entity, Panel | None]]:
    """A gene search's answer: (panel, entity named ``text`` in any case, child panel it comes through or None).

    A super panel holds its children's entities, so it is listed too, through the child.
    """
    entities = list(
        Entity.objects.filter(panel__in=panels)
        .filter(Q(entity_name__iexact=text) | Q(gene__hgnc_symbol__iexact=text))
        .select_related("panel")
        .order_by("entity_type", "panel_id")
    )
    matches = [(entity.panel, entity, None) for entity in entities]
    by_panel = {entity.panel_id: entity for entity in entities}
    for super_panel, child_id in super_panels_of(panels, by_panel):
        child = by_panel[child_id]
        matches.append((super_panel, child, child.panel))
    # The child panel last: a super panel can hold the gene through two children.
    return sorted(
        matches,
        key=lambda match: (match[0].name.lower(), match[0].pk, match[1].entity_type, match[2].pk if match[2] else 0),
    )


def child_panel_ids(panel_ids: Iterable[int]) -> dict[int, list[int]]:
    """Super panel id -> its child panel ids, for the given panels (one query)."""
    through = Panel.child_panels.through
    children: dict[int, list[int]] = defaultdict(list)
    for parent, child in through.objects.filter(from_panel_id__in=list(panel_ids)).values_list(
        "from_panel_id", "to_panel_id"
    ):
        children[parent].append(child)
    return children


def entity_owners(panels: Iterable[Panel]) -> dict[int, list[int]]:
    """Panel whose rows hold entities -> the given panels that show them (itself, or super panels of a child)."""
    panels = list(panels)
    children = child_panel_ids(p.pk for p in panels)
    owners: dict[int, list[int]] = defaultdict(list)
    for panel in panels:
        for source in children.get(panel.pk) or [panel.pk]:
            owners[source].append(panel.pk)
    return owners


def confidence_counts(panels: list[Panel]) -> dict[int, dict[int, int]]:
    """Panel id -> {confidence level: number of entities} of the current version; a super panel adds its children's."""
    owners = entity_owners(panels)
    counts: dict[int, dict[int, int]] = {panel.pk: dict.fromkeys(CONFIDENCE, 0) for panel in panels}
    rows = (
        Entity.objects.filter(panel_id__in=list(owners))
        .values_list("panel_id", "confidence_level")
        .annotate(number=Count("id"))
        .order_by()
    )
    for source, level, number in rows:
        for owner in owners[source]:
            counts[owner][level] += number
    return counts


def review_counts(panel_ids: Iterable[int]) -> dict[tuple[int, str, str], int]:
    """(panel id, entity type, entity name) -> number of reviews, for the current entities of these panels."""
    rows = (
        Evaluation.objects.filter(entity__panel_id__in=list(panel_ids))
        .values_list("entity__panel_id", "entity__entity_type", "entity__entity_name")
        .annotate(number=Count("id"))
        .order_by()
    )
    return {(panel_id, entity_type, name): number for panel_id, entity_type, name, number in rows}


def contributors(panel_ids: Iterable[int]) -> list[dict[str, str]]:
    """Everyone who reviewed an entity of these panels: name and affiliation, alphabetically."""
    rows = (
        Evaluation.objects.filter(entity__panel_id__in=list(panel_ids))
        .values_list("user__first_name", "user__last_name", "user__username", "user__reviewer__affiliation")
        .distinct()
        .order_by("user__last_name", "user__first_name", "user__username")
    )
    return [
        {"name": f"{first} {last}".strip() or username, "affiliation": affiliation or ""}
        for first, last, username, affiliation in rows
    ]


def entity_in_panels(panel_ids: list[int], entity_type: str, entity_name: str) -> Entity | None:
    """One entity of these panels with everything its page shows: gene, tags, evidence, reviews and reviewers."""
    return (
        Entity.objects.filter(panel_id__in=panel_ids, entity_type=entity_type, entity_name=entity_name)
        .select_related("gene", "panel")
        .prefetch_related(
            "tags",
            _evidence_prefetch(),
            _evaluation_prefetch(),
        )
        .order_by("panel__name")
        .first()
    )


def entities_named(panels: QuerySet[Panel], entity_name: str) -> list[Entity]:
    """Every entity of this name on these panels (current version), with panel, gene, tags and review counts."""
    return list(
        Entity.objects.filter(panel__in=panels, entity_name=entity_name)
        .select_related("gene", "panel")
        .prefetch_related("tags")
        .annotate(number_of_reviews=Count("evaluations"))
        .order_by("-confidence_level", "panel__name", "panel_id")
    )


def super_panels_of(panels: QuerySet[Panel], child_ids: Iterable[int]) -> list[tuple[Panel, int]]:
    """(super panel, child id) for each of these visible super panels that includes one of the children."""
    through = Panel.child_panels.through
    links = through.objects.filter(to_panel_id__in=list(child_ids), from_panel__in=panels).select_related("from_panel")
    # One child in several super panels, or one super panel of several holding children: one row per link.
    return [(link.from_panel, link.to_panel_id) for link in links.order_by("from_panel__name")]


def entity_index(panels: QuerySet[Panel], *, text: str = "", entity_type: str = "", letter: str = "") -> QuerySet:
    """One row per entity name and type on these panels: how many panels hold it and how many rate it green.

    Unordered: ``ENTITY_NAME_ORDER`` pages it from the index in name order, grouping as it goes.
    """
    entities = Entity.objects.filter(panel__in=panels)
    if text:
        entities = entities.filter(Q(entity_name__icontains=text) | Q(gene__gene_name__icontains=text))
    if entity_type:
        entities = entities.filter(entity_type=entity_type)
    if letter:
        entities = entities.filter(entity_name__istartswith=letter)
    return (
        entities.values("entity_name", "entity_type")
        .annotate(panels=Count("panel_id", distinct=True), green=Count("id", filter=Q(confidence_level=3)))
        .order_by()
    )


def comparable_entities(panels: list[Panel]) -> dict[int, dict[tuple[str, str], dict[str, Any]]]:
    """Panel id -> {(entity type, name): its row (rating, inheritance)}; a super panel's come from its children."""
    owners = entity_owners(panels)
    result: dict[int, dict[tuple[str, str], dict[str, Any]]] = {panel.pk: {} for panel in panels}
    rows = Entity.objects.filter(panel_id__in=list(owners)).values(
        "panel_id", "entity_type", "entity_name", "confidence_level", "mode_of_inheritance"
    )
    for row in rows.order_by("entity_name", "panel_id"):
        for owner in owners[row["panel_id"]]:
            result[owner].setdefault((row["entity_type"], row["entity_name"]), row)
    return result


def entities_in_each(panels: list[Panel], entity_name: str) -> dict[int, Entity]:
    """Panel id -> its entity of this name (from a child for a super panel), with evidence and reviews."""
    owners = entity_owners(panels)
    entities = (
        Entity.objects.filter(panel_id__in=list(owners), entity_name=entity_name)
        .select_related("gene", "panel")
        .prefetch_related("tags", _evidence_prefetch(), _evaluation_prefetch())
        .order_by("entity_type")
    )
    found: dict[int, Entity] = {}
    for entity in entities:
        for owner in owners[entity.panel_id]:
            found.setdefault(owner, entity)
    return found


def gene(symbol: str) -> Gene | None:
    return Gene.objects.filter(hgnc_symbol=symbol).first()


def _evidence_prefetch() -> Prefetch:
    return Prefetch("evidence", queryset=Evidence.objects.select_related("reviewer"))


def _evaluation_prefetch() -> Prefetch:
    """Reviews with their reviewers and each review's comment thread (one query more, whatever their number)."""
    return Prefetch(
        "evaluations", queryset=Evaluation.objects.select_related("user__reviewer").prefetch_related("thread")
    )
