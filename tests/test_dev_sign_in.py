"""Signing in on a certificate-less dev stack: plain HTTP through the ALB (docs/deploy.md).

The browser drops a ``Secure`` cookie set over plain HTTP, so the CSRF cookie must
not be ``Secure`` there or every form post is a 403. The settings make secure
cookies follow ``SECURE_SSL_REDIRECT`` (False exactly when the ALB has no
certificate); this drives the real web handler with the ALB's plain-HTTP events.
"""

import re
from http.cookies import SimpleCookie

import pytest
from django.contrib.auth import get_user_model

from tests.conftest import load_event, load_function
from tests.test_settings import DEPLOYED_ENV

pytestmark = pytest.mark.django_db(transaction=True)

ALB_HOST = "panelapp-alb-1234567890.eu-west-2.elb.amazonaws.com"
PASSWORD = "plain-http-dev-sign-in-7"


@pytest.fixture
def certificate_less_stack(load_settings, settings):
    """The cookie and redirect settings a dev stack without a certificate really gets."""
    deployed = load_settings(**DEPLOYED_ENV, SECURE_SSL_REDIRECT="False")
    for name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_PROXY_SSL_HEADER"):
        setattr(settings, name, deployed[name])
    settings.CSRF_TRUSTED_ORIGINS = [f"http://{ALB_HOST}"]


def plain_http(event: dict, method: str, path: str, cookie: str = "", body: str = "") -> dict:
    headers = dict(event["multiValueHeaders"])
    headers.update({
        "host": [ALB_HOST],
        "x-forwarded-proto": ["http"],
        "x-forwarded-port": ["80"],
        "origin": [f"http://{ALB_HOST}"],
        "referer": [f"http://{ALB_HOST}{path}"],
        "cookie": [cookie] if cookie else [],
    })  # fmt: skip
    if not cookie:
        del headers["cookie"]
    return dict(event, httpMethod=method, path=path, multiValueHeaders=headers, body=body,
                multiValueQueryStringParameters={})  # fmt: skip


def test_a_plain_http_alb_visitor_gets_a_csrf_cookie_and_can_sign_in(certificate_less_stack, lambda_context):
    get_user_model().objects.create_user("curator", "curator@example.org", PASSWORD)
    web = load_function("web")
    page = web.lambda_handler(plain_http(load_event("alb_post_form.json"), "GET", "/accounts/login/"), lambda_context)
    assert page["statusCode"] == 200
    (set_cookie,) = [c for c in page["multiValueHeaders"]["Set-Cookie"] if c.startswith("csrftoken=")]
    assert "secure" not in set_cookie.lower()  # a browser on http:// keeps it
    csrf_cookie = SimpleCookie(set_cookie)["csrftoken"].value
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page["body"].encode()).group(1).decode()

    form = f"csrfmiddlewaretoken={token}&username=curator&password={PASSWORD}"
    answer = web.lambda_handler(
        plain_http(load_event("alb_post_form.json"), "POST", "/accounts/login/", f"csrftoken={csrf_cookie}", form),
        lambda_context,
    )
    assert answer["statusCode"] == 302, answer.get("body", "")[:500]
    assert any(c.startswith("sessionid=") for c in answer["multiValueHeaders"]["Set-Cookie"])
