"""Accounts test set-up: users of every role, and e-mail delivered through the real queue path."""

import re

import pytest
from accounts.models import Reviewer
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone

PASSWORD = "a-long-test-passphrase-41"
ROLES = ["anonymous", "external", "reviewer", "curator", "view_only_staff", "superuser"]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hashing each test user's password with PBKDF2's full cost would take most of these tests' time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_account(username: str, role: str | None = None, *, email: str | None = None, **user_fields):
    """An active user with a verified address, with a ``Reviewer`` profile of ``role`` (none when None)."""
    user = get_user_model().objects.create_user(
        username,
        email=email or f"{username}@example.org",
        password=PASSWORD,
        first_name=username.title(),
        last_name="Tester",
        **user_fields,
    )
    if role is not None:
        Reviewer.objects.create(user=user, role=role, email_verified_at=timezone.now(), affiliation="Test Lab")
    return user


def make_role(role: str):
    """A user for one of ``ROLES`` (None for anonymous)."""
    if role == "anonymous":
        return None
    if role == "view_only_staff":
        user = make_account("viewer", is_staff=True)
        user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
        return get_user_model().objects.get(pk=user.pk)  # no stale permission cache
    if role == "superuser":
        return make_account("root", is_staff=True, is_superuser=True)
    return make_account(role, getattr(Reviewer.Role, role.upper()))


@pytest.fixture
def queued_mail(settings, mailoutbox):
    """Production mail path: send_mail queues a send_email task, which runs (inline) into ``mailoutbox``."""
    settings.MAILERS = {
        "default": {"BACKEND": "serverless.tasks.mail.QueuedEmailBackend"},
        "transport": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"},
    }
    settings.TASKS = {"default": {"BACKEND": "serverless.tasks.backends.ThreadBackend", "OPTIONS": {"INLINE": True}}}
    settings.PANEL_APP_BASE_URL = "https://panelapp.example.org"
    return mailoutbox


def link_in(message, path_prefix: str) -> str:
    """The path of the first link in ``message`` under ``path_prefix`` (the base URL stripped)."""
    match = re.search(rf"https?://[^/\s]+({re.escape(path_prefix)}\S+)", message.body)
    assert match, f"no {path_prefix} link in: {message.body}"
    return match.group(1)
