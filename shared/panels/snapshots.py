"""Panel versions as the API served them, stored so that a change costs what changed.

A version's JSON (``/api/v1/panels/<id>/``) is the panel's summary followed by
its ``genes``, ``strs`` and ``regions``. Rendering and storing all of it again
for every change made a rating on a 2,500-gene panel re-render 2,500 entities
and store 2.2 MB. Instead:

- an entity's JSON is stored once, addressed by its content (``SnapshotPart``),
  and shared by every version in which it is unchanged;
- a version stores its summary text and its *layout*: for each collection, the
  ``[entity id, part id]`` pairs in the order the API lists them (in a super
  panel ``[entity id, part id, child panel id]``, with each child's summary as
  a part of its own, since a super panel's entities carry the child they come
  from as their last key);
- a new version renders only the entities the change touched (``changed``) and
  takes every other entity's part from the version before; the order comes
  from one query of ids, so the database decides it, as it always has.

Reading composes the text back (``HistoricalSnapshot.data``) byte for byte as
it was served: compact JSON has no whitespace, so an object is its keys'
texts joined, and the summary and each entity render exactly as before.
Versions stored before layouts existed keep their whole text and are served
from it.
"""

import hashlib
from collections.abc import Collection, Iterable
from typing import Any

from panels.models import Entity, HistoricalSnapshot, Panel, SnapshotPart
from panels.representation import ENTITY_COLLECTIONS, entities_for_api, entity_dict, nested_panel, panel_summary, render

COLLECTIONS = ("genes", "strs", "regions")


def store_version(panel: Panel, *, changed: Collection[int] | None = None) -> HistoricalSnapshot:
    """Store the panel's current state as its current version (``panel`` saved first, its stats kept).

    ``changed`` is the ids of the entities whose JSON this change may have
    altered; every other entity's part is taken from the version before.
    ``None`` renders every entity (a new panel, a bulk change, gene data).
    """
    children = list(panel.child_panels.prefetch_related("types"))
    previous = None if changed is None else _latest_layout(panel)
    layout = build_layout(panel, children, previous, changed or ())
    panel.stats = {f"number_of_{name}": len(layout[name]) for name in COLLECTIONS}
    panel.save()
    summary = panel_summary(Panel.objects.prefetch_related("types").get(pk=panel.pk))
    return HistoricalSnapshot.objects.create(
        panel=panel,
        major_version=panel.major_version,
        minor_version=panel.minor_version,
        comment=panel.version_comment,
        created=panel.version_created,
        summary=render(summary),
        layout=layout,
    )


def build_layout(
    panel: Panel, children: list[Panel], previous: dict[str, Any] | None, changed: Collection[int]
) -> dict[str, Any]:
    """The layout of the panel's current state, rendering only what ``previous`` cannot supply."""
    known: dict[int, int] = {}
    if previous is not None:
        changed = set(changed)
        for name in COLLECTIONS:
            known.update((entry[0], entry[1]) for entry in previous.get(name, ()) if entry[0] not in changed)
    source = Entity.objects.filter(panel__in=children) if children else panel.entities.all()
    order = list(source.order_by("entity_name", "panel_id").values_list("pk", "entity_type", "panel_id"))
    missing = [pk for pk, _, _ in order if pk not in known]
    if missing:
        entities = list(entities_for_api(Entity.objects.filter(pk__in=missing)))
        parts = store_parts(render(entity_dict(entity)) for entity in entities)
        known.update(zip((entity.pk for entity in entities), parts, strict=True))
    layout: dict[str, Any] = {name: [] for name in COLLECTIONS}
    for pk, entity_type, panel_id in order:
        entry = [pk, known[pk], panel_id] if children else [pk, known[pk]]
        layout[ENTITY_COLLECTIONS[entity_type]].append(entry)
    if children:
        summaries = store_parts(render(nested_panel(child)) for child in children)
        layout["children"] = {str(child.pk): part for child, part in zip(children, summaries, strict=True)}
    return layout


def store_parts(texts: Iterable[str]) -> list[int]:
    """The part id of each text, storing those not stored yet: two statements for any number."""
    texts = list(texts)
    digests = [hashlib.sha256(text.encode()).hexdigest() for text in texts]
    if not texts:
        return []
    SnapshotPart.objects.bulk_create(
        [SnapshotPart(digest=digest, text=text) for digest, text in dict(zip(digests, texts, strict=True)).items()],
        ignore_conflicts=True,
    )
    ids = dict(SnapshotPart.objects.filter(digest__in=set(digests)).values_list("digest", "pk"))
    return [ids[digest] for digest in digests]


def compose(summary: str, layout: dict[str, Any]) -> str:
    """The version's whole JSON text from its summary and layout: one query for every part."""
    children = layout.get("children", {})
    wanted = {entry[1] for name in COLLECTIONS for entry in layout[name]} | set(children.values())
    texts = dict(SnapshotPart.objects.filter(pk__in=wanted).values_list("pk", "text"))
    pieces = [summary[:-1]]
    for name in COLLECTIONS:
        items = []
        for entry in layout[name]:
            text = texts[entry[1]]
            if len(entry) > 2:  # a child's entity in a super panel: the child is its last key
                text = f'{text[:-1]},"panel":{texts[children[str(entry[2])]]}}}'
            items.append(text)
        pieces.append(f',"{name}":[{",".join(items)}]')
    pieces.append("}")
    return "".join(pieces)


def _latest_layout(panel: Panel) -> dict[str, Any] | None:
    latest = panel.snapshots.order_by("-major_version", "-minor_version").values_list("layout", flat=True).first()
    return latest if isinstance(latest, dict) else None
