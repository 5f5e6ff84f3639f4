"""JSON logs for every logger, carrying the Lambda request id and trace id.

One Powertools formatter instance is shared by the Powertools ``logger`` used
in the handlers and by the handler that Django's ``LOGGING`` installs on the
root logger. Keys appended to it (request id, trace id, task id) therefore
appear on every line, including Django's own ``django.request`` errors.

Secrets never reach a line: the formatter redacts every log record as a whole
(``redact``), wherever its parts came from. Django's ``django.request`` and
``django.security`` records carry the request, whose text holds the query
string (the health check's ``?token=``); Powertools' event logging
(``POWERTOOLS_LOGGER_LOG_EVENT``) writes whole events, cookies, headers and
bodies included.
"""

import functools
import logging
import os
import re
import sys
import warnings
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "panelapp")

# Most invocations add no metric (a warm 200): Powertools then warns on every one, a line per
# request in CloudWatch and in make run's console. Its documented way to say that is expected:
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)

REDACTED = "[REDACTED]"
# Keys (headers, cookies, query and form fields, event parts) whose whole value is secret,
# compared lower-case with "_" as "-" and without a WSGI "HTTP-" prefix.
SECRET_KEYS = frozenset(
    {
        "authorization",
        "body",
        "cookie",
        "cookies",
        "csrfmiddlewaretoken",
        "csrftoken",
        "password",
        "sessionid",
        "set-cookie",
        "token",
        "x-amzn-oidc-accesstoken",
        "x-amzn-oidc-data",
        "x-amzn-oidc-identity",
        "x-csrftoken",
        "x-health-check-token",
    }
)
# The same secrets inside text: "name=value" in query strings, cookies and forms; credentials after a scheme.
_SECRET_PAIR = re.compile(
    r"(?i)\b(token|password\d?|sessionid|csrftoken|csrfmiddlewaretoken|AWSELBAuthSessionCookie-\d+)=[^&;,\s'\"]+"
)
_CREDENTIALS = re.compile(r"(?i)\b(Token|Bearer|Basic) [A-Za-z0-9._~+/-]{16,}=*")
_PAIR_REDACTED = rf"\1={REDACTED}"
_CREDENTIALS_REDACTED = rf"\1 {REDACTED}"


@functools.lru_cache(maxsize=4096)
def _is_secret_key(key: str) -> bool:
    # Cached: every line carries the same few keys, and a log line costs the worker's every task.
    name = key.lower().replace("_", "-").removeprefix("http-")
    return name in SECRET_KEYS or name.startswith("awselbauthsessioncookie")


def redact(value: Any) -> Any:
    """``value`` with every secret replaced by ``[REDACTED]``; other objects as their (redacted) text."""
    if type(value) is str:  # the commonest value first (a subclass is redacted as its str(), below)
        return _redact_text(value)
    if isinstance(value, dict):
        return {key: REDACTED if _is_secret_key(str(key)) else redact(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return _redact_text(str(value))


def _redact_text(text: str) -> str:
    # Each pattern needs a character most values lack ("=", a space): a value
    # without it cannot match, so it skips that pattern's scan. Same result, cheaper.
    if "=" in text:
        text = _SECRET_PAIR.sub(_PAIR_REDACTED, text)
    if " " in text:
        text = _CREDENTIALS.sub(_CREDENTIALS_REDACTED, text)
    return text


class RedactingFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON lines, redacted just before they are written."""

    def serialize(self, log: dict[str, Any]) -> str:
        return super().serialize(redact(log))


formatter = RedactingFormatter(service=SERVICE)
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
