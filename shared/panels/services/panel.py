"""A panel's own attributes and life: creation, edits, promotion, sign-off."""

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from notifications.services import notify

from panels import codes, signals
from panels.models import HistoricalSnapshot, Panel, PanelType
from panels.services import checks, versions

PANEL_FIELDS = frozenset(
    {
        "name",
        "hash_id",
        "disease_group",
        "disease_sub_group",
        "relevant_disorders",
        "status",
        # Upstream's Level4Title: what the panel is for and the disorder codes it covers (panels.codes).
        "description",
        "omim",
        "orphanet",
        "hpo",
    }
)
# How a change of these reads in the activity log (others by their field name).
FIELD_NAMES = {"omim": "OMIM numbers", "orphanet": "Orphanet codes", "hpo": "HPO terms"}


@versions.writer
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
    checks.check_fields(fields, PANEL_FIELDS, "panel")
    panel = new_panel(name, fields)
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
    versions.store_snapshot(panel, user)
    versions.log_activity(user, panel, f"Panel created: {name}")
    return panel


@versions.writer
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
    checks.check_fields(fields, PANEL_FIELDS, "panel")
    if child_panels is not None:
        child_panels = list(child_panels)
    panel = versions.locked(panel, base_version=base_version, also=child_panels or ())
    changes = []
    for field, value in clean_panel_fields(fields).items():
        if getattr(panel, field) != value:
            changes.append(_change_text(field, getattr(panel, field), value))
            setattr(panel, field, value)
    keep_phenotype_codes(panel)
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
        versions.bump(user, panel, comment=comment, text="; ".join(changes), changed=())
    return panel


@versions.writer
def promote_panel(user, panel: Panel, *, comment: str, base_version: str | None = None) -> Panel:
    """A new major version (X+1.0), the curators' mark of a reviewed panel."""
    panel = versions.locked(panel, base_version=base_version)
    versions.bump(
        user,
        panel,
        comment=comment,
        text=f"Increased major version to {panel.major_version + 1}.0",
        major=True,
        changed=(),
    )
    return panel


@versions.writer
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


@versions.writer
def sign_off(user, panel: Panel, *, version: str, signed_off_date: date) -> HistoricalSnapshot:
    """Mark one stored version as signed off; later sign-offs supersede it in listings."""
    panel = versions.locked(panel)
    major, minor = checks.parse_version(version)
    try:
        snapshot = panel.snapshots.get(major_version=major, minor_version=minor)
    except HistoricalSnapshot.DoesNotExist:
        raise ValidationError(f"Panel {panel.name} has no version {version}.", code="unknown_version") from None
    snapshot.signed_off_date = signed_off_date
    snapshot.save(update_fields=["signed_off_date"])
    versions.announce(signals.signed_off, panel=panel, version=version, signed_off_date=signed_off_date, user=user)
    versions.log_activity(user, panel, f"Version {version} signed off on {signed_off_date.isoformat()}")
    return snapshot


@versions.writer
def withdraw_sign_off(user, panel: Panel, *, version: str) -> HistoricalSnapshot:
    """Take back a version's sign-off (given in error, or to the wrong version); the log keeps both lines.

    Like signing off, it changes no panel content, so no new version: the
    listings of signed-off panels fall back to the latest sign-off left.
    """
    panel = versions.locked(panel)
    major, minor = checks.parse_version(version)
    snapshot = panel.snapshots.filter(major_version=major, minor_version=minor).only("pk", "signed_off_date").first()
    if snapshot is None:
        raise ValidationError(f"Panel {panel.name} has no version {version}.", code="unknown_version")
    if snapshot.signed_off_date is None:
        raise ValidationError(f"Version {version} of {panel.name} is not signed off.", code="not_signed_off")
    withdrawn = snapshot.signed_off_date
    snapshot.signed_off_date = None
    snapshot.save(update_fields=["signed_off_date"])
    versions.log_activity(user, panel, f"Sign-off of version {version} (on {withdrawn.isoformat()}) withdrawn")
    return snapshot


@versions.writer
def mark_panel_not_ready(user, panel: Panel) -> int:
    """Every entity of the panel back to not ready (before a new round of curation); how many changed."""
    panel = versions.locked(panel)
    changed = panel.entities.filter(ready=True).update(ready=False)
    if changed:
        versions.log_activity(user, panel, f"{changed} entities marked as not ready")
    return changed


def check_child_panels(panel: Panel, children: list[Panel]) -> None:
    if not children:
        return
    if any(child.pk == panel.pk for child in children):
        raise ValidationError("A panel cannot include itself.", code="self_child")
    if Panel.objects.filter(pk__in=[c.pk for c in children], child_panels__isnull=False).exists():
        raise ValidationError("Super panels cannot be nested.", code="nested_super_panel")
    if panel.pk and panel.entities.exists():
        raise ValidationError("A panel with its own entities cannot become a super panel.", code="has_entities")


def new_panel(name: str, fields: Mapping[str, Any]) -> Panel:
    """A panel row with ``fields`` (already checked against ``PANEL_FIELDS``), saved at 0.0 without a snapshot."""
    panel = Panel(name=name, version_created=timezone.now(), **clean_panel_fields(fields))
    keep_phenotype_codes(panel)
    panel.full_clean(exclude=["types", "child_panels"])
    panel.save()
    return panel


def clean_panel_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Fields as stored; a malformed code is a ValidationError naming every bad one (``panels.codes``)."""
    cleaned = dict(fields)
    if "hash_id" in cleaned:
        # Unique when present: "no old id" must be NULL, never a shared "".
        cleaned["hash_id"] = cleaned["hash_id"] or None
    if "relevant_disorders" in cleaned:
        cleaned["relevant_disorders"] = [d.strip() for d in cleaned["relevant_disorders"] if d and d.strip()]
    if "description" in cleaned:
        cleaned["description"] = (cleaned["description"] or "").strip()
    for field in codes.CLEANERS.keys() & cleaned.keys():
        cleaned[field] = codes.clean_codes(field, cleaned[field] or ())
    return cleaned


def keep_phenotype_codes(panel: Panel) -> None:
    """Every code the panel answers to, for the phenotype filters: from its code lists and relevant disorders."""
    panel.phenotype_codes = codes.phenotype_codes(
        relevant_disorders=panel.relevant_disorders, omim=panel.omim, orphanet=panel.orphanet, hpo=panel.hpo
    )


def _change_text(field: str, old: Any, new: Any) -> str:
    """One change as the activity log says it; lists as their items, a description without its old text."""
    name = FIELD_NAMES.get(field, field.replace("_", " ").capitalize())
    if field == "description":
        return "Description changed"
    if isinstance(new, list):
        return f"{name} changed from {', '.join(old) or 'none'} to {', '.join(new) or 'none'}"
    return f"{name} changed from {old} to {new}"
