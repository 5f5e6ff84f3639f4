"""Lambda events to WSGI: apig-wsgi, checked events, native strings and the API Gateway stage.

apig-wsgi turns ALB, HTTP API (v2) and REST API (v1) events into WSGI environs.
Around it, this module makes three guarantees the handler's callers rely on:

* **A damaged event is a 400, never a crash.** AWS never sends one, but a test
  tool, a misconfigured integration or ``sam local invoke`` with a hand-made
  event can (``"body": 5``, ``"headers": null``, a list). ``check_event``
  names what is wrong before apig-wsgi sees it, and the answer has the event's
  own response shape: an ALB multi-value event gets ``multiValueHeaders``
  (the ALB rejects single-value ``headers`` for it), an HTTP API event a v2
  response. Text no client can send (a lone surrogate, which JSON's
  ``"\\udcff"`` decodes to) is damage too, in any part of the request.
* **Non-ASCII text reaches Django as WSGI says it must**: the UTF-8 bytes of
  the path, query, cookies and headers, each byte one Latin-1 character
  (PEP 3333). Django decodes them back; apig-wsgi alone would pass ``é✓``
  through as is and Django's ``encode("iso-8859-1")`` would fail.
* **An app error stays an app error**: anything raised once the event is known
  good is logged with its traceback and answered 500 in the event's shape,
  without the traceback.

It also puts the API Gateway stage into ``SCRIPT_NAME``: behind API Gateway's
default hostname the stage is part of the public URL (``/prod/api/v1/...``),
so every URL Django builds must carry it.
"""

import base64
import binascii
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote_to_bytes

from apig_wsgi import make_lambda_handler

from serverless.logging import logger, trace_id_from_event
from serverless.preload import initialized_ahead_of_time, preload

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# The three shapes of proxy response, chosen the way apig-wsgi chooses them.
SINGLE, MULTI, V2 = "single-value", "multi-value", "v2"


class BadEvent(ValueError):
    """The event is not one an ALB or API Gateway could send; the message says why."""


# --- Which response shape an event expects -------------------------------------


def event_kind(event: Any) -> str:
    """``alb``, ``1.0`` (REST API) or ``2.0`` (HTTP API), as apig-wsgi tells them apart; ``?`` otherwise."""
    if not isinstance(event, dict):
        return "?"
    context = event.get("requestContext")
    if isinstance(context, dict) and "elb" in context:
        return "alb"
    version = event.get("version", "1.0")
    return version if version in ("1.0", "2.0") else "?"


def response_shape(event: Any) -> str:
    """The response shape the event's sender accepts (single-value for anything unrecognisable)."""
    if event_kind(event) == "2.0":
        return V2
    if isinstance(event, dict) and "multiValueHeaders" in event:
        return MULTI
    return SINGLE


def json_response(event: Any, status: int, payload: dict[str, Any]) -> dict[str, Any]:
    """A JSON proxy response in the shape ``event`` expects."""
    headers = {"Content-Type": "application/json"}
    response: dict[str, Any] = {"statusCode": status, "body": json.dumps(payload), "isBase64Encoded": False}
    shape = response_shape(event)
    if shape == MULTI:
        response["multiValueHeaders"] = {name: [value] for name, value in headers.items()}
    else:
        response["headers"] = headers
    if shape == V2:
        response["cookies"] = []
    return response


# --- Checking an event before apig-wsgi reads it --------------------------------


def _is_str_map(value: Any, *, lists: bool = False) -> bool:
    if not isinstance(value, dict):
        return False
    if lists:
        return all(
            isinstance(k, str) and isinstance(v, list) and v and all(isinstance(item, str) for item in v)
            for k, v in value.items()
        )
    return all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())


def _require(condition: bool, problem: str) -> None:
    if not condition:
        raise BadEvent(problem)


def _check_body(event: dict[str, Any]) -> None:
    body = event.get("body")
    _require(body is None or isinstance(body, str), "'body' is not a string")
    encoded = event.get("isBase64Encoded", False)
    _require(encoded is None or isinstance(encoded, bool), "'isBase64Encoded' is not a boolean")
    if body and encoded:
        try:
            base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise BadEvent("'body' is not valid base64") from None
    elif body:
        _require(_encodes(body), "'body' is not valid Unicode text")


