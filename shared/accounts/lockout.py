"""Sign-in lockout: after repeated failures per account and per client address, refuse for a while.

The counts live in the shared rate-limit table (``serverless.ratelimit``), so
every Lambda environment sees the same failures. A lock lifts by itself when
its window ends (``LOGIN_FAILURE_ACCOUNT_RATE``, ``LOGIN_FAILURE_ADDRESS_RATE``).

The check sits in the authentication backend, so every password form (the
site's sign-in page, the admin's) is covered; while locked the password is not
even checked. The refusal is a ``ValidationError`` on purpose: Django's
``authenticate()`` passes it through, and the authentication form shows its
message instead of the generic "incorrect password".
"""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from serverless import ratelimit

ACCOUNT, ADDRESS = "login-account", "login-address"


class SignInLocked(ValidationError):
    pass


def _limits(request: HttpRequest | None, username: str) -> list[tuple[str, str, ratelimit.Rate]]:
    limits = [(ACCOUNT, username.casefold(), ratelimit.Rate.parse(settings.LOGIN_FAILURE_ACCOUNT_RATE))]
    if request is not None:
        limits.append(
            (ADDRESS, ratelimit.client_ip(request), ratelimit.Rate.parse(settings.LOGIN_FAILURE_ADDRESS_RATE))
        )
    return limits


def check_not_locked(request: HttpRequest | None, username: str) -> None:
    """Raise ``SignInLocked`` while the account or the client address has used up its failures."""
    for scope, ident, rate in _limits(request, username):
        usage = ratelimit.peek(scope, ident, rate)
        if usage.hits >= rate.limit:
            minutes = -(-usage.retry_after // 60)
            raise SignInLocked(
                "Too many failed sign-in attempts for this account or from your network. "
                f"Sign-in is locked for {minutes} more minute{'s' if minutes != 1 else ''}; "
                "you can also reset your password.",
                code="locked",
            )


def record_failure(request: HttpRequest | None, username: str) -> None:
    for scope, ident, rate in _limits(request, username):
        ratelimit.hit(scope, ident, rate)


class LockoutModelBackend(ModelBackend):
    """Django's username/password backend, refusing locked accounts and addresses and counting failures."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(self.get_user_model_username_field())
        if username is None or password is None:
            return None  # not a password sign-in (e.g. the load balancer's Cognito identity)
        check_not_locked(request, username)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            record_failure(request, username)
        else:
            ratelimit.reset(ACCOUNT, username.casefold())
        return user

    @staticmethod
    def get_user_model_username_field() -> str:
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD
