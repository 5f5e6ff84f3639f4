"""JSON logs for every logger, carrying the Lambda request id and trace id.

One Powertools formatter instance is shared by the Powertools ``logger`` used
in the handlers and by the handler that Django's ``LOGGING`` installs on the
root logger. Keys appended to it (request id, trace id, task id) therefore
appear on every line, including Django's own ``django.request`` errors.
"""

import logging
import os
import sys
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "panelapp")

formatter = LambdaPowertoolsFormatter(service=SERVICE)
logger = Logger(
    service=SERVICE,
    level=os.environ.get("DJANGO_LOG_LEVEL", "INFO").upper(),
    logger_formatter=formatter,
)


class StdoutHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stdout`` is at the time of each record."""

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, value):
        pass  # always the current sys.stdout (Lambda's log stream, or a test's capture)


def json_handler() -> logging.Handler:
    """The handler Django's ``LOGGING`` installs on the root logger."""
    handler = StdoutHandler()
    handler.setFormatter(formatter)
    return handler


def trace_id_from_event(event: Any) -> str | None:
    """The id that follows a request through the ALB or API Gateway (None if the event has none)."""
    if not isinstance(event, dict):
        return None
    headers = event.get("headers") if isinstance(event.get("headers"), dict) else {}
    multi = event.get("multiValueHeaders") if isinstance(event.get("multiValueHeaders"), dict) else {}
    for name in ("x-amzn-trace-id", "X-Amzn-Trace-Id"):
        if isinstance(headers.get(name), str):
            return headers[name]
        values = multi.get(name)
        if isinstance(values, list) and values and isinstance(values[-1], str):
            return values[-1]
    context = event.get("requestContext")
    request_id = context.get("requestId") if isinstance(context, dict) else None
    return request_id if isinstance(request_id, str) else None
