"""The one way to change panels.

Every change runs in one transaction that locks the panel row, applies the
change, bumps the version when what the API serves changes, stores the new
version's snapshot, writes the activity log and bumps every super panel that
includes the panel. Views, the admin and the demo loader all call these
functions; nothing else writes panels, entities, reviews or snapshots.
Bad input raises ``django.core.exceptions.ValidationError`` and changes nothing.
"""

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from accounts.models import is_curator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from panels.models import Activity, Entity, Evaluation, Evidence, Gene, HistoricalSnapshot, Panel, PanelType, Tag
from panels.representation import panel_detail, panel_entities, panel_stats, panel_summary, render

# A curator's rating is stored as one of these evidence names (as upstream does)
# and is the entity's confidence level until the next curator rating.
EXPERT_REVIEWS = {
    "Expert Review Green": 3,
    "Expert Review Amber": 2,
    "Expert Review Red": 1,
    "Expert Review Removed": 0,
}
RATING_TO_EXPERT_REVIEW = {
    Evaluation.Rating.GREEN: "Expert Review Green",
    Evaluation.Rating.AMBER: "Expert Review Amber",
    Evaluation.Rating.RED: "Expert Review Red",
}
# Without a curator's decision, each of these diagnostic laboratories' lists
# counts as one point of confidence (capped at green), as in upstream PanelApp.
HIGH_CONFIDENCE_SOURCES = frozenset(
    {
        "Radboud University Medical Center, Nijmegen",
        "Illumina TruGenome Clinical Sequencing Services",
        "Emory Genetics Laboratory",
        "UKGTN",
    }
)

PANEL_FIELDS = frozenset({"name", "hash_id", "disease_group", "disease_sub_group", "relevant_disorders", "status"})
_COMMON_ENTITY_FIELDS = {"mode_of_inheritance", "mode_of_pathogenicity", "penetrance", "phenotypes", "publications"}
_POSITION_FIELDS = {"chromosome", "grch37_start", "grch37_end", "grch38_start", "grch38_end"}
ENTITY_FIELDS = {
    Entity.Type.GENE: frozenset(_COMMON_ENTITY_FIELDS),
    Entity.Type.STR: frozenset(
        _COMMON_ENTITY_FIELDS | _POSITION_FIELDS | {"repeated_sequence", "normal_repeats", "pathogenic_repeats"}
    ),
    Entity.Type.REGION: frozenset(
        _COMMON_ENTITY_FIELDS
        | _POSITION_FIELDS
        | {
            "verbose_name",
            "haploinsufficiency_score",
            "triplosensitivity_score",
            "required_overlap_percentage",
            "type_of_variants",
        }
    ),
}


def confidence_level(evidence_names_newest_first: Iterable[str]) -> int:
    """3 green, 2 amber, 1 red, 0 none: the newest curator decision, else the lists that name it."""
    high_confidence = 0
    for name in evidence_names_newest_first:
        if name in EXPERT_REVIEWS:
            return EXPERT_REVIEWS[name]
        if name in HIGH_CONFIDENCE_SOURCES:
            high_confidence += 1
    return min(high_confidence, 3)


# --- Panels --------------------------------------------------------------------


@transaction.atomic
def create_panel(
    user,
    *,
    name: str,
    types: Iterable[PanelType] = (),
    child_panels: Iterable[Panel] = (),
    comment: str = "",
    **fields: Any,
) -> Panel:
    """A new panel at version 0.0 (internal unless a status is given)."""
    _check_fields(fields, PANEL_FIELDS, "panel")
    panel = Panel(name=name, version_created=timezone.now(), **_clean_panel_fields(fields))
    panel.full_clean(exclude=["types", "child_panels"])
    panel.save()
    panel.types.set(types)
    children = list(child_panels)
    check_child_panels(panel, children)
    panel.child_panels.set(children)
    panel.version_comment = comment or "Panel created"
    _store_snapshot(panel)
    _log(user, panel, f"Panel created: {name}")
    return panel


