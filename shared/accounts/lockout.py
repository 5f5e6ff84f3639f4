"""Password lockout: after repeated wrong passwords per account and per client address, refuse for a while.

The counts live in the shared rate-limit table (``serverless.ratelimit``), so
every Lambda environment sees the same failures. A lock lifts by itself when
its window ends (``LOGIN_FAILURE_ACCOUNT_RATE``, ``LOGIN_FAILURE_ADDRESS_RATE``).

Every place a password is checked counts against the same budget: the
authentication backend (the site's sign-in page, the admin's) and the old
password of ``/accounts/change_password/``, so a stolen session cannot be used
to guess the password either. While locked the password is not even checked.
The refusal is a ``ValidationError`` on purpose: Django's ``authenticate()``
passes it through, and the forms show its message instead of the generic
"incorrect password".
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from serverless import ratelimit

ACCOUNT, ADDRESS = "login-account", "login-address"

# What a lock refuses, as its message says it: (what failed too often, what is locked).
SIGN_IN = ("failed sign-in attempts", "Sign-in is")
PASSWORD_CHANGE = ("wrong current passwords", "Changing your password is")


class SignInLocked(ValidationError):
    """The account or the client address has used up its wrong passwords; ``retry_after`` in seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, code="locked")
        self.retry_after = retry_after


def _limits(request: HttpRequest | None, username: str) -> list[tuple[str, str, ratelimit.Rate]]:
    limits = [(ACCOUNT, username.casefold(), ratelimit.Rate.parse(settings.LOGIN_FAILURE_ACCOUNT_RATE))]
    if request is not None:
        limits.append(
            (ADDRESS, ratelimit.client_ip(request), ratelimit.Rate.parse(settings.LOGIN_FAILURE_ADDRESS_RATE))
        )
    return limits


def check_not_locked(request: HttpRequest | None, username: str, *, what: tuple[str, str] = SIGN_IN) -> None:
    """Raise ``SignInLocked`` while the account or the client address has used up its failures.

    ``what`` names what is refused in the message (``SIGN_IN``, ``PASSWORD_CHANGE``).
    """
    for scope, ident, rate in _limits(request, username):
        usage = ratelimit.peek(scope, ident, rate)
        if usage.hits >= rate.limit:
            minutes = -(-usage.retry_after // 60)
            failures, refused = what
            raise SignInLocked(
                f"Too many {failures} for this account or from your network. "
                f"{refused} locked for {minutes} more minute{'s' if minutes != 1 else ''}; "
                "you can also reset your password.",
                usage.retry_after,
            )


def record_failure(request: HttpRequest | None, username: str) -> None:
    for scope, ident, rate in _limits(request, username):
        ratelimit.hit(scope, ident, rate)


def clear_failures(username: str) -> None:
    """The right password was given: the account starts afresh (the address's count stays)."""
    ratelimit.reset(ACCOUNT, username.casefold())


def account_name(identifier: str) -> str:
    """The username ``identifier`` signs in as: itself, or the username of the one account with that address.

    People who registered on the site sign in with their e-mail address (their
    username is made for them); accounts made in the admin by their username.
    Either way the failures count against one account. Both lookups run
    whatever the answer, so a known and an unknown address cost the same.
    """
    users = get_user_model()._default_manager
    username_field = get_user_model().USERNAME_FIELD
    by_name = users.filter(**{username_field: identifier}).exists()
    by_address = list(users.filter(email__iexact=identifier).values_list(username_field, flat=True)[:2])
    if by_name or "@" not in identifier or len(by_address) != 1:
        return identifier
    return by_address[0]


class LockoutModelBackend(ModelBackend):
    """Django's username/password backend, refusing locked accounts and addresses and counting failures.

    It also accepts the account's e-mail address in place of its username.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None  # not a password sign-in (e.g. the load balancer's Cognito identity)
        username = account_name(username)
        check_not_locked(request, username)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            record_failure(request, username)
        else:
            clear_failures(username)
        return user
