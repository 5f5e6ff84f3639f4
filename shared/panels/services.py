"""The one way to change panels.

Every change runs in one transaction that locks the panel row, applies the
change, bumps the version when what the API serves changes, stores the new
version's snapshot, writes the activity log and bumps every super panel that
includes the panel. Views, the admin and the demo loader all call these
functions; nothing else writes panels, entities, reviews or snapshots.
Bad input raises ``django.core.exceptions.ValidationError`` and changes nothing.
"""

import functools
import logging
import random
import re
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import date
from typing import Any

from accounts import policy
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import OperationalError, transaction
from django.db.models import Q
from django.utils import timezone
from notifications.services import notify

from panels import exports, snapshots
from panels.models import Activity, Entity, Evaluation, Evidence, Gene, HistoricalSnapshot, Panel, PanelType, Tag
from panels.representation import panel_entities, render

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


# --- Transactions and concurrent curators ---------------------------------------
#
# Locks are always taken in one global order, so two writers never wait on
# each other in a cycle: first the panel rows (the edited panel, its super
# panels and any new child panels) in ascending id order, then new tags in
# name order. A deadlock PostgreSQL still detects (or a serialization
# failure) is retried a few times before ConcurrentEditError.

CONFLICT_SQLSTATES = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure
CONFLICT_RETRIES = 5
log = logging.getLogger(__name__)


class ConcurrentEditError(Exception):
    """The change kept colliding with other writers; nothing was saved. Answer 409 and ask again."""


class StaleVersionError(ValidationError):
    """The form was opened at an older version; ``changes`` lists what happened since, newest last."""

    def __init__(self, panel: "Panel", base_version: str, changes: list[str]) -> None:
        super().__init__(
            f"Panel {panel.name} changed since version {base_version} (now {panel.version}): " + "; ".join(changes),
            code="stale_version",
        )
        self.changes = changes


def _is_conflict(error: OperationalError) -> bool:
    return getattr(error.__cause__, "sqlstate", None) in CONFLICT_SQLSTATES


def writer(function: Callable) -> Callable:
    """One transaction per call; retried on deadlock or serialization failure when it is the outermost one.

    Inside a caller's transaction there is nothing safe to retry, so the error goes up to that caller.
    """
    atomic_function = transaction.atomic(function)

    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        if transaction.get_connection().in_atomic_block:
            return atomic_function(*args, **kwargs)
        for attempt in range(CONFLICT_RETRIES):
            try:
                return atomic_function(*args, **kwargs)
            except OperationalError as error:
                if not _is_conflict(error):
                    raise
                if attempt == CONFLICT_RETRIES - 1:
                    raise ConcurrentEditError(
                        "Other curators were changing the same panels; nothing was saved. Please try again."
                    ) from error
                log.warning("%s collided with another writer; retrying: %s", function.__name__, error)
                time.sleep(random.uniform(0, 0.02 * 2**attempt))  # noqa: S311 - jitter, not security
        raise AssertionError("unreachable")

    return call


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


@writer
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
    # Locked so a child changing meanwhile waits, then bumps this panel too.
    list(
        Panel.objects.select_for_update(of=("self",), no_key=True)
        .filter(pk__in=[c.pk for c in children])
        .order_by("pk")
    )
    check_child_panels(panel, children)
    panel.child_panels.set(children)
    panel.version_comment = comment or "Panel created"
    _store_snapshot(panel)
    _log(user, panel, f"Panel created: {name}")
    return panel


@writer
def update_panel(
    user,
    panel: Panel,
    *,
    types: Iterable[PanelType] | None = None,
    child_panels: Iterable[Panel] | None = None,
    comment: str = "",
    base_version: str | None = None,
    **fields: Any,
) -> Panel:
    """Change a panel's own attributes; a new minor version if anything changed.

    ``base_version`` is the version the curator's form showed: a panel changed since is refused.
    """
    _check_fields(fields, PANEL_FIELDS, "panel")
    if child_panels is not None:
        child_panels = list(child_panels)
    panel = _locked(panel, base_version=base_version, also=child_panels or ())
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
        _bump(user, panel, comment=comment, text="; ".join(changes), changed=())
    return panel