@transaction.atomic
def update_panel(
    user,
    panel: Panel,
    *,
    types: Iterable[PanelType] | None = None,
    child_panels: Iterable[Panel] | None = None,
    comment: str = "",
    **fields: Any,
) -> Panel:
    """Change a panel's own attributes; a new minor version if anything changed."""
    _check_fields(fields, PANEL_FIELDS, "panel")
    panel = _locked(panel)
    changes = []
    for field, value in _clean_panel_fields(fields).items():
        if getattr(panel, field) != value:
            changes.append(f"{field.replace('_', ' ').capitalize()} changed from {getattr(panel, field)} to {value}")
            setattr(panel, field, value)
    panel.full_clean(exclude=["types", "child_panels"])
    if types is not None:
        new_types = set(types)
        if new_types != set(panel.types.all()):
            panel.types.set(new_types)
            changes.append("Panel types changed to " + ", ".join(sorted(t.name for t in new_types)))
    if child_panels is not None:
        children = list(child_panels)
        if set(children) != set(panel.child_panels.all()):
            check_child_panels(panel, children)
            panel.child_panels.set(children)
            changes.append("Child panels changed to " + ", ".join(sorted(c.name for c in children)))
    if changes:
        _bump(user, panel, comment=comment, text="; ".join(changes))
    return panel


@transaction.atomic
def promote_panel(user, panel: Panel, *, comment: str) -> Panel:
    """A new major version (X+1.0), the curators' mark of a reviewed panel."""
    panel = _locked(panel)
    _bump(user, panel, comment=comment, text=f"Increased major version to {panel.major_version + 1}.0", major=True)
    return panel


@transaction.atomic
def sign_off(user, panel: Panel, *, version: str, signed_off_date: date) -> HistoricalSnapshot:
    """Mark one stored version as signed off; later sign-offs supersede it in listings."""
    panel = _locked(panel)
    major, minor = parse_version(version)
    try:
        snapshot = panel.snapshots.get(major_version=major, minor_version=minor)
    except HistoricalSnapshot.DoesNotExist:
        raise ValidationError(f"Panel {panel.name} has no version {version}.", code="unknown_version") from None
    snapshot.signed_off_date = signed_off_date
    snapshot.save(update_fields=["signed_off_date"])
    _log(user, panel, f"Version {version} signed off on {signed_off_date.isoformat()}")
    return snapshot


def parse_version(version: str) -> tuple[int, int]:
    """``"1.15"`` to ``(1, 15)``; anything else is a ValidationError."""
    major, dot, minor = str(version).partition(".")
    if not (dot and major.isdigit() and minor.isdigit() and major.isascii() and minor.isascii()):
        raise ValidationError(f"Incorrect version {version!r}: expected MAJOR.MINOR, e.g. 1.15.", code="bad_version")
    return int(major), int(minor)


# --- Entities ------------------------------------------------------------------


@transaction.atomic
def add_entity(
    user,
    panel: Panel,
    *,
    entity_type: str,
    entity_name: str = "",
    gene: Gene | str | None = None,
    sources: Iterable[str] = (),
    tags: Iterable[str] = (),
    comment: str = "",
    **fields: Any,
) -> Entity:
    """Add a gene (named by its symbol), STR or region to a panel, with its evidence sources."""
    if entity_type not in ENTITY_FIELDS:
        raise ValidationError(f"Unknown entity type {entity_type!r}.", code="bad_entity_type")
    _check_fields(fields, ENTITY_FIELDS[entity_type], entity_type)
    panel = _locked(panel)
    if panel.child_panels.exists():
        raise ValidationError("A super panel lists its child panels' entities; add to a child panel.", code="super")
    gene = _gene(gene)
    if entity_type == Entity.Type.GENE:
        if gene is None:
            raise ValidationError("A gene entity needs a gene.", code="no_gene")
        entity_name = gene.hgnc_symbol
    if not entity_name:
        raise ValidationError("An STR or region needs a name.", code="no_name")
    if panel.entities.filter(entity_type=entity_type, entity_name=entity_name).exists():
        raise ValidationError(f"{entity_name} is already on panel {panel.name}.", code="duplicate")
    entity = Entity(panel=panel, entity_type=entity_type, entity_name=entity_name, gene=gene, **fields)
    entity.full_clean(exclude=["tags"], validate_constraints=False)
    entity.save()
    _set_tags(entity, tags)
    Evidence.objects.bulk_create(Evidence(entity=entity, name=source, reviewer=user) for source in sources)
    _refresh_confidence(entity)
    _bump(user, panel, comment=comment, text=f"Added {entity.get_entity_type_display()} {entity_name}", entity=entity)
    return entity


