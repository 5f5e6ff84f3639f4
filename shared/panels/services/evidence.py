"""Evidence sources and the confidence level they give an entity, as upstream PanelApp counts them."""

from collections.abc import Iterable

from accounts import policy
from django.core.exceptions import PermissionDenied, ValidationError

from panels.models import Entity, Evaluation, Evidence
from panels.services import versions
from panels.vocabulary import HIGH_CONFIDENCE_EVIDENCE_SOURCES

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
HIGH_CONFIDENCE_SOURCES = frozenset(HIGH_CONFIDENCE_EVIDENCE_SOURCES)


def confidence_level(evidence_names_newest_first: Iterable[str]) -> int:
    """3 green, 2 amber, 1 red, 0 none: the newest curator decision, else the lists that name it."""
    high_confidence = 0
    for name in evidence_names_newest_first:
        if name in EXPERT_REVIEWS:
            return EXPERT_REVIEWS[name]
        if name in HIGH_CONFIDENCE_SOURCES:
            high_confidence += 1
    return min(high_confidence, 3)


def evidence_names(entity: Entity) -> list[str]:
    """Newest first, as the API lists them."""
    return list(entity.evidence.order_by("-created", "-id").values_list("name", flat=True))


def refresh_confidence(entity: Entity) -> bool:
    """Recompute the confidence level from the evidence; True if it changed."""
    level = confidence_level(evidence_names(entity))
    if level == entity.confidence_level:
        return False
    entity.confidence_level = level
    entity.save(update_fields=["confidence_level"])
    return True


def refresh_confidence_in_bulk(entity_ids: set[int]) -> None:
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


@versions.writer
def remove_sources(user, entity: Entity, *, names: Iterable[str] | None = None, comment: str = "") -> Entity:
    """Clear all evidence sources of an entity (``names=None``) or the named ones; a new version if any went."""
    panel = versions.locked(entity.panel)
    entity = panel.entities.get(pk=entity.pk)
    evidence = entity.evidence.all() if names is None else entity.evidence.filter(name__in=list(names))
    removed = sorted(set(evidence.values_list("name", flat=True)))
    if not removed:
        return entity
    evidence.delete()
    refresh_confidence(entity)
    what = "all sources" if names is None else "sources " + ", ".join(removed)
    versions.bump(user, panel, comment=comment, text=f"{entity.entity_name}: removed {what}", entity=entity)
    return entity


@versions.writer
def add_sources(user, entity: Entity, *, names: Iterable[str], comment: str = "") -> Entity:
    """Further evidence sources for an entity on a panel (curators): a new version, the confidence counted again.

    A source the entity already has, or a curator's rating ("Expert Review
    Green" is set by rating, never added), is refused with the reason and
    nothing changes.
    """
    if not policy.can_curate(user):
        raise PermissionDenied("Only curators add evidence sources.")
    wanted = list(dict.fromkeys(name.strip() for name in names if name and name.strip()))
    if not wanted:
        raise ValidationError("Name a source to add.", code="no_sources")
    ratings = [name for name in wanted if name in EXPERT_REVIEWS]
    if ratings:
        raise ValidationError(
            f"{', '.join(ratings)}: a curator's rating is set by rating the entity, never added as a source.",
            code="rating_as_source",
        )
    panel = versions.locked(entity.panel)
    entity = panel.entities.get(pk=entity.pk)
    present = sorted(set(entity.evidence.filter(name__in=wanted).values_list("name", flat=True)))
    if present:
        raise ValidationError(
            f"{entity.entity_name} already has the {_sources(present)} {', '.join(present)}.", code="duplicate_source"
        )
    Evidence.objects.bulk_create(Evidence(entity=entity, name=name, reviewer=user) for name in wanted)
    refresh_confidence(entity)
    text = f"{entity.entity_name}: added {_sources(wanted)} {', '.join(sorted(wanted))}"
    versions.bump(user, panel, comment=comment, text=text, entity=entity)
    return entity


def _sources(names: list[str]) -> str:
    return "source" if len(names) == 1 else "sources"
