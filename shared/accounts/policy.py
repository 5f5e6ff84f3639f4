"""Who may do what: the one place pages, the API and the admin ask.

Every permission question is a function here, named for the question, so a
rule changes in one place and a permission-matrix test can ask them all.
"""

from django.db.models import QuerySet

from accounts.models import is_curator


def can_see_internal_panels(user) -> bool:
    """Curators see internal (and every other non-deleted) panel; everyone else sees the public ones."""
    return is_curator(user)


def can_curate(user) -> bool:
    """Edit panels and their entities, upload files, approve reviewers."""
    return is_curator(user)


def visible_panels(user, queryset: QuerySet | None = None, *, retired: bool = False) -> QuerySet:
    """The panels ``user`` may read: public and promoted (plus retired when asked); curators all but deleted."""
    from panels.models import Panel

    panels = Panel.objects.all() if queryset is None else queryset
    if can_see_internal_panels(user):
        return panels.exclude(status=Panel.Status.DELETED)
    return panels.visible(retired=retired)


# --- Reviewing and curating ------------------------------------------------------


def _role(user) -> str | None:
    reviewer = getattr(user, "reviewer", None) if user is not None and user.is_authenticated else None
    return reviewer.role if reviewer is not None and user.is_active else None


def can_comment(user) -> bool:
    """Every registered user with a profile (external, reviewer, curator) may comment on an entity."""
    return _role(user) is not None


def can_review(user) -> bool:
    """Rate and review entities, and add new ones with a review: verified reviewers and curators."""
    from accounts.models import Reviewer

    return _role(user) in {Reviewer.Role.REVIEWER, Reviewer.Role.CURATOR}


def can_delete_review(user, evaluation) -> bool:
    """One's own review; curators any."""
    return can_curate(user) or (can_comment(user) and evaluation.user_id == user.pk)
