"""Lambda events to WSGI: apig-wsgi plus the API Gateway stage prefix.

apig-wsgi turns ALB, HTTP API (v2) and REST API (v1) events into WSGI
environs but always leaves ``SCRIPT_NAME`` empty. Behind API Gateway's default
hostname the stage is part of the public URL (``/prod/api/v1/...``), so the
stage goes into ``SCRIPT_NAME`` and every URL Django builds carries it.
"""

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from apig_wsgi import make_lambda_handler

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def stage_prefix(event: dict[str, Any]) -> str:
    """The path prefix that API Gateway stripped before the app saw the path."""
    context = event.get("requestContext") or {}
    if "elb" in context:
        return ""
    if event.get("version") == "2.0":
        stage = context.get("stage", "$default")
        raw_path = event.get("rawPath", "")
        prefix = f"/{stage}"
        if stage != "$default" and (raw_path == prefix or raw_path.startswith(prefix + "/")):
            return prefix
        return ""
    # REST API: requestContext.path is the public path, event.path the resource path.
    public_path, path = context.get("path") or "", event.get("path") or ""
    if path and public_path.endswith(path) and len(public_path) > len(path):
        return public_path[: -len(path)].rstrip("/")
    return ""


def with_stage_prefix(app: WSGIApp) -> WSGIApp:
    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        prefix = stage_prefix(environ.get("apig_wsgi.full_event") or {})
        if prefix:
            environ["SCRIPT_NAME"] = prefix
            if environ["PATH_INFO"].startswith(prefix + "/") or environ["PATH_INFO"] == prefix:
                environ["PATH_INFO"] = environ["PATH_INFO"][len(prefix) :] or "/"
        return app(environ, start_response)

    return wrapped


def load_urlconf() -> None:
    """Import the URLconf and every view module now, during Lambda init.

    Django otherwise defers this to the first request, which would then pay
    for it; at init it is paid once and captured by a SnapStart snapshot.
    """
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (the property imports the URLconf)


def make_handler(app: WSGIApp) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    load_urlconf()
    # Binary support on for every event type: images and files leave base64-encoded.
    handler = make_lambda_handler(with_stage_prefix(app), binary_support=True)

    def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
        try:
            return handler(event, context)
        except (KeyError, TypeError, ValueError) as error:
            # Only a malformed event gets here: Django answers app errors itself.
            log.warning("malformed event rejected: %r", error)
            return {
                "statusCode": 400,
                "headers": {"Content-Type": "application/json"},
                "body": json.dumps({"detail": "Malformed request event"}),
            }

    return handle