@writer
def promote_panel(user, panel: Panel, *, comment: str, base_version: str | None = None) -> Panel:
    """A new major version (X+1.0), the curators' mark of a reviewed panel."""
    panel = _locked(panel, base_version=base_version)
    _bump(
        user,
        panel,
        comment=comment,
        text=f"Increased major version to {panel.major_version + 1}.0",
        major=True,
        changed=(),
    )
    return panel


@writer
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


@writer
def withdraw_sign_off(user, panel: Panel, *, version: str) -> HistoricalSnapshot:
    """Take back a version's sign-off (given in error, or to the wrong version); the log keeps both lines.

    Like signing off, it changes no panel content, so no new version: the
    listings of signed-off panels fall back to the latest sign-off left.
    """
    panel = _locked(panel)
    major, minor = parse_version(version)
    snapshot = panel.snapshots.filter(major_version=major, minor_version=minor).only("pk", "signed_off_date").first()
    if snapshot is None:
        raise ValidationError(f"Panel {panel.name} has no version {version}.", code="unknown_version")
    if snapshot.signed_off_date is None:
        raise ValidationError(f"Version {version} of {panel.name} is not signed off.", code="not_signed_off")
    withdrawn = snapshot.signed_off_date
    snapshot.signed_off_date = None
    snapshot.save(update_fields=["signed_off_date"])
    _log(user, panel, f"Sign-off of version {version} (on {withdrawn.isoformat()}) withdrawn")
    return snapshot


def parse_version(version: str) -> tuple[int, int]:
    """``"1.15"`` to ``(1, 15)``; anything else is a ValidationError."""
    major, dot, minor = str(version).partition(".")
    if not (dot and major.isdigit() and minor.isdigit() and major.isascii() and minor.isascii()):
        raise ValidationError(f"Incorrect version {version!r}: expected MAJOR.MINOR, e.g. 1.15.", code="bad_version")
    return int(major), int(minor)


# --- Entities ------------------------------------------------------------------

# An entity's name is part of its page's address. These are the characters
# upstream PanelApp routes in one (letters and digits of any script, "_", "-",
# ".", "$", "~", "@", "#" and the space), so a name stored here is one every
# PanelApp link and client can carry.
ENTITY_NAME_CHARACTERS = re.compile(r"[\w\-.$~@# ]")


def check_entity_name(name: str) -> str:
    """``name`` if an entity may be given it, else a ValidationError that says what to change."""
    limit = Entity._meta.get_field("entity_name").max_length
    if not name or not name.strip():
        raise ValidationError("An entity needs a name.", code="no_name")
    if name != name.strip():
        raise ValidationError(f"{name!r} starts or ends with a space.", code="bad_name")
    if len(name) > limit:
        raise ValidationError(f"An entity name has at most {limit} characters.", code="bad_name")
    refused = sorted({char for char in name if not ENTITY_NAME_CHARACTERS.fullmatch(char)})
    if refused:
        listed = ", ".join(repr(char) for char in refused)
        raise ValidationError(
            f"{name!r} cannot be an entity name: {listed} {'is' if len(refused) == 1 else 'are'} not allowed "
            "(letters, digits, spaces and - _ . $ ~ @ # are).",
            code="bad_name",
        )
    if not name.strip("."):
        raise ValidationError(f"{name!r} cannot be an entity name: it is only dots.", code="bad_name")
    return name


@writer
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
    base_version: str | None = None,
    **fields: Any,
) -> Entity:
    """Add a gene (named by its symbol), STR or region to a panel, with its evidence sources."""
    if entity_type not in ENTITY_FIELDS:
        raise ValidationError(f"Unknown entity type {entity_type!r}.", code="bad_entity_type")
    _check_fields(fields, ENTITY_FIELDS[entity_type], entity_type)
    panel = _locked(panel, base_version=base_version)
    policy.check_can_contribute_to(user, panel)
    if panel.child_panels.exists():
        raise ValidationError("A super panel lists its child panels' entities; add to a child panel.", code="super")
    gene = _gene(gene)
    if entity_type == Entity.Type.GENE:
        if gene is None:
            raise ValidationError("A gene entity needs a gene.", code="no_gene")
        entity_name = gene.hgnc_symbol
    if not entity_name:
        raise ValidationError("An STR or region needs a name.", code="no_name")
    check_entity_name(entity_name)
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


