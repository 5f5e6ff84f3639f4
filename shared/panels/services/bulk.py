"""Files through the worker (``panels.imports``): many entities or reviews at once, one version per panel.

These write rows in bulk and call ``versions.bump`` (or store the first
snapshot) once per panel, where the one-at-a-time services would make a
version per row.
"""

import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from panels.models import Entity, Evidence, HistoricalSnapshot, Panel
from panels.representation import panel_entities, render
from panels.services import checks, versions
from panels.services.entity import ENTITY_FIELDS, clean_entity_fields
from panels.services.evidence import refresh_confidence_in_bulk
from panels.services.panel import PANEL_FIELDS, new_panel
from panels.services.review import record_review


def _lock_panel_name(name: str) -> None:
    """Serialize imports that may create a panel of this name (PostgreSQL; a no-op elsewhere)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"panel-name:{name}"])


@transaction.atomic
def import_panel(
    user,
    *,
    name: str,
    entities: Iterable[Mapping[str, Any]],
    panel: Panel | None = None,
    text: str,
    **fields: Any,
) -> tuple[Panel, str]:
    """Add or update a panel's entities from a file, in one version; ``(panel, "created"|"changed"|"unchanged")``.

    ``entities`` are mappings with ``entity_type``, ``entity_name``, ``gene``
    (a ``Gene`` or None), ``sources`` and entity fields. Entities already on
    the panel are updated and gain the sources they lack; others are added;
    nothing is removed. A new panel (``panel=None``) is created at version
    0.0 with its entities; an existing one gets one new minor version when
    anything changed. ``text`` is the activity line.
    """
    checks.check_fields(fields, PANEL_FIELDS, "panel")
    if panel is None:
        # Another import may have created it while this file was being checked.
        _lock_panel_name(name)
        same_name = list(Panel.objects.exclude(status=Panel.Status.DELETED).filter(name=name)[:2])
        if len(same_name) > 1:
            raise ValidationError(f"{name!r} matches more than one panel.", code="ambiguous_panel")
        panel = same_name[0] if same_name else None
    created = panel is None
    if created:
        panel = new_panel(name, fields)
    else:
        panel = versions.locked(panel)
        if panel.child_panels.exists():
            raise ValidationError(f"{panel.name} is a super panel; import into its child panels.", code="super")
    existing = {
        (e.entity_type, e.entity_name): e for e in panel.entities.select_related("gene").prefetch_related("evidence")
    }
    new_entities, changed_entities, evidence = [], {}, []
    for item in entities:
        values = dict(item)
        entity_type, entity_name = values.pop("entity_type"), values.pop("entity_name")
        sources = list(values.pop("sources", ()))
        checks.check_fields({k: v for k, v in values.items() if k != "gene"}, ENTITY_FIELDS[entity_type], entity_type)
        values = clean_entity_fields(values)  # a gene's transcripts, as one at a time
        entity = existing.get((entity_type, entity_name))
        if entity is None:
            checks.check_entity_name(entity_name)
            entity = Entity(panel=panel, entity_type=entity_type, entity_name=entity_name, **values)
            # The panel and genes are rows just read: checking each foreign key again is a query per row.
            entity.full_clean(exclude=["tags", "panel", "gene"], validate_constraints=False)
            new_entities.append(entity)
            have = set()
        else:
            for field, value in values.items():
                if getattr(entity, field) != value:
                    setattr(entity, field, value)
                    changed_entities[entity.pk] = entity
            entity.full_clean(exclude=["tags", "panel", "gene"], validate_constraints=False)
            have = {e.name for e in entity.evidence.all()}
        # Created oldest first, so the API (newest first) lists them in the file's order.
        evidence += [Evidence(entity=entity, name=s, reviewer=user) for s in reversed(sources) if s not in have]
    Entity.objects.bulk_create(new_entities)
    # An upsert on the primary key: one statement, where bulk_update builds a CASE per column and row.
    update_fields = sorted({f for t in ENTITY_FIELDS.values() for f in t} | {"gene"})
    Entity.objects.bulk_create(
        changed_entities.values(), update_conflicts=True, unique_fields=["id"], update_fields=update_fields
    )
    Evidence.objects.bulk_create(evidence)
    touched = {e.pk for e in new_entities} | set(changed_entities) | {e.entity_id for e in evidence}
    refresh_confidence_in_bulk(touched)
    if created:
        panel.version_comment = text
        versions.store_snapshot(panel, user)
        versions.log_activity(user, panel, f"Panel created: {name}")
        versions.log_activity(user, panel, text)
        return panel, "created"
    if not touched:
        return panel, "unchanged"
    versions.bump(user, panel, text=text)
    return panel, "changed"


@transaction.atomic
def import_reviews(user, reviews: Iterable[Mapping[str, Any]], *, text: str) -> list[tuple[Panel, bool]]:
    """Record many reviews (``entity``, ``user``, ``rating``, ``comments`` and review fields) at once.

    As ``review_entity`` per review, but each panel gets at most one new
    version (when a curator's rating changed what the API serves), with
    ``text`` as its activity line. Panels are locked in id order, so two
    imports never deadlock. Returns ``(panel, new version?)`` per panel.
    """
    by_panel: dict[int, list[Mapping[str, Any]]] = {}
    for review in reviews:
        by_panel.setdefault(review["entity"].panel_id, []).append(review)
    results = []
    for panel_id in sorted(by_panel):
        panel = Panel.objects.select_for_update().get(pk=panel_id)
        decided = False
        for review in by_panel[panel_id]:
            decided |= record_review(panel, dict(review))
        if decided:
            versions.bump(user, panel, text=text)
        results.append((panel, decided))
    return results


@transaction.atomic
def record_imported_reviews(reviews: Iterable[Mapping[str, Any]]) -> dict[int, bool]:
    """As ``import_reviews``, without the versions: ``{panel id: a curated decision changed?}``.

    For a file applied in parts: each panel then gets its one version for
    the whole file from ``version_imported_panel`` once every part is in.
    """
    by_panel: dict[int, list[Mapping[str, Any]]] = {}
    for review in reviews:
        by_panel.setdefault(review["entity"].panel_id, []).append(review)
    decided: dict[int, bool] = {}
    for panel_id in sorted(by_panel):  # id order, as import_reviews: two imports never deadlock
        panel = Panel.objects.select_for_update().get(pk=panel_id)
        decided[panel_id] = False
        for review in by_panel[panel_id]:
            decided[panel_id] |= record_review(panel, dict(review))
    return decided


@transaction.atomic
def version_imported_panel(user, panel: Panel, *, text: str) -> Panel:
    """One new version of ``panel`` for changes a file made in parts (``record_imported_reviews``)."""
    panel = versions.locked(panel)
    versions.bump(user, panel, text=text)
    return panel


@transaction.atomic
def refresh_gene_data(user, panel: Panel, *, text: str) -> bool:
    """A new version of ``panel`` when its genes' reference data changed; True if there was one.

    Gene entities follow a renamed gene (their name is the gene's symbol),
    unless the panel already has the new symbol. The version is made only
    when what the API serves differs from the current version, so running
    a gene import twice changes nothing the second time.
    """
    panel = versions.locked(panel)
    if panel.child_panels.exists():
        return False  # a super panel moves with its children
    renamed = []
    genes = panel.entities.filter(entity_type=Entity.Type.GENE).select_related("gene")
    names = {e.entity_name for e in genes}
    for entity in genes:
        symbol = entity.gene.hgnc_symbol
        if entity.entity_name != symbol and symbol not in names:
            renamed.append(f"{entity.entity_name} is now {symbol}")
            entity.entity_name = symbol
            entity.save(update_fields=["entity_name"])
    latest = panel.snapshots.only(*HistoricalSnapshot.TEXT_FIELDS).order_by("-major_version", "-minor_version").first()
    current = panel_entities(panel, [])
    if latest is not None and not renamed:
        served = json.loads(latest.data)
        if all(served.get(key) == json.loads(render(value)) for key, value in current.items()):
            return False
    versions.bump(user, panel, text=text + ("; " + "; ".join(renamed) if renamed else ""))
    return True
