"""Hypothesis strategies for the web function's events: well-formed with hostile content, and damaged.

Events are built from a few drawn parts (method, path, query, headers,
cookies, body) poured into each of the four shapes AWS sends, so one draw
yields an ALB single-value, an ALB multi-value, a REST API (v1) and an HTTP
API (v2) event cheaply.
"""

import base64
import copy
import random
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

ALB_HOST = "panelapp-alb-1234567890.eu-west-2.elb.amazonaws.com"
API_HOST = "abc123def4.execute-api.eu-west-2.amazonaws.com"
REST_HOST = "xyz789abc0.execute-api.eu-west-2.amazonaws.com"

# Real routes of every part of the site; the fuzzer varies what follows them.
ROUTES = [
    "/",
    "/version/",
    "/healthz",
    "/health_check/",
    "/favicon.ico",
    "/panels/",
    "/panels/1/",
    "/panels/1/gene/BRCA1/",
    "/panels/1/download/01234/",
    "/panels/entities/",
    "/panels/entities/BRCA1",
    "/panels/compare/1/2",
    "/panels/activity/",
    "/panels/download_genes/",
    "/panels/genes/BRCA1",
    "/panels/0123456789abcdef01234567/",
    "/api/v1/panels/",
    "/api/v1/panels/1/",
    "/api/v1/panels/1/genes/",
    "/api/v1/panels/1/genes/BRCA1/evaluations/",
    "/api/v1/panels/1/activities/",
    "/api/v1/genes/BRCA1/",
    "/api/v1/strs/",
    "/api/v1/regions/",
    "/api/v1/entities/",
    "/api/v1/activities/",
    "/api/schema/",
    "/admin/",
    "/admin/login/",
    "/admin/panels/activity/",
    "/admin/autocomplete/",
    "/admin/serverless/taskrecord/x/change/",
    "/accounts/login/",
    "/accounts/logout/",
    "/uploads/",
    "/uploads/00000000-0000-0000-0000-000000000000/confirm/",
    "/uploads/local/",
    "/static/panelapp/site.css",
    "/media/uploads/x.tsv",
    "/nowhere/",
]
METHODS = ["GET", "GET", "GET", "HEAD", "POST", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND"]
PARAMETER_NAMES = [
    "page", "name", "search", "q", "type", "confidence_level", "version", "display", "entity_name", "token",
    "next", "term", "app_label", "model_name", "field_name", "created__year", "created__month", "o", "e", "format",
]  # fmt: skip

# Text an attacker or a broken client sends: control characters, NUL, lone
# surrogates excluded (no client can encode them), every plane otherwise.
hostile_text = st.text(
    alphabet=st.characters(exclude_categories=("Cs",)),
    max_size=40,
)
tricky_text = st.one_of(
    hostile_text,
    st.sampled_from(
        [
            "\x00", "%00", "é✓", "../../etc/passwd", "' OR 1=1 --", "<script>alert(1)</script>", "%", "%zz",
            "99999999999999999999999", "-1", "1e308", "NaN", "\u202e", "\ufeff", "a" * 2000, "{{7*7}}", "\r\nX: y",
        ]
    ),
)  # fmt: skip
header_value = st.one_of(
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30),
    tricky_text.map(lambda value: value.replace("\r", "").replace("\n", "")),
)

# Text no client can send but a hand-made event can carry (JSON's "\\udcff" decodes to it): lone
# surrogates, high or low, alone, reversed as a pair, amid ordinary and non-Latin-1 text. It cannot
# be UTF-8 encoded, so every part of every event shape that carries it must be refused with a 400.
unencodable_text = st.one_of(
    st.sampled_from(["\udcff", "\ud800", "\udfff", "\ude00\ud83d", "a\udcffb", "é✓\ud83d", "%\udc80", "\x00\udcff"]),
    st.builds(
        "{}{}{}".format,
        hostile_text,
        st.text(alphabet=st.characters(categories=("Cs",)), min_size=1, max_size=3),
        hostile_text,
    ),
)