def _encodes(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: no client could have sent it
        return False
    return True


def _texts(value: Any) -> Iterable[str]:
    """Every string in a checked part of the event: itself, a list's items, a map's keys and values."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _texts(item)


def _request_parts(event: dict[str, Any], kind: str) -> dict[str, Any]:
    """The parts of an event that become the WSGI request (the body aside), by the event's names for them."""
    context = event.get("requestContext") or {}
    if kind == "2.0":
        http = context["http"]
        return {
            "rawPath": event["rawPath"],
            "rawQueryString": event["rawQueryString"],
            "headers": event["headers"],
            "cookies": event.get("cookies", []),
            **{f"requestContext.http.{name}": http[name] for name in ("method", "sourceIp", "protocol")},
        }
    names = ("path", "httpMethod", "headers", "multiValueHeaders", "queryStringParameters")
    parts = {name: event.get(name) for name in (*names, "multiValueQueryStringParameters")}
    parts["requestContext.path"] = context.get("path")  # the REST API's public path: the stage prefix
    return parts


def _check_text(event: dict[str, Any], kind: str) -> None:
    # The adapters quote, join and re-encode this text as UTF-8 (the WSGI environ, PEP 3333):
    # what cannot be encoded is refused here, once, for every shape and every part.
    for name, value in _request_parts(event, kind).items():
        _require(all(_encodes(text) for text in _texts(value)), f"'{name}' is not valid Unicode text")


def check_event(event: Any) -> None:
    """Raise ``BadEvent`` unless apig-wsgi can read ``event`` as an ALB, REST API or HTTP API request."""
    _require(isinstance(event, dict), "the event is not a JSON object")
    context = event.get("requestContext")
    _require(context is None or isinstance(context, dict), "'requestContext' is not an object")
    kind = event_kind(event)
    _require(kind != "?", "unknown event version")
    if kind == "2.0":
        _require(isinstance(context, dict), "'requestContext' is missing")
        http = context.get("http")
        _require(isinstance(http, dict), "'requestContext.http' is not an object")
        for name in ("method", "sourceIp", "protocol"):
            _require(isinstance(http.get(name), str), f"'requestContext.http.{name}' is not a string")
        _require(isinstance(event.get("rawPath"), str), "'rawPath' is not a string")
        _require(isinstance(event.get("rawQueryString"), str), "'rawQueryString' is not a string")
        _require(_is_str_map(event.get("headers")), "'headers' is not an object of strings")
        cookies = event.get("cookies", [])
        _require(isinstance(cookies, list) and all(isinstance(c, str) for c in cookies), "'cookies' is not a list")
    else:
        _require(isinstance(event.get("path"), str) and event["path"] != "", "'path' is not a string")
        _require(isinstance(event.get("httpMethod"), str) and event["httpMethod"], "'httpMethod' is not a string")
        for name, lists in (
            ("headers", False),
            ("multiValueHeaders", True),
            ("queryStringParameters", False),
            ("multiValueQueryStringParameters", True),
        ):
            value = event.get(name)
            _require(value is None or _is_str_map(value, lists=lists), f"'{name}' is not an object of strings")
    _check_text(event, kind)
    _check_body(event)


# --- WSGI environ fixes --------------------------------------------------------

# Environ keys (besides HTTP_*) whose text apig-wsgi takes from the event.
COPIED_FROM_EVENT = {"QUERY_STRING", "CONTENT_TYPE", "REQUEST_METHOD", "SERVER_NAME", "SERVER_PORT", "REMOTE_ADDR"}


def wsgi_str(text: str) -> str:
    """PEP 3333's native string: the text's UTF-8 bytes, one Latin-1 character each."""
    if text.isascii():
        return text
    return text.encode("utf-8").decode("latin-1")


def native_strings(environ: dict[str, Any]) -> None:
    """Re-encode what apig-wsgi copied from the event as the WSGI native strings Django expects."""
    event = environ.get("apig_wsgi.full_event") or {}
    raw_path = event.get("rawPath") if event_kind(event) == "2.0" else event.get("path")
    # apig-wsgi unquotes into Latin-1 characters, which is right for %XX and wrong for raw UTF-8.
    environ["PATH_INFO"] = unquote_to_bytes(raw_path.encode("utf-8")).decode("latin-1")
    for key, value in environ.items():
        if isinstance(value, str) and (key.startswith("HTTP_") or key in COPIED_FROM_EVENT):
            environ[key] = wsgi_str(value)


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
    if not isinstance(public_path, str):
        return ""
    if path and public_path.endswith(path) and len(public_path) > len(path):
        return wsgi_str(public_path[: -len(path)].rstrip("/"))
    return ""


def with_stage_prefix(app: WSGIApp) -> WSGIApp:
    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        native_strings(environ)
        prefix = stage_prefix(environ.get("apig_wsgi.full_event") or {})
        if prefix:
            environ["SCRIPT_NAME"] = prefix
            if environ["PATH_INFO"].startswith(prefix + "/") or environ["PATH_INFO"] == prefix:
                environ["PATH_INFO"] = environ["PATH_INFO"][len(prefix) :] or "/"
        return app(environ, start_response)

    return wrapped


def make_handler(app: WSGIApp) -> Callable[[Any, Any], dict[str, Any]]:
    """The web function's handler: never raises, always answers in the event's own shape."""
    if initialized_ahead_of_time():
        preload()  # a SnapStart snapshot: load now what a first page would (serverless.preload)
    # Binary support on for every event type: images and files leave base64-encoded.
    handler = make_lambda_handler(with_stage_prefix(app), binary_support=True)

    def handle(event: Any, context: Any) -> dict[str, Any]:
        try:
            check_event(event)
        except BadEvent as problem:
            log.warning("malformed event rejected: %s", problem)
            return json_response(event, 400, {"detail": f"Malformed request event: {problem}"})
        logger.append_keys(trace_id=trace_id_from_event(event))
        try:
            return handler(event, context)
        except Exception:
            # Django answers a view's errors itself; this is one it could not (its own 500 page failed).
            log.exception("unhandled error answering a request")
            return json_response(event, 500, {"detail": "Internal server error."})

    return handle
