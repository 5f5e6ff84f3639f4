"""Who may do what: the one place pages, the API and the admin ask.

Every permission question is a function here, named for the question, so a
rule changes in one place and the permission-matrix test asks them all.

The roles, as upstream PanelApp's: anonymous readers; external users
(registered, may comment); reviewers (approved by a curator, may review and
rate); curators (upstream's GEL users: edit panels, see internal panels,
approve reviewers). A superuser counts as a curator: ``is_curator`` is the one
definition, asked by the pages here and by the panel services (whose rating is
the curators' decision). Inactive users (not yet verified, or switched off)
may do nothing a signed-in user may.

The admin keeps Django's model permissions for adding and changing rows;
its actions, which write without going through a change form, are decided
by ``can_run_admin_action`` from the permission their effect needs.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from accounts.models import Reviewer, role_of

# The Django permission each admin action's effect needs. An action missing
# here is refused: a new action must say what it changes.
ADMIN_ACTION_PERMISSIONS: dict[str, str] = {
    # Both make a new panel version and store a snapshot.
    "panels.promote": "panels.change_panel",
    "panels.sign_off": "panels.change_panel",
    # Enqueues a new task, i.e. adds a task record.
    "serverless.run_again": "serverless.add_taskrecord",
    # Changes a reviewer's role (and sends an e-mail).
    "accounts.approve_reviewers": "accounts.change_reviewer",
    "accounts.reject_reviewers": "accounts.change_reviewer",
}


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def is_curator(user) -> bool:
    """Whether ``user`` is a curator: the curator role, or a superuser (who may do all a curator may).

    Who someone is, not what they may do now: a curator's rating in an
    imported file is the curators' decision even if their account has since
    been switched off. Every permission below also asks ``_signed_in``.
    """
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    reviewer = getattr(user, "reviewer", None)
    return reviewer is not None and reviewer.role == Reviewer.Role.CURATOR


def _acts_as_curator(user) -> bool:
    return _signed_in(user) and is_curator(user)


def can_comment(user, panel=None) -> bool:
    """Any registered, verified user may comment on an entity (of ``panel``, if it takes contributions)."""
    return _signed_in(user) and (panel is None or can_contribute_to(user, panel))


def can_review(user, panel=None) -> bool:
    """Reviewing and rating (green/amber/red) is for approved reviewers and curators (on ``panel``, if it is open)."""
    may_review = _signed_in(user) and (_acts_as_curator(user) or role_of(user) == Reviewer.Role.REVIEWER)
    return may_review and (panel is None or can_contribute_to(user, panel))


def can_contribute_to(user, panel) -> bool:
    """Whether ``user``'s new reviews, comments and entities may go on ``panel`` at all.

    A retired panel is kept to be read, not worked on: nobody acts on what
    reviewers say about it, so it takes no new reviews, comments or entities
    from reviewers and external users. Curators may still work on it (to put
    it right before they make it public again). A deleted panel takes nothing
    from anyone. Withdrawing one's own review stays possible everywhere
    (``can_delete_review``). The panel services ask this too
    (``check_can_contribute_to``), so no page, admin form or file gets around it.
    """
    from panels.models import Panel

    if panel.status == Panel.Status.DELETED:
        return False
    if _acts_as_curator(user):
        return True
    return _signed_in(user) and panel.status in (Panel.Status.PUBLIC, Panel.Status.PROMOTED)


def check_can_contribute_to(user, panel) -> None:
    """Raise ``PermissionDenied``, saying why, unless ``can_contribute_to(user, panel)``."""
    if not can_contribute_to(user, panel):
        state = panel.get_status_display().lower()
        raise PermissionDenied(f"{panel.name} is {state}: it takes no new reviews, comments or entities.")


def can_curate(user) -> bool:
    """Edit panels and their entities, upload panel files, approve reviewers."""
    return _acts_as_curator(user)


def can_sign_off(user) -> bool:
    """Sign off a panel version with a date, or withdraw a sign-off (the curators' word that it is fit for use)."""
    return _acts_as_curator(user)


def can_open_admin(user) -> bool:
    """Whether the site links to Django's admin for ``user``: it lets in staff only (its pages decide the rest)."""
    return _signed_in(user) and user.is_staff


def can_upload_files(user) -> bool:
    """Start a direct upload: files reach the site only to be imported, and importing is curating."""
    return _acts_as_curator(user)


def can_edit_home_content(user) -> bool:
    """Edit the home page's tabs and upload their images and files: the site's curators speak for it."""
    return _acts_as_curator(user)


def can_approve_reviewers(user) -> bool:
    """See the users waiting to become reviewers and approve or reject them."""
    return _acts_as_curator(user)


def can_see_internal_panels(user) -> bool:
    """Curators see internal (and every other non-deleted) panel; everyone else sees the public ones."""
    return _acts_as_curator(user)


def can_use_api_token(user) -> bool:
    """Any verified user may hold an API token (it reads what their session reads)."""
    return _signed_in(user)


def can_run_admin_action(user, action: str) -> bool:
    """Whether ``user`` may run the admin action named ``action`` (a key of ``ADMIN_ACTION_PERMISSIONS``)."""
    permission = ADMIN_ACTION_PERMISSIONS.get(action)
    return permission is not None and _signed_in(user) and user.is_staff and user.has_perm(permission)


def visible_panel_statuses(user, *, retired: bool = False) -> list[str]:
    """The panel statuses ``user`` may read: public and promoted (plus retired when asked); curators all but deleted."""
    from panels.models import Panel

    if can_see_internal_panels(user):
        return [status for status in Panel.Status.values if status != Panel.Status.DELETED]
    statuses = [Panel.Status.PUBLIC, Panel.Status.PROMOTED]
    if retired:
        statuses.append(Panel.Status.RETIRED)
    return statuses


def visible_panels(user, queryset: QuerySet | None = None, *, retired: bool = False) -> QuerySet:
    """The panels ``user`` may read: public and promoted (plus retired when asked); curators all but deleted."""
    from panels.models import Panel

    panels = Panel.objects.all() if queryset is None else queryset
    return panels.filter(status__in=visible_panel_statuses(user, retired=retired))


def can_watch_panel(user, panel=None) -> bool:
    """Any verified user may watch a panel they can read (its promotions are e-mailed to them); no panel: any."""
    return _signed_in(user) and (panel is None or panel.status in visible_panel_statuses(user, retired=True))


def can_delete_review(user, evaluation) -> bool:
    """One's own review; curators any."""
    return can_curate(user) or (can_comment(user) and evaluation.user_id == user.pk)


def can_edit_comment(user, comment, panel=None) -> bool:
    """Only its author rewrites a comment (on ``panel``, if given, only while it takes contributions).

    Curators may delete a comment but never put words in someone's mouth.
    """
    is_author = _signed_in(user) and comment.user_id == user.pk
    return is_author and (panel is None or can_contribute_to(user, panel))


def can_delete_comment(user, comment) -> bool:
    """Its author, on any panel (as with withdrawing a review); curators any comment."""
    return can_curate(user) or (_signed_in(user) and comment.user_id == user.pk)
