"""The web function answers every event shape the ALB and API Gateway send."""

import base64
import gzip
import json
import re
from urllib.parse import urlencode

import pytest

from tests.conftest import load_event, load_function

# Transactional: the real handler opens and closes connections as on Lambda.
pytestmark = pytest.mark.django_db(transaction=True)

ALB_HOST = "panelapp-alb-1234567890.eu-west-2.elb.amazonaws.com"


@pytest.fixture(scope="module")
def web():
    return load_function("web")


@pytest.fixture
def echo_urls(settings):
    settings.ROOT_URLCONF = "tests.echo_urls"


def headers_of(response: dict) -> dict[str, list[str]]:
    """Normalise single- and multi-value response headers to lists."""
    if "multiValueHeaders" in response:
        return {k.lower(): v for k, v in response["multiValueHeaders"].items()}
    return {k.lower(): [v] for k, v in response.get("headers", {}).items()}


def body_of(response: dict) -> bytes:
    """The body the client reads: base64 decoded, and gunzipped as a client that sent Accept-Encoding would."""
    body = response.get("body", "")
    raw = base64.b64decode(body) if response.get("isBase64Encoded") else body.encode()
    return gzip.decompress(raw) if headers_of(response).get("content-encoding") == ["gzip"] else raw


def with_path(event: dict, path: str) -> dict:
    event = dict(event, path=path)
    if "rawPath" in event:
        event["rawPath"] = path
        event["requestContext"] = dict(event["requestContext"], http=dict(event["requestContext"]["http"], path=path))
    return event


@pytest.mark.smoke
def test_alb_single_value_get_returns_the_version(web, lambda_context):
    response = web.lambda_handler(load_event("alb_get.json"), lambda_context)
    assert response["statusCode"] == 200
    assert headers_of(response)["content-type"] == ["application/json"]
    assert json.loads(body_of(response)) == {"version": "0.1.0"}
    assert "multiValueHeaders" not in response


@pytest.mark.smoke
def test_alb_multi_value_event_gets_multi_value_headers_back(web, lambda_context):
    response = web.lambda_handler(load_event("alb_get_multivalue.json"), lambda_context)
    assert response["statusCode"] == 200
    assert headers_of(response)["content-type"] == ["application/json"]
    assert "multiValueHeaders" in response


def test_alb_multi_value_query_keeps_repeated_keys(web, lambda_context, echo_urls):
    event = with_path(load_event("alb_get_multivalue.json"), "/echo/")
    body = json.loads(body_of(web.lambda_handler(event, lambda_context)))
    assert body["query"] == {"type": ["rare", "cancer"], "name": ["Intellectual disability"]}
    assert body["cookies"] == {"theme": "dark", "lang": "en"}
    assert body["is_secure"] is True


def test_several_set_cookie_headers_survive_an_alb_response(web, lambda_context, echo_urls):
    event = with_path(load_event("alb_get_multivalue.json"), "/echo/")
    cookies = headers_of(web.lambda_handler(event, lambda_context))["set-cookie"]
    assert [c.split("=")[0] for c in cookies] == ["first", "second"]


def test_http_api_v2_event_keeps_repeated_query_keys_and_cookies(web, lambda_context, echo_urls):
    event = with_path(load_event("http_api_v2.json"), "/echo/")
    response = web.lambda_handler(event, lambda_context)
    body = json.loads(body_of(response))
    assert response["statusCode"] == 200
    assert body["query"]["entity_name"] == ["BRCA1", "BRCA2"]
    assert body["cookies"] == {"theme": "dark", "lang": "en"}
    assert body["absolute_url"] == "https://abc123def4.execute-api.eu-west-2.amazonaws.com/echo/"
    assert sorted(c.split("=")[0] for c in response["cookies"]) == ["first", "second"]


@pytest.mark.smoke
def test_http_api_v2_get_returns_the_version(web, lambda_context):
    response = web.lambda_handler(load_event("http_api_v2.json"), lambda_context)
    assert response["statusCode"] == 200
    assert json.loads(body_of(response)) == {"version": "0.1.0"}


def test_rest_api_v1_urls_carry_the_stage(web, lambda_context, echo_urls):
    event = load_event("rest_api_v1_stage.json")
    event = dict(event, path="/echo/", requestContext=dict(event["requestContext"], path="/prod/echo/"))
    body = json.loads(body_of(web.lambda_handler(event, lambda_context)))
    assert body["absolute_url"] == "https://xyz789abc0.execute-api.eu-west-2.amazonaws.com/prod/echo/"


