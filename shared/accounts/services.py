"""Everything that changes an account: registration, verification, approval, API tokens.

Pages and the admin call these functions, never the models directly, so an
approval sends its e-mail whether a curator clicks on the site or in the admin.
E-mail leaves through ``accounts.emails`` (the queued mailer).
"""

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts import emails
from accounts.models import Reviewer

User = get_user_model()

VERIFICATION_SALT = "accounts.verify-email"


class InvalidVerificationLink(Exception):
    """The link is malformed, forged, expired, or for an address the account no longer has."""


@transaction.atomic
def register(*, username: str, email: str, password: str, first_name: str, last_name: str, **profile: Any) -> User:
    """A new external user, inactive until they follow the link e-mailed to ``email``."""
    user = User(username=username, email=email, first_name=first_name, last_name=last_name, is_active=False)
    user.set_password(password)
    user.save()
    Reviewer.objects.create(user=user, role=Reviewer.Role.EXTERNAL, approval=Reviewer.Approval.PENDING, **profile)
    emails.verify_address(user, verification_link(user))
    return user


def verification_token(user: User) -> str:
    """A signed, timestamped token naming the user and the address it was sent to."""
    return signing.dumps({"user": user.pk, "email": user.email}, salt=VERIFICATION_SALT, compress=True)


def verification_link(user: User) -> str:
    from django.urls import reverse

    path = reverse("accounts:verify_email", args=[verification_token(user)])
    return f"{settings.PANEL_APP_BASE_URL}{path}"


@transaction.atomic
def verify_email(token: str) -> tuple[User, bool]:
    """Activate the account the token names; returns it and whether this link did it (False: done before).

    On first verification the user is welcomed and the curators hear that a
    reviewer is waiting for them.
    """
    try:
        claim = signing.loads(token, salt=VERIFICATION_SALT, max_age=settings.ACCOUNT_VERIFICATION_MAX_AGE)
    except signing.SignatureExpired as error:
        raise InvalidVerificationLink("This link has expired: ask for a new one below.") from error
    except signing.BadSignature as error:
        raise InvalidVerificationLink("This link is not valid: copy the whole link from the e-mail.") from error
    # Locked: two clicks on the link at once must not send the e-mails twice.
    reviewer = Reviewer.objects.select_for_update().select_related("user").filter(user_id=claim.get("user")).first()
    if reviewer is None or reviewer.user.email != claim.get("email"):
        raise InvalidVerificationLink("This link is for an account or address that no longer exists.")
    user = reviewer.user
    if reviewer.email_verified_at is not None:
        return user, False
    reviewer.email_verified_at = timezone.now()
    reviewer.save(update_fields=["email_verified_at"])
    user.is_active = True
    user.save(update_fields=["is_active"])
    emails.welcome(user)
    if reviewer.approval == Reviewer.Approval.PENDING:
        emails.reviewer_waiting(user, curator_addresses())
    return user, True


def resend_verification(email: str) -> bool:
    """Send a fresh link to an account registered with ``email`` and not yet confirmed; False if there is none."""
    user = (
        User.objects.filter(email__iexact=email.strip(), is_active=False, reviewer__email_verified_at__isnull=True)
        .order_by("pk")
        .first()
    )
    if user is None:
        return False
    emails.verify_address(user, verification_link(user))
    return True


def curator_addresses() -> list[str]:
    """Where "a reviewer is waiting" goes: every active curator with an address, else PANEL_APP_EMAIL."""
    addresses = list(
        User.objects.filter(is_active=True, reviewer__role=Reviewer.Role.CURATOR)
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
    )
    return addresses or [settings.PANEL_APP_EMAIL]


def pending_reviewers() -> QuerySet[Reviewer]:
    """Verified external users waiting for a curator, oldest request first."""
    return (
        Reviewer.objects.filter(
            approval=Reviewer.Approval.PENDING, role=Reviewer.Role.EXTERNAL, email_verified_at__isnull=False
        )
        .select_related("user")
        .order_by("email_verified_at", "pk")
    )


@transaction.atomic
def approve_reviewer(reviewer: Reviewer) -> bool:
    """Make an external user a reviewer and tell them; False if they were not external (nothing changes)."""
    reviewer = Reviewer.objects.select_for_update().select_related("user").get(pk=reviewer.pk)
    if reviewer.role != Reviewer.Role.EXTERNAL:
        return False
    reviewer.role = Reviewer.Role.REVIEWER
    reviewer.approval = Reviewer.Approval.APPROVED
    reviewer.save(update_fields=["role", "approval"])
    emails.approved(reviewer.user)
    return True


@transaction.atomic
def reject_reviewer(reviewer: Reviewer) -> bool:
    """Close a pending request: the user stays external (may still comment); False if none was pending."""
    updated = Reviewer.objects.filter(
        pk=reviewer.pk, role=Reviewer.Role.EXTERNAL, approval=Reviewer.Approval.PENDING
    ).update(approval=Reviewer.Approval.REJECTED)
    return bool(updated)


@transaction.atomic
def regenerate_api_token(user: User) -> Token:
    """A new API token for ``user``; the old one stops working at once."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)
