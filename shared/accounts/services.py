"""Everything that changes an account: registration, verification, approval, API tokens.

Pages and the admin call these functions, never the models directly, so an
approval sends its e-mail whether a curator clicks on the site or in the admin.
E-mail leaves through ``accounts.emails`` (the queued mailer).

Whatever depends on whether an address has an account (registration, password
reset, a new confirmation link) is split in two: the page's half does the same
work for any address and queues a task (``accounts.tasks``); the worker's half
looks the address up and sends the e-mail that fits. Nobody learns from the
page, or from its timing, which addresses are registered.
"""

import secrets
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify
from rest_framework.authtoken.models import Token

from accounts import emails
from accounts.models import PendingRegistration, Reviewer

User = get_user_model()

VERIFICATION_SALT = "accounts.verify-email"


class InvalidVerificationLink(Exception):
    """The link is malformed, forged, expired, or for an address the account no longer has."""


@transaction.atomic
def register(*, email: str, password: str, first_name: str, last_name: str, **profile: Any) -> None:
    """Ask for a new external user at ``email``: the worker makes it (``complete_registration``).

    The same work for a new and a registered address: hash the password,
    store one row, queue one task. The account, or the note to the address's
    owner, comes from the worker.
    """
    from accounts import tasks

    registration = PendingRegistration.objects.create(
        email=email, password=make_password(password), first_name=first_name, last_name=last_name, **profile
    )
    # Queued once the row is committed: the worker must find it.
    transaction.on_commit(partial(tasks.complete_registration.enqueue, registration.pk))


@transaction.atomic
def complete_registration(registration_id: int) -> str:
    """The worker's half of ``register``; returns what it did.

    A new address gets an inactive account, with a made-up username (people
    sign in with their address), and the confirmation link. An address whose
    account still waits for confirmation gets a fresh link; one with an
    account is told that someone tried to register with it, and how to sign
    in or reset the password. A registration already completed (a message
    delivered twice) does nothing.
    """
    registration = PendingRegistration.objects.select_for_update().filter(pk=registration_id).first()
    if registration is None:
        return "already completed"
    # Registrations of one address wait for each other, so two at once make one account.
    list(PendingRegistration.objects.select_for_update().filter(email__iexact=registration.email))
    registration.delete()
    existing = User.objects.filter(email__iexact=registration.email).order_by("pk").first()
    if existing is None:
        user = User(
            username=new_username(registration.first_name, registration.last_name),
            email=registration.email,
            first_name=registration.first_name,
            last_name=registration.last_name,
            password=registration.password,
            is_active=False,
        )
        user.save()
        Reviewer.objects.create(
            user=user, role=Reviewer.Role.EXTERNAL, approval=Reviewer.Approval.PENDING, **registration.profile()
        )
        emails.verify_address(user, verification_link(user))
        return "registered"
    if _waiting_for_confirmation(existing):
        emails.verify_address(existing, verification_link(existing))
        return "sent a new confirmation link"
    emails.already_registered(existing)
    return "told the owner of the address"


def new_username(first_name: str, last_name: str) -> str:
    """A username nobody chose: the name and four random digits (``ada.lovelace.4821``), not yet taken.

    People who register never pick one, so registration cannot tell anyone
    that a username exists; they sign in with their address. The digits keep
    the name from saying whether someone of that name has an account.
    """
    base = slugify(f"{first_name} {last_name}").replace("-", ".")[:40].strip(".") or "user"
    while True:
        candidate = f"{base}.{secrets.randbelow(9000) + 1000}"
        if not User.objects.filter(username__iexact=candidate).exists():
            return candidate


def _waiting_for_confirmation(user: User) -> bool:
    reviewer = getattr(user, "reviewer", None)
    return not user.is_active and reviewer is not None and reviewer.email_verified_at is None


def request_password_reset(email: str) -> None:
    """The page's half of a password reset: queue the task, the same for any address."""
    from accounts import tasks

    tasks.send_password_reset.enqueue(email)


def send_password_reset(email: str) -> int:
    """E-mail a reset link to each active account with ``email`` (Django's form and tokens); returns how many.

    Links start from PANEL_APP_BASE_URL, never from a request's Host header.
    """
    form = PasswordResetForm({"email": email})
    if not form.is_valid():
        return 0
    users = list(form.get_users(form.cleaned_data["email"]))
    base_url = settings.PANEL_APP_BASE_URL
    form.save(
        domain_override=urlsplit(base_url).netloc,
        use_https=base_url.startswith("https:"),
        subject_template_name="accounts/emails/password_reset_subject.txt",
        email_template_name="accounts/emails/password_reset.txt",
        extra_email_context={"base_url": base_url},
    )
    return len(users)


def request_verification_link(email: str) -> None:
    """The page's half of "send me a new confirmation link": queue the task, the same for any address."""
    from accounts import tasks

    tasks.resend_verification.enqueue(email.strip())


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