@writer
def update_entity(
    user,
    entity: Entity,
    *,
    tags: Iterable[str] | None = None,
    comment: str = "",
    base_version: str | None = None,
    **fields: Any,
) -> Entity:
    """Change an entity's curated attributes; a new minor version if anything changed."""
    _check_fields(fields, ENTITY_FIELDS[entity.entity_type], entity.entity_type)
    panel = _locked(entity.panel, base_version=base_version)
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


@writer
def remove_entity(user, entity: Entity, *, comment: str = "", base_version: str | None = None) -> None:
    panel = _locked(entity.panel, base_version=base_version)
    entity = panel.entities.get(pk=entity.pk)
    text = f"Removed {entity.get_entity_type_display()} {entity.entity_name}"
    entity_type, entity_name = entity.entity_type, entity.entity_name
    entity.delete()
    _bump(user, panel, comment=comment, text=text, entity_ref=(entity_type, entity_name), changed=())


@writer
def review_entity(
    user, entity: Entity, *, rating: str = "", comments: str = "", base_version: str | None = None, **fields: Any
) -> Evaluation:
    """Record (or replace) ``user``'s review of an entity.

    Anyone's review is logged; only a curator's rating (``policy.is_curator``:
    a superuser's too) is a decision: it
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
    panel = _locked(entity.panel, base_version=base_version)
    policy.check_can_contribute_to(user, panel)
    entity = panel.entities.get(pk=entity.pk)
    evaluation, _ = Evaluation.objects.update_or_create(
        entity=entity, user=user, defaults={"rating": rating, "version": panel.version, **fields}
    )
    from panels import comments as threads  # which builds on this module

    threads.record(evaluation, comments, version=panel.version)  # added to the thread, never replacing
    text = f"{entity.entity_name} was reviewed" + (f": rated {rating}" if rating else "")
    if rating and policy.is_curator(user):
        evidence_before = _evidence_names(entity)
        entity.evidence.filter(name__in=EXPERT_REVIEWS).delete()
        Evidence.objects.create(entity=entity, name=RATING_TO_EXPERT_REVIEW[rating], reviewer=user)
        changed_level = _refresh_confidence(entity)
        if changed_level or _evidence_names(entity) != evidence_before:
            _bump(
                user, panel, comment=comments, text=f"{text}; confidence level {entity.confidence_level}", entity=entity
            )
            return evaluation
    _log(user, panel, text, entity_ref=(entity.entity_type, entity.entity_name))
    return evaluation


# --- Curation -------------------------------------------------------------------


@writer
def promote_and_notify(user, panel: Panel, *, comment: str, base_version: str | None = None) -> Panel:
    """Promote to the next major version and tell every contributor (stored, and e-mailed after commit)."""
    panel = promote_panel(user, panel, comment=comment, base_version=base_version)
    notify(
        contributors(panel),
        f"PanelApp: {panel.name} promoted to version {panel.version}",
        f"{panel.name} has been promoted to version {panel.version}.\n\n{comment}",
        url=f"/panels/{panel.pk}/",
    )
    return panel


def contributors(panel: Panel):
    """Everyone who reviewed an entity of the panel or gave it evidence."""
    contributed = Q(evaluations__entity__panel=panel) | Q(evidence__entity__panel=panel)
    return get_user_model().objects.filter(contributed, is_active=True).distinct()


@writer
def set_entity_ready(user, entity: Entity, *, ready: bool, comment: str = "") -> Entity:
    """A curator's mark that an entity's curation is complete. Not in the API, so logged without a version."""
    panel = _locked(entity.panel)
    entity = panel.entities.get(pk=entity.pk)
    if entity.ready != ready:
        entity.ready = ready
        entity.save(update_fields=["ready"])
        text = f"{entity.entity_name} marked as {'ready' if ready else 'not ready'}" + (
            f": {comment}" if comment else ""
        )
        _log(user, panel, text, entity_ref=(entity.entity_type, entity.entity_name))
    return entity


@writer
def mark_panel_not_ready(user, panel: Panel) -> int:
    """Every entity of the panel back to not ready (before a new round of curation); how many changed."""
    panel = _locked(panel)
    changed = panel.entities.filter(ready=True).update(ready=False)
    if changed:
        _log(user, panel, f"{changed} entities marked as not ready")
    return changed


@writer
def remove_sources(user, entity: Entity, *, names: Iterable[str] | None = None, comment: str = "") -> Entity:
    """Clear all evidence sources of an entity (``names=None``) or the named ones; a new version if any went."""
    panel = _locked(entity.panel)
    entity = panel.entities.get(pk=entity.pk)
    evidence = entity.evidence.all() if names is None else entity.evidence.filter(name__in=list(names))
    removed = sorted(set(evidence.values_list("name", flat=True)))
    if not removed:
        return entity
    evidence.delete()
    _refresh_confidence(entity)
    what = "all sources" if names is None else "sources " + ", ".join(removed)
    _bump(user, panel, comment=comment, text=f"{entity.entity_name}: removed {what}", entity=entity)
    return entity


@writer
def delete_review(user, evaluation: Evaluation) -> None:
    """A reviewer withdraws their own review (a curator's rating stays as the entity's evidence)."""
    panel = _locked(evaluation.entity.panel)
    evaluation = Evaluation.objects.select_related("entity").get(pk=evaluation.pk, entity__panel=panel)
    entity = evaluation.entity
    evaluation.delete()
    _log(user, panel, f"{entity.entity_name}: review by {_name(evaluation.user)} deleted", entity_ref=_ref(entity))


@writer
def copy_reviews(user, source: Panel, target: Panel) -> int:
    """Copy every review on ``source`` to the same entity (type and name) on ``target``, where that
    reviewer has none there yet; in bulk, so a large panel takes a constant number of queries.
    Reviews are opinions, not what the API serves: one activity line, no new version.
    """
    target = _locked(target)
    targets = {(e.entity_type, e.entity_name): e.pk for e in target.entities.only("entity_type", "entity_name")}
    existing = set(Evaluation.objects.filter(entity__panel=target).values_list("entity_id", "user_id"))
    copies, sources = [], []
    for review in Evaluation.objects.filter(entity__panel_id=source.pk).select_related("entity"):
        entity_id = targets.get((review.entity.entity_type, review.entity.entity_name))
        if entity_id is None or (entity_id, review.user_id) in existing:
            continue
        sources.append(review.pk)
        review.pk, review.entity_id, review.version = None, entity_id, target.version
        copies.append(review)
    Evaluation.objects.bulk_create(copies)
    from panels import comments as threads

    threads.copy_threads(zip(sources, copies, strict=True))
    if copies:
        source_name = Panel.objects.values_list("name", flat=True).get(pk=source.pk)
        _log(user, target, f"{len(copies)} reviews copied from panel {source_name}")
    return len(copies)


# --- Internals -----------------------------------------------------------------


def _locked(panel: Panel, *, base_version: str | None = None, also: Iterable[Panel] = ()) -> Panel:
    """The panel row, locked until commit with its super panels and ``also``: two writers never mint one version.

    All in ascending id order (the global lock order), and only the panel
    rows: ``FOR NO KEY UPDATE OF`` the panel table leaves the child-panel
    links and rows that merely reference a panel unlocked.
    """
    super_ids = Panel.child_panels.through.objects.filter(to_panel_id=panel.pk).values_list("from_panel_id", flat=True)
    ids = {panel.pk, *super_ids, *(other.pk for other in also)}
    rows = Panel.objects.select_for_update(of=("self",), no_key=True).filter(pk__in=ids).order_by("pk")
    locked = {row.pk: row for row in rows}
    if panel.pk not in locked:
        raise Panel.DoesNotExist(f"No panel {panel.pk}.")
    panel = locked[panel.pk]
    if base_version is not None and base_version != panel.version:
        major, minor = parse_version(base_version)
        since = panel.activities.filter(created__gte=_version_created(panel, major, minor)).exclude(
            panel_version=base_version
        )
        changes = [f"{a.panel_version}: {a.text}" for a in since.order_by("created", "id")]
        raise StaleVersionError(panel, base_version, changes)
    return panel


def _version_created(panel: Panel, major: int, minor: int):
    snapshot = panel.snapshots.filter(major_version=major, minor_version=minor).only("created").first()
    if snapshot is None:
        raise ValidationError(f"Panel {panel.name} has no version {major}.{minor}.", code="unknown_version")
    return snapshot.created


def _bump(
    user,
    panel: Panel,
    *,
    text: str,
    comment: str = "",
    major: bool = False,
    entity: Entity | None = None,
    entity_ref: tuple[str, str] | None = None,
    changed: Collection[int] | None = None,
    _seen: frozenset[int] = frozenset(),
) -> None:
    """A new version of ``panel`` (and of every super panel above it), its snapshot and its activity.

    ``changed`` is the entities whose JSON the change may have altered (the
    ``entity`` given, if any); the snapshot renders only those. ``None`` (a
    bulk change) renders every entity again.
    """
    if major:
        panel.major_version, panel.minor_version = panel.major_version + 1, 0
    else:
        panel.minor_version += 1
    panel.version_comment = comment or text
    panel.version_created = timezone.now()
    if entity is not None:
        entity_ref = (entity.entity_type, entity.entity_name)
        changed = {entity.pk} if changed is None else {entity.pk, *changed}
    _store_snapshot(panel, changed=changed)
    _log(user, panel, text, entity_ref=entity_ref)
    # Super panels serve their children's entities and versions: they move too.
    seen = _seen | {panel.pk}
    supers = Panel.objects.select_for_update(of=("self",), no_key=True).filter(child_panels=panel).order_by("pk")
    for super_panel in supers.exclude(pk__in=seen):
        _bump(
            user,
            super_panel,
            text=f"Child panel {panel.name} updated to version {panel.version}",
            changed=changed,
            _seen=seen,
        )


def _store_snapshot(panel: Panel, *, changed: Collection[int] | None = None) -> HistoricalSnapshot:
    """Store the panel's current state as this version, and have the all-panels files rebuilt after commit."""
    transaction.on_commit(exports.panel_changed, robust=True)  # coalesced
    return snapshots.store_version(panel, changed=changed)