@dataclass(frozen=True)
class Request:
    """One request's parts, independent of the event shape that will carry it."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    cookies: list[str]
    body: str
    binary: bool
    unencodable: str = ""  # the part given text no client can send, if any (UNENCODABLE_PARTS)


# Built once: a strategy constructed inside each draw would be validated again every time.
suffixes = st.one_of(st.just(""), st.just(""), tricky_text)
query_pairs = st.lists(st.tuples(st.one_of(st.sampled_from(PARAMETER_NAMES), hostile_text), tricky_text), max_size=4)
accepts = st.sampled_from(["text/html", "application/json", "*/*", "text/html,application/json"])
content_types = st.sampled_from(
    [
        "application/json",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=X",
        "multipart/form-data",
        "text/plain; charset=latin-1",
        "application/json; charset=utf-16",
    ]
)
extra_header_names = st.sampled_from(["x-csrftoken", "referer", "origin", "x-health-check-token", "x-custom"])
cookie_lists = st.lists(
    st.builds(
        "{}={}".format,
        st.sampled_from(["sessionid", "csrftoken", "pref", "messages"]),
        header_value.map(lambda value: value.replace(";", "")),
    ),
    max_size=3,
)
bodies = st.one_of(st.just(""), tricky_text, st.sampled_from(["--X--", "{}", '{"filename": 1}', "a=%00"]))


# The parts of a request that can carry unencodable text, each placed by every event shape.
UNENCODABLE_PARTS = ["path", "query name", "query value", "header name", "header value", "cookie", "body"]


def _quote(text: str, safe: str) -> str:
    """``text`` percent-encoded as a client would, or as is when it cannot be (it arrives raw)."""
    try:
        return quote(text, safe=safe)
    except UnicodeEncodeError:
        return text


@st.composite
def requests(draw) -> Request:
    route = draw(st.sampled_from(ROUTES))
    suffix = draw(suffixes)
    path = route + (_quote(suffix, safe="/") if draw(st.booleans()) else suffix)
    headers = {"accept": draw(accepts), "user-agent": draw(header_value)}
    if draw(st.booleans()):
        headers["content-type"] = draw(content_types)
    if draw(st.booleans()):
        headers[draw(extra_header_names)] = draw(header_value)
    binary = draw(st.booleans())
    body = draw(bodies)
    if binary:
        body = base64.b64encode(body.encode()).decode()
    method = draw(st.sampled_from(METHODS))
    request = Request(method, path, draw(query_pairs), headers, draw(cookie_lists), body, binary)
    if draw(st.integers(0, 3)) == 0:  # a quarter of requests carry unencodable text in one part
        request = with_unencodable(request, draw(st.sampled_from(UNENCODABLE_PARTS)), draw(unencodable_text))
    return request


def with_unencodable(request: Request, part: str, text: str) -> Request:
    """``request`` with ``text`` (which cannot be UTF-8 encoded) in one of its parts."""
    if part == "path":
        return replace(request, path=request.path + text, unencodable=part)
    if part.startswith("query"):
        pair = (text, "1") if part == "query name" else ("name", text)
        return replace(request, query=[*request.query, pair], unencodable=part)
    if part.startswith("header"):
        name, value = (f"x-{text}", "1") if part == "header name" else ("x-custom", text)
        return replace(request, headers={**request.headers, name: value}, unencodable=part)
    if part == "cookie":
        return replace(request, cookies=[*request.cookies, f"pref={text}"], unencodable=part)
    return replace(request, body=text, binary=False, unencodable=part)


def _multi(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return grouped


def _alb_query(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    # The ALB passes query parameters still percent-encoded.
    return [(_quote(name, safe=""), _quote(value, safe="")) for name, value in pairs]


def alb_event(request: Request, *, multi: bool) -> dict[str, Any]:
    headers = {**request.headers, "host": ALB_HOST, "x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.10"}
    if request.cookies:
        headers["cookie"] = "; ".join(request.cookies)
    event: dict[str, Any] = {
        "requestContext": {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:eu-west-2:1:targetgroup/web/1"}},
        "httpMethod": request.method,
        "path": request.path,
        "body": request.body,
        "isBase64Encoded": request.binary,
    }
    query = _alb_query(request.query)
    if multi:
        event["multiValueHeaders"] = {name: [value] for name, value in headers.items()}
        event["multiValueQueryStringParameters"] = _multi(query)
    else:
        event["headers"] = headers
        event["queryStringParameters"] = dict(query)
    return event


def rest_event(request: Request) -> dict[str, Any]:
    headers = {**request.headers, "Host": REST_HOST, "X-Forwarded-Proto": "https"}
    if request.cookies:
        headers["Cookie"] = "; ".join(request.cookies)
    query = _multi(request.query)
    return {
        "resource": "/{proxy+}",
        "path": request.path,
        "httpMethod": request.method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": {name: values[-1] for name, values in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "requestContext": {"path": "/prod" + request.path, "stage": "prod", "requestId": "r-1", "httpMethod": "GET"},
        "body": request.body or None,
        "isBase64Encoded": request.binary,
    }


def http_api_event(request: Request) -> dict[str, Any]:
    headers = {**request.headers, "host": API_HOST, "x-forwarded-proto": "https"}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": request.path,
        "rawQueryString": "&".join(f"{_quote(k, safe='')}={_quote(v, safe='')}" for k, v in request.query),
        "headers": headers,
        "requestContext": {
            "http": {
                "method": request.method,
                "path": request.path,
                "protocol": "HTTP/1.1",
                "sourceIp": "198.51.100.7",
            },
            "requestId": "r-2",
            "stage": "$default",
        },
        "isBase64Encoded": request.binary,
    }
    if request.cookies:
        event["cookies"] = request.cookies
    if request.body:
        event["body"] = request.body
    return event


SHAPES = ["ALB", "ALB multi-value", "REST API", "HTTP API"]


def all_shapes(request: Request) -> list[dict[str, Any]]:
    """The same request as each of the four events AWS can send (named in ``SHAPES``)."""
    return [
        alb_event(request, multi=False),
        alb_event(request, multi=True),
        rest_event(request),
        http_api_event(request),
    ]


# --- Damaged events: what a test tool or a misconfigured integration sends ----------------

# Wrong values of every JSON type, including the empty and nested ones that pass a truthiness test.
BAD_VALUES = [
    None, True, 0, 5, -1, 1.5, "", "x", "\x00", "é✓", [], [None], ["a", 5], [[]], {}, {"a": 1}, {"a": None},
    {"a": []}, {"a": ["b", 5]}, {"elb": {}}, {"http": None}, {"http": {"method": 5}},
    "\udcff", ["\ud800"], {"a": "\udcff"}, {"\udcff": "a"}, {"a": ["\ude00\ud83d"]}, {"http": {"method": "\udcff"}},
]  # fmt: skip
EVENT_KEYS = [
    "requestContext", "httpMethod", "path", "headers", "multiValueHeaders", "queryStringParameters",
    "multiValueQueryStringParameters", "body", "isBase64Encoded", "version", "rawPath", "rawQueryString", "cookies",
]  # fmt: skip


def damage(event: dict[str, Any], rng: random.Random) -> Any:
    """``event`` with one to three parts deleted, retyped or replaced, or something that is no event at all.

    Plain ``random`` seeded by Hypothesis: cheap, and reproducible with the example.
    """
    if rng.random() < 0.05:
        return rng.choice([[event], [], "GET / HTTP/1.1", None, 42, *BAD_VALUES])
    event = copy.deepcopy(event)
    for _ in range(rng.randint(1, 3)):
        key = rng.choice(EVENT_KEYS)
        action = rng.choice(["delete", "replace", "inner"])
        if action == "delete":
            event.pop(key, None)
        elif action == "inner" and isinstance(event.get(key), dict) and event[key]:
            event[key][rng.choice(sorted(event[key]))] = copy.deepcopy(rng.choice(BAD_VALUES))
        else:
            event[key] = copy.deepcopy(rng.choice(BAD_VALUES))
    return event