def test_rest_api_v1_redirects_carry_the_stage(web, lambda_context):
    event = load_event("rest_api_v1_stage.json")
    event = dict(event, path="/admin/", requestContext=dict(event["requestContext"], path="/prod/admin/"))
    event["queryStringParameters"] = event["multiValueQueryStringParameters"] = None
    response = web.lambda_handler(event, lambda_context)
    assert response["statusCode"] == 302
    assert headers_of(response)["location"] == ["/prod/admin/login/?next=/prod/admin/"]


@pytest.mark.smoke
def test_rest_api_v1_get_returns_the_version(web, lambda_context):
    response = web.lambda_handler(load_event("rest_api_v1_stage.json"), lambda_context)
    assert response["statusCode"] == 200
    assert json.loads(body_of(response)) == {"version": "0.1.0"}


def test_binary_responses_are_base64_encoded(web, lambda_context):
    response = web.lambda_handler(with_path(load_event("alb_get.json"), "/favicon.ico"), lambda_context)
    assert response["statusCode"] == 200
    assert response["isBase64Encoded"] is True
    assert body_of(response).startswith(b"\x89PNG\r\n\x1a\n")


def test_form_post_with_csrf_logs_a_curator_in(web, lambda_context, django_user_model):
    django_user_model.objects.create_superuser("curator", "curator@example.org", "correct horse battery")
    login_page = with_path(load_event("alb_get_multivalue.json"), "/admin/login/")
    page = web.lambda_handler(login_page, lambda_context)
    csrf_cookie = next(c for c in headers_of(page)["set-cookie"] if c.startswith("csrftoken="))
    csrf_cookie = csrf_cookie.split(";")[0].split("=", 1)[1]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body_of(page)).group(1).decode()

    event = load_event("alb_post_form.json")
    event["multiValueHeaders"]["cookie"] = [f"csrftoken={csrf_cookie}"]
    event["body"] = urlencode(
        {"csrfmiddlewaretoken": token, "username": "curator", "password": "correct horse battery", "next": "/admin/"}
    )
    response = web.lambda_handler(event, lambda_context)
    assert response["statusCode"] == 302
    assert headers_of(response)["location"] == ["/admin/"]
    names = sorted(c.split("=")[0] for c in headers_of(response)["set-cookie"])
    assert names == ["csrftoken", "sessionid"]


def test_form_post_without_csrf_token_is_refused(web, lambda_context):
    event = load_event("alb_post_form.json")
    response = web.lambda_handler(event, lambda_context)
    assert response["statusCode"] == 403


@pytest.mark.smoke
def test_unknown_host_gets_400_not_500(web, lambda_context):
    event = load_event("alb_get.json")
    event["headers"] = dict(event["headers"], host="evil.example.com")
    response = web.lambda_handler(event, lambda_context)
    assert response["statusCode"] == 400


def test_liveness_probe_needs_no_known_host_and_reveals_nothing(web, lambda_context):
    event = with_path(load_event("alb_get.json"), "/healthz")
    event["headers"] = {"user-agent": "ELB-HealthChecker/2.0"}
    response = web.lambda_handler(event, lambda_context)
    assert response["statusCode"] == 200
    assert body_of(response) == b"OK"


def test_an_error_in_a_view_never_shows_a_traceback(web, lambda_context, echo_urls, capsys):
    response = web.lambda_handler(with_path(load_event("alb_get.json"), "/boom/"), lambda_context)
    assert response["statusCode"] == 500
    body = body_of(response)
    assert b"Traceback" not in body and b"hunter2" not in body
    assert "RuntimeError" in capsys.readouterr().out  # the operator still gets it, in the logs


def test_a_malformed_event_is_answered_with_400_naming_the_problem(web, lambda_context):
    response = web.lambda_handler({"requestContext": {"elb": {}}, "path": "/"}, lambda_context)
    assert response["statusCode"] == 400
    assert json.loads(response["body"]) == {"detail": "Malformed request event: 'httpMethod' is not a string"}


