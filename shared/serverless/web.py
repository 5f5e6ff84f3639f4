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

Two more concern the size of what goes back (docs/api.md, "Compression and
redirects"):

* **Text is gzipped for clients that accept it** (``compressed``), here rather
  than by Django's ``GZipMiddleware``: the limits that make compression
  necessary are the entry point's, known only here, and a view that must
  decide whether its body fits (``body_fits``) asks the same code that will
  compress it. Views, and Django's test client, keep seeing the exact bytes
  they wrote. HTML is compressed only for requests without a session: a
  signed-in page may hold secrets beside text an attacker chose, the mix
  BREACH reads through compressed lengths. Every compressed body also carries
  Django's Heal-the-Breach padding (random bytes in the gzip header).
* **No response over the entry point's limit leaves** (``make_handler``): the
  ALB refuses a Lambda response over 1 MB and answers the client 502, Lambda
  refuses one over 6 MB. Such an answer is logged with its path, reported to
  ``on_too_large`` and replaced by a 500 that says what happened.
"""

import base64
import binascii
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote_to_bytes

from apig_wsgi import DEFAULT_NON_BINARY_CONTENT_TYPE_PREFIXES, make_lambda_handler
from django.conf import settings
from django.http import parse_cookie
from django.utils.text import compress_string

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


# --- Compression ------------------------------------------------------------------

# Where apig-wsgi keeps the event in the environ.
EVENT_KEY = "apig_wsgi.full_event"
# Where body_fits leaves the body it compressed, so the response that sends it is not compressed twice.
COMPRESSED_KEY = "serverless.web.compressed"
# Below this, gzip saves less than a packet and base64 (which every compressed body needs) adds a third.
MIN_COMPRESSED_SIZE = 1024
# Django's GZipMiddleware pads the same way (Heal the Breach): up to this many random bytes.
BREACH_PADDING_BYTES = 100
# What gzip shrinks: apig-wsgi's text types (sent as text when not compressed), scripts, XML and SVG.
# Images, archives and files of other types are compressed already, or gain too little.
COMPRESSIBLE_TYPES = (
    *DEFAULT_NON_BINARY_CONTENT_TYPE_PREFIXES,
    "application/javascript",
    "application/xml",
    "image/svg+xml",
)


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an ``Accept-Encoding`` header allows gzip: named, or ``*``, with a quality above 0 (RFC 9110 12.5.3)."""
    qualities: dict[str, float] = {}
    for item in accept_encoding.split(","):
        coding, *parameters = (part.strip() for part in item.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0  # a quality nobody can read allows nothing
        if coding:
            qualities[coding.lower()] = quality
    for coding in ("gzip", "x-gzip", "*"):
        if coding in qualities:
            return qualities[coding] > 0
    return False


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    values = [value for key, value in headers if key.lower() == name]
    return values[-1] if values else None


def _replace_header(headers: list[tuple[str, str]], name: str, value: str) -> list[tuple[str, str]]:
    return [(key, val) for key, val in headers if key.lower() != name.lower()] + [(name, value)]


def _signed_in(environ: dict[str, Any]) -> bool:
    """Whether the request carries a session: Django's, or the ALB's Cognito session (serverless.alb_auth)."""
    cookies = parse_cookie(environ.get("HTTP_COOKIE", ""))
    alb_prefix = getattr(settings, "AWS_ELB_SESSION_COOKIE_PREFIX", "AWSELBAuthSessionCookie")
    return settings.SESSION_COOKIE_NAME in cookies or any(name.startswith(alb_prefix) for name in cookies)


def _compressible(environ: dict[str, Any], status: int, headers: list[tuple[str, str]], body: bytes) -> bool:
    content_type = (_header(headers, "content-type") or "").lower()
    if len(body) < MIN_COMPRESSED_SIZE or status in (204, 206, 304) or _header(headers, "content-encoding"):
        return False
    if not content_type.startswith(COMPRESSIBLE_TYPES):
        return False
    # BREACH: never compress a signed-in page (see the module's docstring).
    return not (content_type.startswith("text/html") and _signed_in(environ))


def _gzip(environ: dict[str, Any], body: bytes) -> bytes:
    cached = environ.get(COMPRESSED_KEY)
    if cached is not None and cached[0] == body:
        return cached[1]
    compressed = compress_string(body, max_random_bytes=BREACH_PADDING_BYTES)
    environ[COMPRESSED_KEY] = (body, compressed)
    return compressed


def compressed(
    environ: dict[str, Any], status: int, headers: list[tuple[str, str]], body: bytes
) -> tuple[list[tuple[str, str]], bytes]:
    """The headers and body to send for this request: gzipped when the client accepts it and it helps.

    A compressible body varies by ``Accept-Encoding`` whether or not this
    client gets it compressed; a compressed one's strong ETag becomes weak, as
    its bytes are no longer the representation the tag names (RFC 9110 8.8.1).
    """
    if not _compressible(environ, status, headers, body):
        return headers, body
    vary = _header(headers, "vary") or ""
    if vary.strip() != "*" and "accept-encoding" not in {part.strip().lower() for part in vary.split(",")}:
        headers = _replace_header(headers, "Vary", f"{vary}, Accept-Encoding" if vary else "Accept-Encoding")
    if not accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", "")):
        return headers, body
    gzipped = _gzip(environ, body)
    if len(gzipped) >= len(body):
        return headers, body
    headers = _replace_header(headers, "Content-Encoding", "gzip")
    if _header(headers, "content-length") is not None:
        headers = _replace_header(headers, "Content-Length", str(len(gzipped)))
    etag = _header(headers, "etag")
    if etag and not etag.startswith("W/"):
        headers = _replace_header(headers, "ETag", f"W/{etag}")
    return headers, gzipped


def with_compression(app: WSGIApp) -> WSGIApp:
    """Gzip the app's answers where ``compressed`` says so (the whole body is buffered: apig-wsgi does anyway)."""

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        answered: dict[str, Any] = {}
        written: list[bytes] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], Any]:
            answered.update(status=status, headers=list(headers), exc_info=exc_info)
            return written.append

        result = app(environ, capture)
        try:
            written.extend(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        body = b"".join(written)
        status = answered["status"]
        headers, body = compressed(environ, int(status.split()[0]), answered["headers"], body)
        start_response(status, headers, answered["exc_info"])
        return [body]

    return wrapped


# --- Limits ---------------------------------------------------------------------

# The most a Lambda response, its whole JSON, may hold: the ALB refuses one over 1 MB
# (and answers its client 502); Lambda refuses a synchronous response over 6 MB.
ALB_LIMIT = 1_000_000
LAMBDA_LIMIT = 6 * 1024 * 1024
# Room kept for the status, headers and JSON around a body when a view asks whether it fits.
ENVELOPE_ALLOWANCE = 16 * 1024


def response_limit(event: Any) -> int:
    """The largest Lambda response (its JSON, in bytes) the event's sender will deliver."""
    return ALB_LIMIT if event_kind(event) == "alb" else LAMBDA_LIMIT


def response_size(response: dict[str, Any]) -> int:
    """The bytes of the response as Lambda serialises it (escaped as ASCII: never fewer than it sends)."""
    return len(json.dumps(response))


def body_fits(environ: dict[str, Any], body: bytes, content_type: str) -> bool:
    """Whether ``body`` answered 200 to this request reaches the client, as this module would send it.

    Compressed when the client accepts it (the compressed body is kept for the
    response that sends it), in base64 or escaped text as apig-wsgi puts it,
    within the limit of the way the request came in, leaving room for the
    headers. Outside Lambda (the test client, a local server) any body fits.
    """
    event = environ.get(EVENT_KEY)
    if event is None:
        return True
    headers, sent = compressed(environ, 200, [("Content-Type", content_type)], body)
    as_text = content_type.startswith(DEFAULT_NON_BINARY_CONTENT_TYPE_PREFIXES)
    text = as_text and not _header(headers, "content-encoding")
    size = len(json.dumps(sent.decode("utf-8", "replace"))) if text else 4 * -(-len(sent) // 3)
    return size + ENVELOPE_ALLOWANCE <= response_limit(event)


# A log line names the path; a path can be as long as the request.
LOGGED_PATH_LENGTH = 300


def _request_line(event: dict[str, Any]) -> str:
    if event_kind(event) == "2.0":
        method, path = event["requestContext"]["http"]["method"], event["rawPath"]
    else:
        method, path = event["httpMethod"], event["path"]
    if len(path) > LOGGED_PATH_LENGTH:
        path = f"{path[:LOGGED_PATH_LENGTH]}... ({len(path):,} characters)"
    return f"{method} {path}"


def too_large(event: dict[str, Any], response: dict[str, Any], size: int) -> dict[str, Any]:
    """The 500 that replaces a response its caller would refuse, and the log line that says which path made it."""
    limit = response_limit(event)
    entry = "the ALB" if event_kind(event) == "alb" else "Lambda"
    log.error(
        "response too large for %s: %s answered %s with %d bytes (limit %d)",
        entry,
        _request_line(event),
        response.get("statusCode"),
        size,
        limit,
    )
    detail = (
        f"The answer to this request is too large to deliver: {size:,} bytes, over the {limit:,} {entry} accepts. "
        "This is a fault of the service and has been logged."
    )
    return json_response(event, 500, {"detail": detail})


def make_handler(
    app: WSGIApp, *, on_too_large: Callable[[], None] | None = None
) -> Callable[[Any, Any], dict[str, Any]]:
    """The web function's handler: never raises, always answers in the event's own shape, never over its limit.

    ``on_too_large`` is called for each answer replaced because its caller would refuse it.
    """
    if initialized_ahead_of_time():
        preload()  # a SnapStart snapshot: load now what a first page would (serverless.preload)
    # Binary support on for every event type: images, files and gzipped text leave base64-encoded.
    handler = make_lambda_handler(with_stage_prefix(with_compression(app)), binary_support=True)

    def handle(event: Any, context: Any) -> dict[str, Any]:
        try:
            check_event(event)
        except BadEvent as problem:
            log.warning("malformed event rejected: %s", problem)
            return json_response(event, 400, {"detail": f"Malformed request event: {problem}"})
        logger.append_keys(trace_id=trace_id_from_event(event))
        try:
            response = handler(event, context)
        except Exception:
            # Django answers a view's errors itself; this is one it could not (its own 500 page failed).
            log.exception("unhandled error answering a request")
            return json_response(event, 500, {"detail": "Internal server error."})
        size = response_size(response)
        if size > response_limit(event):
            if on_too_large is not None:
                on_too_large()
            return too_large(event, response, size)
        return response

    return handle
