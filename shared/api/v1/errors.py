"""Every API error is JSON: 400 for bad input, 404 for what is not there, never an HTML page."""

import logging
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, JsonResponse
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from serverless.middleware import is_database_unavailable

log = logging.getLogger(__name__)


class InvalidParameter(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Invalid query parameter."
    default_code = "invalid_parameter"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF's handler, plus domain validation errors as 400 and anything else as a JSON 500."""
    if isinstance(exc, DjangoValidationError):
        exc = InvalidParameter(" ".join(exc.messages))
    if is_database_unavailable(exc):
        return None  # DRF re-raises it and serverless.middleware answers 503 with Retry-After
    response = drf_exception_handler(exc, context)
    if response is None:
        # DRF would re-raise and Django answer with its HTML error page.
        log.error("Unhandled error in %s", context.get("view").__class__.__name__, exc_info=exc)
        response = Response({"detail": "Internal server error."}, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    return response


def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Unknown paths under /api/ answer like the API does, not with the site's HTML 404."""
    return JsonResponse({"detail": "Not found."}, status=404)
