"""Health endpoints: a token-protected deep check and an open liveness probe.

``/health_check/`` is PanelApp's contract: JSON ``{"database": "OK", ...}``,
200 when every check is OK and 500 otherwise, 403 without the right token;
503 with ``Retry-After`` when the database is what cannot be reached, as every
page then answers (``serverless.middleware``).
``/healthz`` is for the load balancer: it answers before any other middleware,
so it needs no Host header, session or database, and reveals nothing.
"""

import hmac
import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

log = logging.getLogger(__name__)

LIVENESS_PATH = "/healthz"
OK, ERROR, MAINTENANCE = "OK", "Error", "Maintenance"
TOKEN_HEADER = "HTTP_X_HEALTH_CHECK_TOKEN"  # noqa: S105 (a header name, not a secret)


class LivenessMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == LIVENESS_PATH:
            return HttpResponse("OK", content_type="text/plain")
        return self.get_response(request)


def check_database() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return OK


def check_storage() -> str:
    from django.core.files.storage import default_storage

    # A lookup of a key that need not exist proves reachability and credentials.
    default_storage.exists("health-check")
    return OK


def check_queue() -> str:
    from django.tasks import default_task_backend

    check = getattr(default_task_backend, "check_health", None)
    if check is not None:
        check()
    return OK


def check_email() -> str:
    from django.core.mail import mailers

    from serverless.tasks.mail import TRANSPORT

    connection = mailers[TRANSPORT]
    # Amazon SES's API: a real, free call (opening an API client proves nothing).
    check = getattr(connection, "check_health", None)
    if check is not None:
        check()
        return OK
    # SMTP: connect (with the mailer's timeout), greet, log in when configured.
    connection.open()
    connection.close()
    return OK


def check_maintenance() -> str:
    return MAINTENANCE if settings.MAINTENANCE_MODE else OK


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "storage": check_storage,
    "queue": check_queue,
    "email": check_email,
    "maintenance": check_maintenance,
}


def run_checks(checks: dict[str, Callable[[], str]] | None = None) -> dict[str, str]:
    """Run every check; a check that raises reports ``Error`` and is logged."""
    results = {}
    for name, check in (checks or CHECKS).items():
        try:
            results[name] = check()
        except Exception:
            log.exception("health check %s failed", name)
            results[name] = ERROR
    return results


def token_is_valid(request: HttpRequest) -> bool:
    expected = settings.HEALTH_CHECK_TOKEN
    given = request.META.get(TOKEN_HEADER) or request.GET.get("token") or ""
    # An unset token disables the endpoint rather than opening it.
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


@never_cache
@require_GET
def health_check(request: HttpRequest) -> HttpResponse:
    if not token_is_valid(request):
        return JsonResponse({"detail": "Forbidden"}, status=403)
    results = run_checks()
    if results["database"] == ERROR:
        response = JsonResponse(results, status=503)
        response["Retry-After"] = str(settings.DATABASE_UNAVAILABLE_RETRY_AFTER)
        return response
    status = 200 if all(value == OK for value in results.values()) else 500
    return JsonResponse(results, status=status)