def test_logs_are_json_with_the_request_id_and_trace_id(web, lambda_context, echo_urls, capsys):
    web.lambda_handler(with_path(load_event("alb_get.json"), "/boom/"), lambda_context)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    error = next(line for line in lines if line["level"] == "ERROR")
    assert error["function_request_id"] == lambda_context.aws_request_id
    assert error["trace_id"] == "Root=1-6740a1b2-0f1e2d3c4b5a69788796a5b4"


# --- Non-ASCII text and damaged events (each once seen raising or answered wrongly) ---------


def test_a_non_latin_1_cookie_reaches_the_app_as_the_text_sent(web, lambda_context, echo_urls):
    event = with_path(load_event("alb_get_multivalue.json"), "/echo/")
    event["multiValueHeaders"]["cookie"] = ["pref=é✓"]
    response = web.lambda_handler(event, lambda_context)
    assert response["statusCode"] == 200
    assert json.loads(body_of(response))["cookies"] == {"pref": "é✓"}


@pytest.mark.parametrize("event_file", ["alb_get.json", "alb_get_multivalue.json", "http_api_v2.json"])
def test_a_non_latin_1_cookie_on_a_real_page_is_not_an_error(web, lambda_context, event_file):
    event = with_path(load_event(event_file), "/")
    if "multiValueHeaders" in event:
        event["multiValueHeaders"]["cookie"] = ["pref=é✓"]
    elif event_file == "http_api_v2.json":
        event["cookies"] = ["pref=é✓"]
    else:
        event["headers"]["cookie"] = "pref=é✓"
    assert web.lambda_handler(event, lambda_context)["statusCode"] == 200


def test_a_raw_non_latin_1_path_is_a_404_in_the_multi_value_shape(web, lambda_context):
    response = web.lambda_handler(with_path(load_event("alb_get_multivalue.json"), "/é✓/"), lambda_context)
    assert response["statusCode"] == 404
    assert "multiValueHeaders" in response and "headers" not in response


@pytest.mark.parametrize("event_file", ["alb_get.json", "alb_get_multivalue.json", "http_api_v2.json"])
@pytest.mark.parametrize("sent", ["/echo/é✓/", "/echo/%C3%A9%E2%9C%93/"])
def test_a_utf8_path_raw_or_percent_encoded_reaches_django_as_the_text_sent(
    web, lambda_context, echo_urls, event_file, sent
):
    response = web.lambda_handler(with_path(load_event(event_file), sent), lambda_context)
    assert response["statusCode"] == 200
    assert json.loads(body_of(response))["path"] == "/echo/é✓/"


def damaged(name: str, **changes) -> dict:
    event = load_event(name)
    event.update(changes)
    return event


@pytest.mark.parametrize(
    ("event", "shape"),
    [
        (damaged("alb_get.json", body=5), "headers"),
        (damaged("alb_get_multivalue.json", body=5), "multiValueHeaders"),
        (damaged("alb_get_multivalue.json", multiValueHeaders={"host": []}), "multiValueHeaders"),
        (damaged("alb_get.json", isBase64Encoded=True, body="not base64!"), "headers"),
        (damaged("rest_api_v1_stage.json", requestContext="prod"), "multiValueHeaders"),
        (damaged("http_api_v2.json", headers=None), "headers"),
        (damaged("http_api_v2.json", requestContext={"http": None}), "headers"),
        (damaged("http_api_v2.json", version="3.0"), "headers"),
        ([load_event("alb_get.json")], "headers"),
        ("GET /", "headers"),
        (None, "headers"),
    ],
)
def test_a_damaged_event_is_a_400_in_the_event_s_own_shape(web, lambda_context, event, shape):
    response = web.lambda_handler(event, lambda_context)
    assert response["statusCode"] == 400
    [other] = {"headers", "multiValueHeaders"} - {shape}
    assert shape in response and other not in response
    assert json.loads(response["body"])["detail"].startswith("Malformed request event: ")


def test_a_damaged_http_api_event_gets_a_v2_response(web, lambda_context):
    response = web.lambda_handler(damaged("http_api_v2.json", headers=None), lambda_context)
    assert response["statusCode"] == 400 and response["cookies"] == []
    assert response["body"] == json.dumps({"detail": "Malformed request event: 'headers' is not an object of strings"})