def _log(user, panel: Panel, text: str, *, entity_ref: tuple[str, str] | None = None) -> Activity:
    entity_type, entity_name = entity_ref or (None, None)
    return Activity.objects.create(
        panel=panel,
        panel_name=panel.name,
        panel_version=panel.version,
        user=user,
        user_name=_name(user),
        item_type=Activity.ItemType.ENTITY if entity_ref else Activity.ItemType.PANEL,
        entity_type=entity_type,
        entity_name=entity_name,
        text=text,
    )


def _name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def _ref(entity: Entity) -> tuple[str, str]:
    return (entity.entity_type, entity.entity_name)


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
    """Brand-new tags are inserted in name order (the global lock order), in one statement."""
    wanted = sorted({n.strip() for n in names if n and n.strip()})
    Tag.objects.bulk_create([Tag(name=name) for name in wanted], ignore_conflicts=True)
    entity.tags.set(Tag.objects.filter(name__in=wanted))


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
            check_entity_name(entity_name)
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
            decided[panel_id] |= _record_review(panel, dict(review))
    return decided


@transaction.atomic
def version_imported_panel(user, panel: Panel, *, text: str) -> Panel:
    """One new version of ``panel`` for changes a file made in parts (``record_imported_reviews``)."""
    panel = _locked(panel)
    _bump(user, panel, text=text)
    return panel


