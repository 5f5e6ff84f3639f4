"""Reviewers' comment threads: the service layer's writes of ``Comment``.

A comment belongs to its author's review of an entity, so the thread of an
entity in a panel is its reviews' comments, oldest first. Saving a review with
a comment adds one (``services.review_entity`` calls ``record``); the author
edits or deletes one comment at a time, and a curator may delete anyone's
(``accounts.policy``). Comments are not part of what the API serves for a
panel, so none of these makes a panel version: each is one activity line,
written with the panel row locked as every other change is.
"""

from collections.abc import Iterable

from accounts import policy
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from panels.models import Comment, Evaluation
from panels.services import versions


def check_text(text: str) -> str:
    """The comment as stored (outer spaces removed), or a ValidationError saying what is wrong."""
    text = (text or "").strip()
    if not text:
        raise ValidationError("A comment needs some text.", code="empty_comment")
    if "\x00" in text:
        # PostgreSQL cannot store it in a text column.
        raise ValidationError("A comment cannot contain a null character.", code="bad_comment")
    return text


def record(evaluation: Evaluation, text: str, *, version: str) -> Comment | None:
    """Add ``text`` to the thread of ``evaluation`` (by its author); nothing for a blank one.

    For the service layer, inside the transaction that saves the review: it
    has locked the panel and checked who may write.
    """
    if not (text or "").strip():
        return None
    now = timezone.now()
    return Comment.objects.create(
        evaluation=evaluation,
        user_id=evaluation.user_id,
        text=check_text(text),
        version=version,
        created=now,
        modified=now,
    )


def copy_threads(copies: Iterable[tuple[int, Evaluation]]) -> int:
    """Give each copied review (``(source review id, saved copy)``) the comments of its source; how many."""
    copies = list(copies)
    target_of = {source_id: copy for source_id, copy in copies}
    thread = Comment.objects.filter(evaluation_id__in=list(target_of)).order_by("created", "id")
    copied = [
        Comment(
            evaluation=target_of[comment.evaluation_id],
            user_id=comment.user_id,
            text=comment.text,
            version=target_of[comment.evaluation_id].version,
            created=comment.created,
            modified=comment.modified,
        )
        for comment in thread
    ]
    Comment.objects.bulk_create(copied)
    return len(copied)


@versions.writer
def edit_comment(user, comment: Comment, text: str) -> Comment:
    """The author rewrites one comment of theirs; it keeps its place in the thread and says it was edited."""
    comment, panel = _locked(comment)
    if not policy.can_edit_comment(user, comment, panel):
        raise PermissionDenied("Only its author may edit a comment, and only on a panel that takes comments.")
    text = check_text(text)
    if text == comment.text:
        return comment
    comment.text, comment.modified, comment.version = text, timezone.now(), panel.version
    comment.save(update_fields=["text", "modified", "version"])
    entity = comment.evaluation.entity
    text = f"{entity.entity_name}: comment by {versions.user_name(user)} edited"
    versions.log_activity(user, panel, text, entity_ref=versions.entity_key(entity))
    return comment


@versions.writer
def delete_comment(user, comment: Comment) -> None:
    """Its author, or a curator, removes one comment; the review and the rest of its thread stay."""
    comment, panel = _locked(comment)
    if not policy.can_delete_comment(user, comment):
        raise PermissionDenied("Only its author or a curator may delete a comment.")
    entity, author = comment.evaluation.entity, versions.user_name(comment.user)
    comment.delete()
    versions.log_activity(
        user, panel, f"{entity.entity_name}: comment by {author} deleted", entity_ref=versions.entity_key(entity)
    )


def _locked(comment: Comment):
    """The comment read again with its panel row locked (so it cannot move between check and write)."""
    panel = versions.locked(comment.evaluation.entity.panel)
    comment = Comment.objects.select_related("evaluation__entity", "user").get(
        pk=comment.pk, evaluation__entity__panel=panel
    )
    return comment, panel
