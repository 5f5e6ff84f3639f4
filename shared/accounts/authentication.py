"""API token authentication as upstream PanelApp's (``Authorization: Token <key>``), one query per request.

DRF's own class, with two changes: the user's reviewer profile is read in the
same query (every API view asks the policy about the user's role), and a
key that cannot be one of ours is refused before touching the database.
"""

import re

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

# What ``Token.generate_key`` makes: 40 lowercase hexadecimal digits.
KEY_PATTERN = re.compile(r"[0-9a-f]{40}")


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple:
        if not KEY_PATTERN.fullmatch(key):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        token = Token.objects.select_related("user", "user__reviewer").filter(key=key).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token