@transaction.atomic
def update_entity(
    user, entity: Entity, *, tags: Iterable[str] | None = None, comment: str = "", **fields: Any
) -> Entity:
    """Change an entity's curated attributes; a new minor version if anything changed."""
    _check_fields(fields, ENTITY_FIELDS[entity.entity_type], entity.entity_type)
    panel = _locked(entity.panel)
    entity = panel.entities.get(pk=entity.pk)
    changed = [field for field, value in fields.items() if getattr(entity, field) != value]
    for field in changed:
        setattr(entity, field, fields[field])
    entity.full_clean(exclude=["tags"], validate_constraints=False)
    if changed:
        entity.save(update_fields=changed)
    if tags is not None:
        new_tags = sorted(set(tags))
        if new_tags != sorted(entity.tags.values_list("name", flat=True)):
            _set_tags(entity, new_tags)
            changed.append("tags")
    if changed:
        what = ", ".join(field.replace("_", " ") for field in changed)
        _bump(user, panel, comment=comment, text=f"{entity.entity_name}: changed {what}", entity=entity)
    return entity


@transaction.atomic
def remove_entity(user, entity: Entity, *, comment: str = "") -> None:
    panel = _locked(entity.panel)
    entity = panel.entities.get(pk=entity.pk)
    text = f"Removed {entity.get_entity_type_display()} {entity.entity_name}"
    entity_type, entity_name = entity.entity_type, entity.entity_name
    entity.delete()
    _bump(user, panel, comment=comment, text=text, entity_ref=(entity_type, entity_name))


@transaction.atomic
def review_entity(user, entity: Entity, *, rating: str = "", comments: str = "", **fields: Any) -> Evaluation:
    """Record (or replace) ``user``'s review of an entity.

    Anyone's review is logged; only a curator's rating is a decision: it
    becomes the entity's ``Expert Review`` evidence and confidence level and,
    as that changes what the API serves, a new panel version.
    """
    allowed = {
        "mode_of_inheritance",
        "mode_of_pathogenicity",
        "phenotypes",
        "publications",
        "current_diagnostic",
        "clinically_relevant",
    }
    _check_fields(fields, allowed, "review")
    if rating not in Evaluation.Rating.values and rating != "":
        raise ValidationError(f"Unknown rating {rating!r}: expected GREEN, AMBER or RED.", code="bad_rating")
    panel = _locked(entity.panel)
    entity = panel.entities.get(pk=entity.pk)
    evaluation, _ = Evaluation.objects.update_or_create(
        entity=entity,
        user=user,
        defaults={"rating": rating, "comments": comments, "version": panel.version, **fields},
    )
    text = f"{entity.entity_name} was reviewed" + (f": rated {rating}" if rating else "")
    if rating and is_curator(user):
        evidence_before = _evidence_names(entity)
        entity.evidence.filter(name__in=EXPERT_REVIEWS).delete()
        Evidence.objects.create(entity=entity, name=RATING_TO_EXPERT_REVIEW[rating], reviewer=user)
        changed_level = _refresh_confidence(entity)
        if changed_level or _evidence_names(entity) != evidence_before:
            _bump(user, panel, comment=comments, text=f"{text}; confidence level {entity.confidence_level}")
            return evaluation
    _log(user, panel, text, entity_ref=(entity.entity_type, entity.entity_name))
    return evaluation


# --- Internals -----------------------------------------------------------------


def _locked(panel: Panel) -> Panel:
    """The panel row, locked until commit: two writers never mint the same version."""
    return Panel.objects.select_for_update().get(pk=panel.pk)


def _bump(
    user,
    panel: Panel,
    *,
    text: str,
    comment: str = "",
    major: bool = False,
    entity: Entity | None = None,
    entity_ref: tuple[str, str] | None = None,
    _seen: frozenset[int] = frozenset(),
) -> None:
    if major:
        panel.major_version, panel.minor_version = panel.major_version + 1, 0
    else:
        panel.minor_version += 1
    panel.version_comment = comment or text
    panel.version_created = timezone.now()
    _store_snapshot(panel)
    if entity is not None:
        entity_ref = (entity.entity_type, entity.entity_name)
    _log(user, panel, text, entity_ref=entity_ref)
    # Super panels serve their children's entities and versions: they move too.
    seen = _seen | {panel.pk}
    for super_panel in Panel.objects.select_for_update().filter(child_panels=panel).exclude(pk__in=seen):
        _bump(
            user,
            super_panel,
            text=f"Child panel {panel.name} updated to version {panel.version}",
            _seen=seen,
        )