def _record_review(panel: Panel, review: dict[str, Any]) -> bool:
    """One review of an imported file; True when it changed the entity's curated decision."""
    entity, reviewer, rating = review.pop("entity"), review.pop("user"), review.pop("rating", "")
    comments = review.pop("comments", "")
    entity = panel.entities.get(pk=entity.pk)
    defaults = {"rating": rating, "version": panel.version, **review}
    evaluation, _ = Evaluation.objects.update_or_create(entity=entity, user=reviewer, defaults=defaults)
    from panels import comments as threads

    if not evaluation.thread.filter(text=comments.strip()).exists():  # a file imported again adds nothing
        threads.record(evaluation, comments, version=panel.version)
    text = f"{entity.entity_name} was reviewed" + (f": rated {rating}" if rating else "")
    _log(reviewer, panel, text, entity_ref=(entity.entity_type, entity.entity_name))
    if not (rating and policy.is_curator(reviewer)):
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
    latest = panel.snapshots.only(*HistoricalSnapshot.TEXT_FIELDS).order_by("-major_version", "-minor_version").first()
    current = panel_entities(panel, [])
    if latest is not None and not renamed:
        served = json.loads(latest.data)
        if all(served.get(key) == json.loads(render(value)) for key, value in current.items()):
            return False
    _bump(user, panel, text=text + ("; " + "; ".join(renamed) if renamed else ""))
    return True
