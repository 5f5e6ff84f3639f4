"""The e-mails an account receives, each sent once the change it reports is committed.

``send_mail`` goes through the default mailer, ``QueuedEmailBackend``: the
request only enqueues a ``send_email`` task and the worker delivers it
(``make run`` shows it at /_local/mail/). Bodies are plain-text templates in
``accounts/emails/``. Django's password-reset view sends its own message
through the same mailer, from the worker (``accounts.tasks``).
"""

from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string


def _send_after_commit(subject: str, template: str, context: dict, to: list[str]) -> None:
    body = render_to_string(f"accounts/emails/{template}", {"base_url": settings.PANEL_APP_BASE_URL, **context})
    # A rolled-back registration must not send a link to an account that does not exist.
    transaction.on_commit(partial(send_mail, f"PanelApp: {subject}", body, None, to, fail_silently=False))


def verify_address(user, link: str) -> None:
    _send_after_commit(
        "confirm your e-mail address",
        "verify_email.txt",
        {"user": user, "link": link, "hours": settings.ACCOUNT_VERIFICATION_MAX_AGE // 3600},
        [user.email],
    )


def already_registered(user) -> None:
    """Someone tried to register with ``user``'s address: tell its owner how to get in (the page said nothing)."""
    _send_after_commit(
        "someone tried to register with your address", "already_registered.txt", {"user": user}, [user.email]
    )


def welcome(user) -> None:
    _send_after_commit("welcome", "welcome.txt", {"user": user}, [user.email])


def reviewer_waiting(user, curators: list[str]) -> None:
    """Tell the curators that ``user`` asks to become a reviewer."""
    _send_after_commit(
        f"{user.get_full_name() or user.get_username()} is waiting for approval as a reviewer",
        "reviewer_waiting.txt",
        {"user": user, "reviewer": user.reviewer},
        curators,
    )


def approved(user) -> None:
    _send_after_commit("you are now a reviewer", "approved.txt", {"user": user}, [user.email])