def _store_snapshot(panel: Panel) -> HistoricalSnapshot:
    """Render the panel's current state, keep its stats, and store it as this version."""
    children = list(panel.child_panels.prefetch_related("types"))
    entities = panel_entities(panel, children)
    panel.stats = panel_stats(entities)
    panel.save()
    summary = panel_summary(Panel.objects.prefetch_related("types").get(pk=panel.pk))
    return HistoricalSnapshot.objects.create(
        panel=panel,
        major_version=panel.major_version,
        minor_version=panel.minor_version,
        comment=panel.version_comment,
        created=panel.version_created,
        summary=render(summary),
        data=render(panel_detail(summary, entities)),
    )


def _log(user, panel: Panel, text: str, *, entity_ref: tuple[str, str] | None = None) -> Activity:
    entity_type, entity_name = entity_ref or (None, None)
    return Activity.objects.create(
        panel=panel,
        panel_name=panel.name,
        panel_version=panel.version,
        user=user,
        user_name=(user.get_full_name() or user.get_username()) if user else "",
        item_type=Activity.ItemType.ENTITY if entity_ref else Activity.ItemType.PANEL,
        entity_type=entity_type,
        entity_name=entity_name,
        text=text,
    )


def _evidence_names(entity: Entity) -> list[str]:
    """Newest first, as the API lists them."""
    return list(entity.evidence.order_by("-created", "-id").values_list("name", flat=True))


def _refresh_confidence(entity: Entity) -> bool:
    """Recompute the confidence level from the evidence; True if it changed."""
    level = confidence_level(_evidence_names(entity))
    if level == entity.confidence_level:
        return False
    entity.confidence_level = level
    entity.save(update_fields=["confidence_level"])
    return True


def _set_tags(entity: Entity, names: Iterable[str]) -> None:
    tags = []
    for name in {n.strip() for n in names if n and n.strip()}:
        tag, _ = Tag.objects.get_or_create(name=name)
        tags.append(tag)
    entity.tags.set(tags)


def _gene(gene: Gene | str | None) -> Gene | None:
    if gene is None or isinstance(gene, Gene):
        return gene
    try:
        return Gene.objects.get(hgnc_symbol=gene)
    except Gene.DoesNotExist:
        raise ValidationError(f"Unknown gene symbol {gene!r}.", code="unknown_gene") from None


def _check_fields(fields: Mapping[str, Any], allowed: frozenset[str] | set[str], what: str) -> None:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ValidationError(f"Not a field of a {what}: {', '.join(unknown)}.", code="unknown_field")


def _clean_panel_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    cleaned = dict(fields)
    if "hash_id" in cleaned:
        # Unique when present: "no old id" must be NULL, never a shared "".
        cleaned["hash_id"] = cleaned["hash_id"] or None
    if "relevant_disorders" in cleaned:
        cleaned["relevant_disorders"] = [d.strip() for d in cleaned["relevant_disorders"] if d and d.strip()]
    return cleaned


def check_child_panels(panel: Panel, children: list[Panel]) -> None:
    if not children:
        return
    if any(child.pk == panel.pk for child in children):
        raise ValidationError("A panel cannot include itself.", code="self_child")
    if Panel.objects.filter(pk__in=[c.pk for c in children], child_panels__isnull=False).exists():
        raise ValidationError("Super panels cannot be nested.", code="nested_super_panel")
    if panel.pk and panel.entities.exists():
        raise ValidationError("A panel with its own entities cannot become a super panel.", code="has_entities")


# --- Bulk operations (files through the worker, panels.imports) -----------------
# A file changes many entities at once but makes one version per panel, so
# these write rows in bulk and call _bump (or store the first snapshot) once.


