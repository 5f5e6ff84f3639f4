"""Rate limits that hold across Lambda environments: one database row per key.

A per-process memory cache counts nothing on Lambda (every environment has its
own, and they come and go), and Django's cache ``incr`` is a read followed by a
write, so two environments can both read 4 and both write 5, even on the
database cache. Here every hit is ONE statement,
``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``: the database serialises
concurrent hits on a key, so the count is exact whichever process counts.

Windows are fixed: the first hit on a key opens a window of the rate's period;
when it has passed, the next hit starts a new one at 1. Rows of ended windows
are deleted by ``prune_expired`` (run by the ``clear_sessions`` periodic task).

Use it three ways: ``hit``/``peek``/``reset`` directly (the sign-in lockout),
the ``ratelimit`` view decorator (registration, upload starts), or through
``api.throttling`` (DRF). ``client_ip`` names the client behind the ALB.
"""

import functools
import hashlib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])[a-z]*\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Rate:
    """``limit`` hits per ``period`` seconds, written like DRF's rates: ``5/15m``, ``100/minute``, ``1000/day``."""

    limit: int
    period: int

    @classmethod
    def parse(cls, text: str) -> "Rate":
        match = _RATE.match(text or "")
        if not match or int(match[1]) < 1:
            raise ValueError(f"Invalid rate {text!r}: write it as <hits>/<period>, e.g. 5/15m, 100/minute, 1000/day")
        return cls(int(match[1]), int(match[2] or 1) * _UNITS[match[3].lower()])


@dataclass(frozen=True)
class Usage:
    """A key's count in its current window, as the last statement left it."""

    hits: int
    limit: int
    resets_at: datetime

    @property
    def exceeded(self) -> bool:
        return self.hits > self.limit

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.hits)

    @property
    def retry_after(self) -> int:
        """Whole seconds until the window ends (at least 1)."""
        return max(1, math.ceil((self.resets_at - timezone.now()).total_seconds()))

    def headers(self) -> dict[str, str]:
        """The limit as response headers; ``Retry-After`` too once it is exceeded."""
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.retry_after),
        }
        if self.exceeded:
            headers["Retry-After"] = str(self.retry_after)
        return headers


def counter_key(scope: str, ident: str) -> str:
    """The row's key: the scope in clear, the identity (an address, a username) hashed, so none is stored."""
    return f"{scope}:{hashlib.sha256(ident.encode()).hexdigest()[:40]}"


# One statement: insert at 1, or add 1 within the window, or restart at 1 after it (PostgreSQL and SQLite).
_HIT_SQL = """
INSERT INTO serverless_ratelimitcounter ("key", hits, window_ends) VALUES (%s, 1, %s)
ON CONFLICT ("key") DO UPDATE SET
    hits = CASE WHEN serverless_ratelimitcounter.window_ends <= %s THEN 1
                ELSE serverless_ratelimitcounter.hits + 1 END,
    window_ends = CASE WHEN serverless_ratelimitcounter.window_ends <= %s THEN excluded.window_ends
                       ELSE serverless_ratelimitcounter.window_ends END
RETURNING hits, window_ends
"""


def _as_datetime(value: Any) -> datetime:
    # PostgreSQL returns an aware datetime; SQLite the text Django stored.
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)


def _db_time(value: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def hit(scope: str, ident: str, rate: Rate) -> Usage:
    """Count one hit of ``ident`` in ``scope`` and return the usage including it (atomic across processes)."""
    now = timezone.now()
    ends, now_db = _db_time(now + timedelta(seconds=rate.period)), _db_time(now)
    with connection.cursor() as cursor:
        cursor.execute(_HIT_SQL, [counter_key(scope, ident), ends, now_db, now_db])
        hits, window_ends = cursor.fetchone()
    return Usage(hits, rate.limit, _as_datetime(window_ends))


def peek(scope: str, ident: str, rate: Rate) -> Usage:
    """The usage of ``ident`` without counting a hit (0 when its window has ended)."""
    from serverless.models import RateLimitCounter

    now = timezone.now()
    row = RateLimitCounter.objects.filter(key=counter_key(scope, ident), window_ends__gt=now).first()
    if row is None:
        return Usage(0, rate.limit, now + timedelta(seconds=rate.period))
    return Usage(row.hits, rate.limit, row.window_ends)


def reset(scope: str, ident: str) -> None:
    from serverless.models import RateLimitCounter

    RateLimitCounter.objects.filter(key=counter_key(scope, ident)).delete()


def prune_expired() -> int:
    """Delete the rows of ended windows; return how many."""
    from serverless.models import RateLimitCounter

    deleted, _ = RateLimitCounter.objects.filter(window_ends__lte=timezone.now()).delete()
    return deleted


def client_ip(request: HttpRequest) -> str:
    """The address of the client, as the nearest trusted proxy saw it.

    Behind the ALB, ``X-Forwarded-For`` is whatever the client sent followed by
    one address per proxy; the ALB appends the address that connected to it,
    so the client is the ``TRUSTED_PROXY_COUNT``-th entry from the RIGHT (1
    with the ALB alone). Every entry left of it can be forged. apig-wsgi puts
    the LEFT-most entry in ``REMOTE_ADDR``, so it is not used for ALB events.
    The HTTP API gives the connecting address itself (``REMOTE_ADDR`` from
    ``requestContext.http.sourceIp``), and so does a local server.
    """
    event = request.META.get("apig_wsgi.full_event") or {}
    if "elb" in (event.get("requestContext") or {}):
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if hops:
            return hops[-min(settings.TRUSTED_PROXY_COUNT, len(hops))]
    return request.META.get("REMOTE_ADDR", "")


def client_identity(request: HttpRequest) -> str:
    """Who to count: the signed-in user, otherwise the client address."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{client_ip(request)}"


def too_many_requests(request: HttpRequest, usage: Usage) -> HttpResponse:
    """429 with ``Retry-After``: JSON for JSON clients (``{"detail": ...}``, as the API's errors), else text."""
    message = f"Too many requests. Try again in {usage.retry_after} seconds."
    if request.content_type == "application/json" or "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = HttpResponse(message + "\n", content_type="text/plain", status=429)
    for name, value in usage.headers().items():
        response[name] = value
    return response


class RateLimitHeadersMiddleware:
    """Adds the limit headers to any response whose request a limiter counted (``request.rate_limit``).

    DRF's throttles cannot set response headers themselves, so they leave the
    usage on the request and this puts it on the way out, 429 or not.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        usage = getattr(request, "rate_limit", None)
        if usage is not None:
            for name, value in usage.headers().items():
                response.headers.setdefault(name, value)
        return response


def ratelimit(
    scope: str, rate: str, *, methods: tuple[str, ...] = ("POST",), key: Callable[[HttpRequest], str] = client_identity
) -> Callable:
    """Limit a view to ``rate`` hits per client in ``scope``; beyond it, answer 429 with ``Retry-After``.

    ``rate`` is a rate (``"5/hour"``) or the name of a setting holding one,
    read at each request. Only ``methods`` count: a form's GET stays free, its
    POST is limited. ``key`` picks who is counted (the user, else the address)::

        @ratelimit("registration", "REGISTRATION_RATE")
        def register(request): ...
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                return view(request, *args, **kwargs)
            usage = hit(scope, key(request), Rate.parse(getattr(settings, rate, rate)))
            request.rate_limit = usage
            if usage.exceeded:
                return too_many_requests(request, usage)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
