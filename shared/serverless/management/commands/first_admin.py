"""Create the first superuser of a fresh stack and print a one-time link to set its password.

    manage.py first_admin --username ada --email ada@example.org
    make first-admin USERNAME=ada EMAIL=ada@example.org        (through ManageFunction)

No password ever travels through an event, a log or a terminal history: the
user starts with an unusable password and the operator opens the printed link
(Django's password-reset confirmation at ``/accounts/reset/<uidb64>/<token>/``)
to choose one. The link works once and expires after ``PASSWORD_RESET_TIMEOUT``
(three days by default); running the command again for the same superuser prints
a fresh link. It never promotes an existing ordinary user.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import NoReverseMatch, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

# Django's own names for the confirmation page, namespaced first; upstream PanelApp's path otherwise.
RESET_CONFIRM_NAMES = ("accounts:password_reset_confirm", "password_reset_confirm")
RESET_CONFIRM_PATH = "/accounts/reset/{uidb64}/{token}/"


def password_reset_link(user: AbstractBaseUser) -> str:
    """An absolute, one-time link at which ``user`` sets a password."""
    parts = {"uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)}
    for name in RESET_CONFIRM_NAMES:
        try:
            return settings.PANEL_APP_BASE_URL + reverse(name, kwargs=parts)
        except NoReverseMatch:
            continue
    return settings.PANEL_APP_BASE_URL + RESET_CONFIRM_PATH.format(**parts)


class Command(BaseCommand):
    help = "Create the first superuser (no password yet) and print a one-time link to set its password."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", required=True)

    def handle(self, *args: str, username: str, email: str, **options: object) -> None:
        user_model = get_user_model()
        user = user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username}).first()
        if user is None:
            fields = {user_model.USERNAME_FIELD: username, "email": email}
            user = user_model._default_manager.create_superuser(**fields, password=None)
            self.stdout.write(f"Superuser {username!r} created with no password yet.")
        elif not user.is_superuser:
            raise CommandError(f"user {username!r} exists and is not a superuser; first_admin never promotes a user")
        else:
            self.stdout.write(f"Superuser {username!r} exists; here is a fresh link.")
        hours = settings.PASSWORD_RESET_TIMEOUT // 3600
        self.stdout.write(f"Open this link within {hours} hours to choose the password (it works once):")
        self.stdout.write(password_reset_link(user))
