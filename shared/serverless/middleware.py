"""The edge of every request: refuse what PostgreSQL cannot store, degrade when it is down.

``EdgeMiddleware`` sits right after the liveness probe, before sessions,
authentication and every view (site pages, the admin, the API, uploads), so
two rules hold once for all of them:

* **NUL characters** in the path, the query string, a cookie or a URL-encoded
  form are answered ``400`` at once. PostgreSQL refuses NUL in text, so any of
  them reaching a query (a session key, an admin lookup, a search) would
  otherwise be a ``DataError`` and a 500.
* **Database unavailable**: an ``OperationalError`` or ``InterfaceError``
  raised anywhere below (a middleware's query, a view, the session save) is
  answered ``503`` with ``Retry-After``, JSON for API clients and the site's
  own page for browsers, instead of a 500. Django turns every exception into a
  response before it reaches an outer middleware, so the error is noted on the
  request by a ``got_request_exception`` receiver and the 500 replaced here.
"""

import logging
import sys
from collections.abc import Callable

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

log = logging.getLogger(__name__)

NUL = "\x00"
DATABASE_UNAVAILABLE = "_database_unavailable"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def has_nul(request: HttpRequest) -> str | None:
    """Where a NUL character is in the request (path, query, cookie or form), or None."""
    if NUL in request.path:
        return "path"
    if any(NUL in key or NUL in value for key, values in request.GET.lists() for value in values):
        return "query string"
    if any(NUL in key or NUL in value for key, value in request.COOKIES.items()):
        return "cookies"
    # Only URL-encoded forms: reading request.POST of a multipart body would
    # consume the stream a view may still want as request.body.
    if request.method == "POST" and request.content_type == FORM_CONTENT_TYPE:
        if any(NUL in key or NUL in value for key, values in request.POST.lists() for value in values):
            return "form"
    return None


def wants_json(request: HttpRequest) -> bool:
    """API and upload clients get JSON errors; browsers get the site's pages."""
    path = request.path_info
    if path.startswith(("/api/", "/uploads/")):
        return True
    accept = request.headers.get("Accept", "")
    return "json" in accept and "html" not in accept


def json_error(request: HttpRequest, message: str, status: int) -> JsonResponse:
    """The API's ``{"detail": ...}``, or the upload API's own ``{"error": ...}``."""
    key = "error" if request.path_info.startswith("/uploads/") else "detail"
    return JsonResponse({key: message}, status=status)


def bad_request(request: HttpRequest, where: str) -> HttpResponse:
    message = f"NUL characters are not allowed (found in the {where})."
    if wants_json(request):
        return json_error(request, message, 400)
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


def service_unavailable(request: HttpRequest) -> HttpResponse:
    """503 with ``Retry-After``: the database is unreachable, the request may simply be repeated."""
    retry_after = settings.DATABASE_UNAVAILABLE_RETRY_AFTER
    message = "PanelApp cannot reach its database just now. Please try again in a moment."
    if wants_json(request):
        response = json_error(request, message, 503)
    else:
        # No request context: its processors would touch the session and the user, i.e. the database.
        html = render_to_string("503.html", {"message": message, "retry_after": retry_after})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


def is_database_unavailable(error: BaseException | None) -> bool:
    return isinstance(error, (OperationalError, InterfaceError))


def note_database_errors(sender, request: HttpRequest | None = None, **kwargs) -> None:
    """Receiver of ``got_request_exception``: sent inside Django's ``except`` block, so the error is current."""
    if request is not None and is_database_unavailable(sys.exc_info()[1]):
        setattr(request, DATABASE_UNAVAILABLE, True)


got_request_exception.connect(note_database_errors, dispatch_uid="serverless.middleware.database_unavailable")


class EdgeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        where = has_nul(request)
        if where:
            return bad_request(request, where)
        response = self.get_response(request)
        if getattr(request, DATABASE_UNAVAILABLE, False) and response.status_code >= 500:
            return service_unavailable(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A view's own database error: answered here, before Django renders a 500 page."""
        if is_database_unavailable(exception):
            log.error("database unavailable: answering 503", exc_info=exception)
            setattr(request, DATABASE_UNAVAILABLE, True)
            return service_unavailable(request)
        return None
