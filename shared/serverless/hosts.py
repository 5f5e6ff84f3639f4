"""An ``execute-api`` Host is accepted only from API Gateway itself, for the API that sent the event.

ALLOWED_HOSTS names the ALB's hostname and the custom domain exactly, but it can
only allow the region's ``.execute-api`` hosts as a family: the web function's
environment cannot hold its HTTP API's id (the API refers to the function, so
the function referring to the API would be a circular reference). Left there,
any ``<id>.execute-api...`` Host would be accepted through the ALB too, and
Django would build absolute links (password resets) to someone else's API.

API Gateway writes the domain it was called on into the event's request context,
which a client cannot set, and only this stack's API may invoke the function
(its Lambda permission names the API's ARN). So an ``execute-api`` Host must
equal that domain; an ALB event has no such domain and is refused.
"""

import re
from collections.abc import Callable

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse

EXECUTE_API_HOST = re.compile(r"^[a-z0-9]+\.execute-api\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")


def api_gateway_domain(request: HttpRequest) -> str:
    """The domain API Gateway says it was called on; empty for ALB events and local requests."""
    context = request.META.get("apig_wsgi.request_context")
    domain = context.get("domainName") if isinstance(context, dict) else None
    return domain.lower() if isinstance(domain, str) else ""


class ApiGatewayHostMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        host = request.META.get("HTTP_HOST", "").rsplit(":", 1)[0].lower()
        if EXECUTE_API_HOST.match(host) and host != api_gateway_domain(request):
            # Django answers 400, as for any host off ALLOWED_HOSTS.
            raise DisallowedHost(f"Invalid HTTP_HOST header: {host!r}: an API Gateway host must come from its API.")
        return self.get_response(request)
