"""Entity pages: every gene, STR and region; one entity across panels; one entity in one panel."""

from typing import NamedTuple

from accounts import policy
from django.db import connection
from django.db.models import CharField, IntegerField, Value
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from panels import queries
from panels.keyset import InvalidCursor
from panels.models import Activity, Entity
from panels.pages.common import bad_request, clean_text, gene_search_text, readable_panels

PER_PAGE = 100
HISTORY_SHOWN = 100
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# The panel page lists genes, then STRs, then regions, each by name: previous and next follow that order.
LISTING_ORDER = (Entity.Type.GENE, Entity.Type.STR, Entity.Type.REGION)


class Neighbour(NamedTuple):
    """The entity listed before or after this one on the panel page."""

    entity_type: str
    entity_name: str

    @property
    def kind(self) -> str:
        """ "Gene", "STR" or "Region", as the page names it."""
        return Entity.Type(self.entity_type).label


@require_GET
def entity_list(request: HttpRequest) -> HttpResponse:
    """All genes, STRs and regions on the panels the reader sees, alphabetically, a page at a time.

    Paged by cursor from the name index (no count, no OFFSET: see panels.keyset); an old ``?page=N``
    link lands on the first page, ``?page=last`` on the last.
    """
    text = gene_search_text(clean_text(request, "search", 128))
    entity_type = request.GET.get("type", "") if request.GET.get("type") in Entity.Type.values else ""
    letter = request.GET.get("letter", "") if request.GET.get("letter", "") in LETTERS else ""
    rows = queries.entity_index(
        readable_panels(request, retired=False), text=text, entity_type=entity_type, letter=letter
    )
    number, cursor = request.GET.get("page", ""), request.GET.get("cursor", "")
    try:
        if number == "last" and not cursor:
            page = queries.ENTITY_NAME_ORDER.last(rows, PER_PAGE)
        else:
            page = queries.ENTITY_NAME_ORDER.page(rows, cursor, PER_PAGE)
    except InvalidCursor:
        return bad_request(request, "This page link is damaged or was not made here: start again from the first page.")
    context = {
        "page": page,
        "renumbered": number not in ("", "1", "last") and not cursor,
        "search": text,
        "type": entity_type,
        "letter": letter,
        "letters": LETTERS,
        "types": Entity.Type.choices,
    }
    return render(request, "panels/entity_list.html", context)


@require_GET
def entity_detail(request: HttpRequest, entity_name: str) -> HttpResponse:
    """One entity across every panel that holds it, with its rating in each; ``?tag=`` narrows to a tag."""
    panels = readable_panels(request)
    entities = queries.entities_named(panels, entity_name)
    gene = entities[0].gene if entities and entities[0].gene else queries.gene(entity_name)
    if not entities and gene is None:
        raise Http404(f"No gene, STR or region is called {entity_name}.")
    tags = sorted({tag.name for entity in entities for tag in entity.tags.all()})
    tag = request.GET.get("tag", "")
    shown = [e for e in entities if any(t.name == tag for t in e.tags.all())] if tag in tags else entities
    context = {
        "entity_name": entity_name,
        "gene": gene,
        "entities": shown,
        "total": len(entities),
        "tags": tags,
        "tag": tag if tag in tags else "",
        "super_panels": queries.super_panels_of(panels, {e.panel_id for e in entities}) if entities else [],
        "kinds": sorted({e.get_entity_type_display() for e in entities}),
    }
    return render(request, "panels/entity_detail.html", context)


@require_GET
def entity_in_panel(request: HttpRequest, pk: int, entity_type: str, entity_name: str) -> HttpResponse:
    """One entity in one panel (for a super panel: in the child that holds it), with every review and its history."""
    if entity_type not in Entity.Type.values:
        raise Http404(f"{entity_type!r} is not a kind of entity: gene, str or region.")
    panel = get_object_or_404(readable_panels(request), pk=pk)
    children = queries.child_panel_ids([panel.pk]).get(panel.pk, [])
    sources = children or [panel.pk]
    entity = queries.entity_in_panels(sources, entity_type, entity_name)
    if entity is None:
        raise Http404(f"{panel.name} has no {entity_type} {entity_name}.")
    history = Activity.objects.filter(
        panel_id=entity.panel_id, entity_type=entity.entity_type, entity_name=entity.entity_name
    ).order_by("-created", "-id")[:HISTORY_SHOWN]
    context = {
        "panel": panel,
        "home_panel": entity.panel,
        "entity": entity,
        "gene": entity.gene,
        "evaluations": list(entity.evaluations.all()),
        "evidence": list(entity.evidence.all()),
        "tags": [tag.name for tag in entity.tags.all()],
        "history": history,
        # Guidance on ratings and terms sits beside the forms that set them: for those who may.
        "guidance": policy.can_review(request.user, entity.panel),
    }
    context["previous"], context["next"] = _neighbours(sources, entity)
    return render(request, "panels/entity_in_panel.html", context)


def _neighbours(panel_ids: list[int], entity: Entity) -> tuple[Neighbour | None, Neighbour | None]:
    """The entities the panel page lists just before and just after this one, across genes, STRs and regions.

    The panel page lists the current version, which the rows hold, by name within each type. One
    query whatever the panel's size: a UNION of one-row reads of the (panel, type, name) index, the
    nearest name of this type on each side and the nearest entity of each other type, the nearest
    candidate winning. A super panel's children may hold one name twice; its page shows one of them,
    so the neighbour is the next *name*.
    """
    position = LISTING_ORDER.index(entity.entity_type)
    rows = Entity.objects.filter(panel_id__in=panel_ids)
    same_type = rows.filter(entity_type=entity.entity_type)
    sides = {
        # side: [(candidates, order)], nearest first
        "previous": [(same_type.filter(entity_name__lt=entity.entity_name), "-entity_name")]
        + [(rows.filter(entity_type=kind), "-entity_name") for kind in reversed(LISTING_ORDER[:position])],
        "next": [(same_type.filter(entity_name__gt=entity.entity_name), "entity_name")]
        + [(rows.filter(entity_type=kind), "entity_name") for kind in LISTING_ORDER[position + 1 :]],
    }
    reads = [
        candidates.order_by(order)
        .annotate(side=Value(side, output_field=CharField()), step=Value(step, output_field=IntegerField()))
        .values_list("side", "step", "entity_type", "entity_name")[:1]
        for side, steps in sides.items()
        for step, (candidates, order) in enumerate(steps)
    ]
    if connection.features.supports_slicing_ordering_in_compound:
        found = reads[0].union(*reads[1:], all=True)
    else:  # SQLite (make run's default database) takes no LIMIT inside a UNION: the same reads, one each
        found = [row for read in reads for row in read]
    nearest: dict[str, tuple[int, Neighbour]] = {}
    for side, step, entity_type, entity_name in found:
        if side not in nearest or step < nearest[side][0]:
            nearest[side] = (step, Neighbour(entity_type, entity_name))
    return tuple(nearest[side][1] if side in nearest else None for side in ("previous", "next"))
