"""Transactions, locks, new versions and the activity log: what every change to a panel goes through.

Locks are always taken in one global order, so two writers never wait on
each other in a cycle: first the panel rows (the edited panel, its super
panels and any new child panels) in ascending id order, then new tags in
name order. A deadlock PostgreSQL still detects (or a serialization
failure) is retried a few times before ConcurrentEditError.

A new version is announced (``panels.signals.version_created``) once its
transaction commits; the all-panels files and the watchers listen there,
so nothing here calls them.
"""

import functools
import logging
import random
import time
from collections.abc import Callable, Collection, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import OperationalError, transaction
from django.dispatch import Signal
from django.utils import timezone

from panels import signals, snapshots
from panels.models import Activity, Entity, HistoricalSnapshot, Panel
from panels.services import checks

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


def locked(panel: Panel, *, base_version: str | None = None, also: Iterable[Panel] = ()) -> Panel:
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
        major, minor = checks.parse_version(base_version)
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


def bump(
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
    store_snapshot(panel, user, major=major, changed=changed)
    log_activity(user, panel, text, entity_ref=entity_ref)
    # Super panels serve their children's entities and versions: they move too.
    seen = _seen | {panel.pk}
    supers = Panel.objects.select_for_update(of=("self",), no_key=True).filter(child_panels=panel).order_by("pk")
    for super_panel in supers.exclude(pk__in=seen):
        bump(
            user,
            super_panel,
            text=f"Child panel {panel.name} updated to version {panel.version}",
            changed=changed,
            _seen=seen,
        )


def store_snapshot(
    panel: Panel, user, *, major: bool = False, changed: Collection[int] | None = None
) -> HistoricalSnapshot:
    """Store the panel's current state as this version, announced once the transaction commits."""
    snapshot = snapshots.store_version(panel, changed=changed)
    announce(signals.version_created, panel=panel, version=panel.version, major=major, user=user)
    return snapshot


def announce(signal: Signal, **kwargs: Any) -> None:
    """Send ``signal`` after commit. A receiver that fails is logged: the change it reacts to stays made."""

    def send() -> None:
        for receiver, result in signal.send_robust(sender=Panel, **kwargs):
            if isinstance(result, Exception):
                log.error("%s failed on a panel change", getattr(receiver, "__qualname__", receiver), exc_info=result)

    transaction.on_commit(send)


def log_activity(user, panel: Panel, text: str, *, entity_ref: tuple[str, str] | None = None) -> Activity:
    entity_type, entity_name = entity_ref or (None, None)
    return Activity.objects.create(
        panel=panel,
        panel_name=panel.name,
        panel_version=panel.version,
        user=user,
        user_name=user_name(user),
        item_type=Activity.ItemType.ENTITY if entity_ref else Activity.ItemType.PANEL,
        entity_type=entity_type,
        entity_name=entity_name,
        text=text,
    )


def user_name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def entity_key(entity: Entity) -> tuple[str, str]:
    return (entity.entity_type, entity.entity_name)
