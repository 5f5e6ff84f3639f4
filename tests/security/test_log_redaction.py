"""Secrets never reach a log line: health-check tokens, cookies, credentials and passwords are redacted."""

import json
import logging

import pytest
from django.test import RequestFactory
from serverless.logging import REDACTED, formatter, redact

from tests.conftest import load_event, load_function

SECRETS = ("TOKENSECRET", "SESSIONSECRET", "CSRFSECRET", "PASSWORDSECRET", "OIDCSECRET", "ALBCOOKIESECRET")


def formatted(message, *args, **extra) -> dict:
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, message, args, None)
    record.__dict__.update(extra)
    return json.loads(formatter.format(record))


def test_a_request_in_a_record_is_logged_without_its_query_secrets():
    request = RequestFactory().get("/health_check/", {"token": "TOKENSECRET", "page": "2"})

    line = formatted("Forbidden: %s", request.path, request=request, status_code=403)

    assert "TOKENSECRET" not in json.dumps(line)
    assert line["request"] == f"<WSGIRequest: GET '/health_check/?token={REDACTED}&page=2'>"
    assert line["message"] == "Forbidden: /health_check/" and line["status_code"] == 403


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sessionid=SESSIONSECRET; csrftoken=CSRFSECRET", f"sessionid={REDACTED}; csrftoken={REDACTED}"),
        ("username=ada&password=PASSWORDSECRET", f"username=ada&password={REDACTED}"),
        ("AWSELBAuthSessionCookie-0=ALBCOOKIESECRET", f"AWSELBAuthSessionCookie-0={REDACTED}"),
        ("Authorization: Token 0123456789abcdef0123456789abcdef", f"Authorization: Token {REDACTED}"),
        ("/panels/?name=token&page=2", "/panels/?name=token&page=2"),
    ],
)
def test_secrets_inside_text_are_redacted_and_nothing_else(text, expected):
    assert redact(text) == expected


def test_secret_keys_are_redacted_whatever_their_spelling_and_nesting():
    event = {
        "multiValueHeaders": {"Cookie": ["a=b"], "x-amzn-oidc-data": ["OIDCSECRET"], "accept": ["text/html"]},
        "queryStringParameters": {"token": "TOKENSECRET", "page": "2"},
        "META": {"HTTP_COOKIE": "x", "HTTP_X_HEALTH_CHECK_TOKEN": "TOKENSECRET"},
        "cookies": ["sessionid=SESSIONSECRET"],
        "body": "username=ada&password=PASSWORDSECRET",
    }

    assert redact(event) == {
        "multiValueHeaders": {"Cookie": REDACTED, "x-amzn-oidc-data": REDACTED, "accept": ["text/html"]},
        "queryStringParameters": {"token": REDACTED, "page": "2"},
        "META": {"HTTP_COOKIE": REDACTED, "HTTP_X_HEALTH_CHECK_TOKEN": REDACTED},
        "cookies": REDACTED,
        "body": REDACTED,
    }


@pytest.mark.django_db(transaction=True)
def test_the_web_function_logs_no_secret_even_when_it_logs_whole_events(lambda_context, capsys, monkeypatch):
    monkeypatch.setenv("POWERTOOLS_LOGGER_LOG_EVENT", "true")
    web = load_function("web")
    event = load_event("alb_get_multivalue.json")
    event["path"] = "/health_check/"
    event["multiValueQueryStringParameters"] = {"token": ["TOKENSECRET"]}
    event["multiValueHeaders"]["cookie"] = ["sessionid=SESSIONSECRET; csrftoken=CSRFSECRET"]
    event["multiValueHeaders"]["x-amzn-oidc-data"] = ["OIDCSECRET"]
    sign_in = dict(event, httpMethod="POST", path="/accounts/login/", multiValueQueryStringParameters={})
    sign_in["body"] = "username=ada&password=PASSWORDSECRET&csrfmiddlewaretoken=CSRFSECRET"

    assert web.lambda_handler(event, lambda_context)["statusCode"] == 403
    assert web.lambda_handler(sign_in, lambda_context)["statusCode"] == 403  # refused by the CSRF checks

    out = capsys.readouterr().out
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert [secret for secret in SECRETS if secret in out] == []
    # The lines are still there, redacted: Django's refusals and the events themselves.
    messages = [str(line["message"]) for line in lines if "message" in line]  # not the metrics lines
    assert "Forbidden: /health_check/" in messages
    assert "Forbidden (Referer checking failed - no Referer.): /accounts/login/" in messages
    assert sum(REDACTED in json.dumps(line) for line in lines) >= 3
