"""Content-Security-Policy: our own origin only, on every HTML page, and the pages still work under it."""

import re

import pytest
from django.conf import settings
from panels import services

from tests.panels.factories import add_gene, make_panel, make_user

pytestmark = pytest.mark.django_db

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


@pytest.fixture
def panel():
    curator = make_user(username="curator")
    panel = make_panel(curator, "Cardiac arrhythmia")
    gene = add_gene(curator, panel, "KCNQ1")
    services.review_entity(curator, gene, rating="GREEN")
    return panel


def policy_of(response) -> str:
    """The policy without its nonce: the nonce is new on every response that uses one."""
    return re.sub(r" 'nonce-[^']+'", "", response["Content-Security-Policy"])


def html_pages(panel) -> list[str]:
    admin = f"/{settings.DJANGO_ADMIN_URL}"
    return [
        "/",
        "/panels/",
        f"/panels/{panel.pk}/",
        "/accounts/login/",
        f"{admin}login/",
        "/api/v1/panels/",
        "/no-such-page/",
    ]


def test_every_html_page_carries_the_policy(client, panel):
    for url in html_pages(panel):
        response = client.get(url, HTTP_ACCEPT="text/html")
        assert response.status_code == (404 if "no-such" in url else 200), url
        assert response["Content-Type"].startswith("text/html"), url
        assert policy_of(response) == POLICY, url


def test_the_admin_pages_behind_sign_in_carry_the_policy(admin_client, panel):
    admin = f"/{settings.DJANGO_ADMIN_URL}"
    for url in (admin, f"{admin}panels/panel/", f"{admin}panels/panel/{panel.pk}/change/", f"{admin}auth/user/add/"):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert policy_of(response) == POLICY, url


def test_inline_scripts_and_styles_run_only_with_the_responses_nonce(client, admin_client, panel):
    """Inline code is allowed only where Django put the nonce (the admin); the rest is in static files."""
    admin = f"/{settings.DJANGO_ADMIN_URL}"
    pages = [(client, url) for url in html_pages(panel)] + [
        (admin_client, url) for url in (admin, f"{admin}panels/panel/", f"{admin}panels/panel/{panel.pk}/change/")
    ]
    for who, url in pages:
        response = who.get(url, HTTP_ACCEPT="text/html")
        nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])
        for tag, opening, code in re.findall(r"<(script|style)([^>]*)>(.*?)</\1>", response.text, re.DOTALL):
            if code.strip() and 'type="application/json"' not in opening:
                assert nonce and f'nonce="{nonce[1]}"' in opening, (url, tag, opening)


def test_the_static_origin_is_allowed_when_static_files_come_from_the_cdn(load_settings):
    deployed = load_settings(
        USE_S3="TRUE",
        AWS_S3_STATICFILES_BUCKET_NAME="static",
        AWS_S3_MEDIAFILES_BUCKET_NAME="media",
        AWS_S3_STATICFILES_CUSTOM_DOMAIN="d111111abcdef8.cloudfront.net",
    )

    for directive in ("script-src", "style-src", "img-src", "font-src"):
        assert deployed["SECURE_CSP"][directive][-1] == "https://d111111abcdef8.cloudfront.net", directive
    assert deployed["SECURE_CSP"]["default-src"] == ["'self'"]