def test_an_app_error_that_escapes_django_is_a_500_in_the_event_s_shape_not_a_bad_event(
    web, lambda_context, monkeypatch, capsys
):
    from django.core.handlers.wsgi import WSGIHandler

    def broken(self, environ, start_response):
        raise RuntimeError("the error page itself failed")

    monkeypatch.setattr(WSGIHandler, "__call__", broken)
    response = web.lambda_handler(load_event("alb_get_multivalue.json"), lambda_context)
    assert response["statusCode"] == 500
    assert response["multiValueHeaders"] == {"Content-Type": ["application/json"]}
    assert "Malformed" not in response["body"] and "Traceback" not in response["body"]
    assert "the error page itself failed" in capsys.readouterr().out  # logged for the operator


# --- Text no client can send: a lone surrogate (JSON's "\udcff") anywhere in the request ---------

LONE_SURROGATE = "\udcff"


def with_unencodable_text(event: dict, part: str, text: str = LONE_SURROGATE) -> dict:
    """``event`` carrying ``text`` in one part of its request, placed as its own shape places that part."""
    event = json.loads(json.dumps(event))
    v2 = event.get("version") == "2.0"
    if part == "query":
        if v2:
            event["rawQueryString"] += f"&content_type__exact={text}"
        for name in ("queryStringParameters", "multiValueQueryStringParameters"):
            if name in event and not v2:
                event[name] = {"content_type__exact": [text] if name.startswith("multi") else text}
    elif part == "path":
        event = with_path(event, f"/api/v1/panels/{text}/")
    elif part in ("header", "header name", "cookie"):
        name, value = ("x-custom", text) if part == "header" else (f"x-{text}", "1")
        if part == "cookie":
            name, value = "cookie", f"pref={text}"
        if v2 and part == "cookie":
            event["cookies"] = [value]
        for key in ("headers", "multiValueHeaders"):
            if key in event and not (v2 and part == "cookie"):
                event[key][name] = [value] if key == "multiValueHeaders" else value
    elif part == "body":
        event.update(body=text, isBase64Encoded=False)
    return event


EVERY_SHAPE = ["alb_get.json", "alb_get_multivalue.json", "rest_api_v1_stage.json", "http_api_v2.json"]


@pytest.mark.parametrize("event_file", EVERY_SHAPE)
@pytest.mark.parametrize("part", ["query", "path", "header", "header name", "cookie", "body"])
def test_a_lone_surrogate_anywhere_in_the_request_is_a_400_in_the_event_s_own_shape(
    web, lambda_context, event_file, part
):
    event = with_unencodable_text(load_event(event_file), part)
    response = web.lambda_handler(event, lambda_context)
    assert response["statusCode"] == 400, response
    assert ("multiValueHeaders" in response) == ("multiValueHeaders" in event)
    detail = json.loads(response["body"])["detail"]
    assert detail.startswith("Malformed request event: ") and detail.endswith("is not valid Unicode text"), detail


# --- Compression and the response limits (issue 19) ---------------------------------------

# An echo long enough to be worth compressing: the path comes back in the JSON.
LONG_ECHO = "/echo/" + "gene-" * 400


def with_header(event: dict, name: str, value: str | None) -> dict:
    """``event`` with one request header set (or removed, for None), in its own header shapes."""
    event = json.loads(json.dumps(event))
    for key in ("headers", "multiValueHeaders"):
        if key in event:
            event[key] = {k: v for k, v in event[key].items() if k.lower() != name}
            if value is not None:
                event[key][name] = [value] if key == "multiValueHeaders" else value
    return event


@pytest.mark.parametrize("event_file", EVERY_SHAPE)
def test_json_is_gzipped_base64_encoded_for_a_client_that_accepts_gzip(web, lambda_context, echo_urls, event_file):
    event = with_header(with_path(load_event(event_file), LONG_ECHO), "accept-encoding", "gzip, deflate, br")
    if event_file == "rest_api_v1_stage.json":
        event["requestContext"] = dict(event["requestContext"], path=f"/prod{LONG_ECHO}")

    response = web.lambda_handler(event, lambda_context)

    assert response["statusCode"] == 200 and response["isBase64Encoded"] is True
    assert headers_of(response)["content-encoding"] == ["gzip"]
    assert "Accept-Encoding" in headers_of(response)["vary"][0]
    raw = base64.b64decode(response["body"])
    assert len(raw) < len(LONG_ECHO) / 4
    assert json.loads(gzip.decompress(raw))["path"].endswith(LONG_ECHO)  # after the stage, for the REST API