def _lock_panel_name(name: str) -> None:
    """Serialize imports that may create a panel of this name (PostgreSQL; a no-op elsewhere)."""
    from django.db import connection

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
    _check_fields(fields, PANEL_FIELDS, "panel")
    if panel is None:
        # Another import may have created it while this file was being checked.
        _lock_panel_name(name)
        same_name = list(Panel.objects.exclude(status=Panel.Status.DELETED).filter(name=name)[:2])
        if len(same_name) > 1:
            raise ValidationError(f"{name!r} matches more than one panel.", code="ambiguous_panel")
        panel = same_name[0] if same_name else None
    created = panel is None
    if created:
        panel = Panel(name=name, version_created=timezone.now(), **_clean_panel_fields(fields))
        panel.full_clean(exclude=["types", "child_panels"])
        panel.save()
    else:
        panel = _locked(panel)
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
        _check_fields({k: v for k, v in values.items() if k != "gene"}, ENTITY_FIELDS[entity_type], entity_type)
        entity = existing.get((entity_type, entity_name))
        if entity is None:
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
    _refresh_confidence_in_bulk(touched)
    if created:
        panel.version_comment = text
        _store_snapshot(panel)
        _log(user, panel, f"Panel created: {name}")
        _log(user, panel, text)
        return panel, "created"
    if not touched:
        return panel, "unchanged"
    _bump(user, panel, text=text)
    return panel, "changed"


def _refresh_confidence_in_bulk(entity_ids: set[int]) -> None:
    """Each entity's confidence level from its evidence: two reads, a write per level that changed."""
    if not entity_ids:
        return
    names: dict[int, list[str]] = {pk: [] for pk in entity_ids}
    for entity_id, name in (
        Evidence.objects.filter(entity_id__in=entity_ids).order_by("-created", "-id").values_list("entity_id", "name")
    ):
        names[entity_id].append(name)
    by_level: dict[int, list[int]] = {}
    for pk, current in Entity.objects.filter(pk__in=entity_ids).values_list("pk", "confidence_level"):
        level = confidence_level(names[pk])
        if level != current:
            by_level.setdefault(level, []).append(pk)
    for level, pks in by_level.items():  # at most four statements
        Entity.objects.filter(pk__in=pks).update(confidence_level=level)


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
            decided |= _record_review(panel, dict(review))
        if decided:
            _bump(user, panel, text=text)
        results.append((panel, decided))
    return results


def _record_review(panel: Panel, review: dict[str, Any]) -> bool:
    """One review of an imported file; True when it changed the entity's curated decision."""
    entity, reviewer, rating = review.pop("entity"), review.pop("user"), review.pop("rating", "")
    comments = review.pop("comments", "")
    entity = panel.entities.get(pk=entity.pk)
    defaults = {"rating": rating, "comments": comments, "version": panel.version, **review}
    Evaluation.objects.update_or_create(entity=entity, user=reviewer, defaults=defaults)
    text = f"{entity.entity_name} was reviewed" + (f": rated {rating}" if rating else "")
    _log(reviewer, panel, text, entity_ref=(entity.entity_type, entity.entity_name))
    if not (rating and is_curator(reviewer)):
        return False
    before = _evidence_names(entity)
    entity.evidence.filter(name__in=EXPERT_REVIEWS).delete()
    Evidence.objects.create(entity=entity, name=RATING_TO_EXPERT_REVIEW[rating], reviewer=reviewer)
    changed_level = _refresh_confidence(entity)
    return changed_level or _evidence_names(entity) != before


@transaction.atomic
def refresh_gene_data(user, panel: Panel, *, text: str) -> bool:
    """A new version of ``panel`` when its genes' reference data changed; True if there was one.

    Gene entities follow a renamed gene (their name is the gene's symbol),
    unless the panel already has the new symbol. The version is made only
    when what the API serves differs from the current version, so running
    a gene import twice changes nothing the second time.
    """
    import json

    panel = _locked(panel)
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
    latest = panel.snapshots.only("data").order_by("-major_version", "-minor_version").first()
    current = panel_entities(panel, [])
    if latest is not None and not renamed:
        served = json.loads(latest.data)
        if all(served.get(key) == json.loads(render(value)) for key, value in current.items()):
            return False
    _bump(user, panel, text=text + ("; " + "; ".join(renamed) if renamed else ""))
    return True
