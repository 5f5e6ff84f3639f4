"""Reviews: anyone's opinion of an entity, and a curator's rating, which decides its confidence level."""

from typing import Any

from accounts import policy
from django.core.exceptions import ValidationError

from panels import comments as threads
from panels.models import Entity, Evaluation, Evidence, Panel
from panels.services import checks, evidence, versions

# What a review holds besides its rating and comment, in the order the forms ask for it.
REVIEW_FIELDS = (
    "mode_of_inheritance",
    "mode_of_pathogenicity",
    "phenotypes",
    "publications",
    "current_diagnostic",
    "clinically_relevant",
)


@versions.writer
def review_entity(
    user, entity: Entity, *, rating: str = "", comments: str = "", base_version: str | None = None, **fields: Any
) -> Evaluation:
    """Record (or replace) ``user``'s review of an entity.

    Anyone's review is logged; only a curator's rating (``policy.is_curator``:
    a superuser's too) is a decision: it
    becomes the entity's ``Expert Review`` evidence and confidence level and,
    as that changes what the API serves, a new panel version.
    """
    checks.check_fields(fields, REVIEW_FIELDS, "review")
    if rating not in Evaluation.Rating.values and rating != "":
        raise ValidationError(f"Unknown rating {rating!r}: expected GREEN, AMBER or RED.", code="bad_rating")
    panel = versions.locked(entity.panel, base_version=base_version)
    policy.check_can_contribute_to(user, panel)
    entity = panel.entities.get(pk=entity.pk)
    evaluation, _ = Evaluation.objects.update_or_create(
        entity=entity, user=user, defaults={"rating": rating, "version": panel.version, **fields}
    )
    threads.record(evaluation, comments, version=panel.version)  # added to the thread, never replacing
    text = f"{entity.entity_name} was reviewed" + (f": rated {rating}" if rating else "")
    if rating and policy.is_curator(user):
        _approve_by_rating(entity)
        evidence_before = evidence.evidence_names(entity)
        entity.evidence.filter(name__in=evidence.EXPERT_REVIEWS).delete()
        Evidence.objects.create(entity=entity, name=evidence.RATING_TO_EXPERT_REVIEW[rating], reviewer=user)
        changed_level = evidence.refresh_confidence(entity)
        if changed_level or evidence.evidence_names(entity) != evidence_before:
            versions.bump(
                user, panel, comment=comments, text=f"{text}; confidence level {entity.confidence_level}", entity=entity
            )
            return evaluation
    versions.log_activity(user, panel, text, entity_ref=(entity.entity_type, entity.entity_name))
    return evaluation


@versions.writer
def delete_review(user, evaluation: Evaluation) -> None:
    """A reviewer withdraws their own review (a curator's rating stays as the entity's evidence)."""
    panel = versions.locked(evaluation.entity.panel)
    evaluation = Evaluation.objects.select_related("entity").get(pk=evaluation.pk, entity__panel=panel)
    entity = evaluation.entity
    evaluation.delete()
    versions.log_activity(
        user,
        panel,
        f"{entity.entity_name}: review by {versions.user_name(evaluation.user)} deleted",
        entity_ref=versions.entity_key(entity),
    )


@versions.writer
def copy_reviews(user, source: Panel, target: Panel) -> int:
    """Copy every review on ``source`` to the same entity (type and name) on ``target``, where that
    reviewer has none there yet; in bulk, so a large panel takes a constant number of queries.
    Reviews are opinions, not what the API serves: one activity line, no new version.
    """
    target = versions.locked(target)
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
    threads.copy_threads(zip(sources, copies, strict=True))
    if copies:
        source_name = Panel.objects.values_list("name", flat=True).get(pk=source.pk)
        versions.log_activity(user, target, f"{len(copies)} reviews copied from panel {source_name}")
    return len(copies)


def record_review(panel: Panel, review: dict[str, Any]) -> bool:
    """One review of an imported file; True when it changed the entity's curated decision."""
    entity, reviewer, rating = review.pop("entity"), review.pop("user"), review.pop("rating", "")
    comments = review.pop("comments", "")
    entity = panel.entities.get(pk=entity.pk)
    defaults = {"rating": rating, "version": panel.version, **review}
    evaluation, _ = Evaluation.objects.update_or_create(entity=entity, user=reviewer, defaults=defaults)
    if not evaluation.thread.filter(text=comments.strip()).exists():  # a file imported again adds nothing
        threads.record(evaluation, comments, version=panel.version)
    text = f"{entity.entity_name} was reviewed" + (f": rated {rating}" if rating else "")
    versions.log_activity(reviewer, panel, text, entity_ref=(entity.entity_type, entity.entity_name))
    if not (rating and policy.is_curator(reviewer)):
        return False
    _approve_by_rating(entity)
    before = evidence.evidence_names(entity)
    entity.evidence.filter(name__in=evidence.EXPERT_REVIEWS).delete()
    Evidence.objects.create(entity=entity, name=evidence.RATING_TO_EXPERT_REVIEW[rating], reviewer=reviewer)
    changed_level = evidence.refresh_confidence(entity)
    return changed_level or evidence.evidence_names(entity) != before


def _approve_by_rating(entity) -> None:
    """A curator's rating is their decision on an entity: a reviewer's addition is approved, as upstream's rating does.

    No activity line of its own: the review's line says who rated it.
    """
    if entity.flagged:
        entity.flagged = False
        entity.save(update_fields=["flagged"])