@pytest.mark.parametrize("event_file", EVERY_SHAPE)
def test_without_accept_encoding_the_body_is_the_json_text(web, lambda_context, echo_urls, event_file):
    event = with_header(with_path(load_event(event_file), LONG_ECHO), "accept-encoding", None)
    if event_file == "rest_api_v1_stage.json":
        event["requestContext"] = dict(event["requestContext"], path=f"/prod{LONG_ECHO}")

    response = web.lambda_handler(event, lambda_context)

    assert response["statusCode"] == 200 and response["isBase64Encoded"] is False
    assert "content-encoding" not in headers_of(response)
    assert "Accept-Encoding" in headers_of(response)["vary"][0]  # a cache must not serve it to a gzip client
    assert json.loads(response["body"])["path"].endswith(LONG_ECHO)


@pytest.mark.parametrize("refusal", ["gzip;q=0", "identity", "br", "*;q=0", "gzip;q=0, *"])
def test_a_client_refusing_gzip_gets_the_text(web, lambda_context, echo_urls, refusal):
    event = with_header(with_path(load_event("alb_get.json"), LONG_ECHO), "accept-encoding", refusal)

    response = web.lambda_handler(event, lambda_context)

    assert response["isBase64Encoded"] is False and "content-encoding" not in headers_of(response)


def test_a_tiny_body_is_not_compressed(web, lambda_context):
    response = web.lambda_handler(load_event("alb_get.json"), lambda_context)  # {"version": ...}, gzip accepted

    assert response["isBase64Encoded"] is False and "content-encoding" not in headers_of(response)


def test_an_image_is_not_compressed_again(web, lambda_context):
    response = web.lambda_handler(with_path(load_event("alb_get.json"), "/favicon.ico"), lambda_context)

    assert "content-encoding" not in headers_of(response)
    assert body_of(response).startswith(b"\x89PNG")


def test_an_anonymous_page_is_gzipped(web, lambda_context):
    event = with_header(with_path(load_event("alb_get_multivalue.json"), "/accounts/login/"), "accept", "text/html")

    response = web.lambda_handler(event, lambda_context)

    assert response["statusCode"] == 200
    assert headers_of(response)["content-encoding"] == ["gzip"]
    assert b"csrfmiddlewaretoken" in body_of(response)


def test_a_page_for_a_signed_in_session_is_never_compressed(web, lambda_context):
    # BREACH: a signed-in page's secrets beside text an attacker chose must not be compressed together.
    event = with_path(load_event("alb_get_multivalue.json"), "/accounts/login/")
    event = with_header(with_header(event, "accept", "text/html"), "cookie", "sessionid=abc; lang=en")

    response = web.lambda_handler(event, lambda_context)

    assert response["statusCode"] == 200 and "content-encoding" not in headers_of(response)
    assert response["isBase64Encoded"] is False and "csrfmiddlewaretoken" in response["body"]


def test_compression_makes_a_strong_etag_weak(lambda_context):
    from serverless.web import make_handler

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/json"), ("ETag", '"v1"')])
        return [b"[" + b"1," * 2000 + b"1]"]

    response = make_handler(app)(load_event("alb_get.json"), lambda_context)

    assert headers_of(response)["content-encoding"] == ["gzip"]
    assert headers_of(response)["etag"] == ['W/"v1"']


@pytest.mark.parametrize(
    ("event_file", "limit"),
    [("alb_get.json", "over the 1,000,000 the ALB accepts"), ("http_api_v2.json", "over the 6,291,456 Lambda accepts")],
)
def test_an_answer_over_the_entry_point_s_limit_is_a_500_naming_it_and_its_path_is_logged(
    web, lambda_context, echo_urls, caplog, event_file, limit
):
    size = 1_100_000 if event_file == "alb_get.json" else 6_400_000
    path = "/echo/too-large/" + "a" * size
    event = with_header(with_path(load_event(event_file), path), "accept-encoding", None)

    response = web.lambda_handler(event, lambda_context)

    assert response["statusCode"] == 500 and response["isBase64Encoded"] is False
    detail = json.loads(response["body"])["detail"]
    assert detail.startswith("The answer to this request is too large to deliver") and limit in detail
    logged = [r.getMessage() for r in caplog.records if r.name == "serverless.web"]
    assert any("response too large" in line and "GET /echo/too-large/aaa" in line for line in logged)
    assert all(len(line) < 1000 for line in logged)  # the path is named, not copied whole
