"""API v1 with a token (``Authorization: Token <key>``, as upstream) or the session: curators read internal panels."""

import pytest
from accounts.models import Reviewer
from django.urls import reverse
from panels import services
from panels.models import Panel
from rest_framework.authtoken.models import Token

from tests.accounts.conftest import make_account
from tests.panels.factories import add_gene, make_panel, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def panels():
    curator = make_user(Reviewer.Role.CURATOR)
    public = make_panel(curator, "Public ataxia")
    add_gene(curator, public, "ATXN1")
    internal = make_panel(curator, "Internal ataxia", status=Panel.Status.INTERNAL)
    add_gene(curator, internal, "ATXN7")
    services.update_panel(curator, internal, comment="second version", disease_sub_group="Cerebellar")
    return {"public": public, "internal": internal}


def token_for(role: str) -> str:
    user = make_account(f"{role}-api", getattr(Reviewer.Role, role.upper()))
    return Token.objects.create(user=user).key


def names(response) -> set[str]:
    return {panel["name"] for panel in response.json()["results"]}


def test_anonymous_readers_see_public_panels_only(client, panels):
    assert names(client.get("/api/v1/panels/")) == {"Public ataxia"}
    assert client.get(f"/api/v1/panels/{panels['internal'].pk}/").status_code == 404


def test_a_curators_token_sees_internal_panels_their_versions_and_entities(client, panels):
    auth = {"HTTP_AUTHORIZATION": f"Token {token_for('curator')}"}
    internal = panels["internal"]

    assert names(client.get("/api/v1/panels/", **auth)) == {"Public ataxia", "Internal ataxia"}
    detail = client.get(f"/api/v1/panels/{internal.pk}/", **auth)
    assert detail.status_code == 200 and detail.json()["name"] == "Internal ataxia"
    versions = client.get(f"/api/v1/panels/{internal.pk}/versions/", **auth).json()["results"]
    assert [version["version"] for version in versions] == ["0.2", "0.1", "0.0"]
    old = client.get(f"/api/v1/panels/{internal.pk}/", {"version": "0.1"}, **auth)
    assert old.status_code == 200 and old.json()["version"] == "0.1"
    assert client.get(f"/api/v1/panels/{internal.pk}/genes/ATXN7/", **auth).status_code == 200
    found = client.get("/api/v1/genes/ATXN7/", **auth).json()["results"]
    assert [gene["panel"]["name"] for gene in found] == ["Internal ataxia"]


@pytest.mark.parametrize("role", ["external", "reviewer"])
def test_other_tokens_see_what_anonymous_readers_see(client, panels, role):
    auth = {"HTTP_AUTHORIZATION": f"Token {token_for(role)}"}

    assert names(client.get("/api/v1/panels/", **auth)) == {"Public ataxia"}
    assert client.get(f"/api/v1/panels/{panels['internal'].pk}/", **auth).status_code == 404
    assert client.get("/api/v1/genes/ATXN7/", **auth).json()["results"] == []


def test_a_curators_session_sees_internal_panels_too(client, panels):
    client.force_login(make_account("curator", Reviewer.Role.CURATOR))

    assert names(client.get("/api/v1/panels/")) == {"Public ataxia", "Internal ataxia"}


@pytest.mark.parametrize(
    "header",
    ["Token not-a-real-token", f"Token {'0' * 40}", "Token ", "Token one two", "Token a\x00b", "Token \u00e9t\u00e9"],
    ids=["malformed", "unknown", "empty", "spaces", "nul", "non-ascii"],
)
def test_a_bad_token_is_a_401_with_a_message_and_the_scheme_to_use(client, panels, header):
    response = client.get("/api/v1/panels/", HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert response.json()["detail"]


def test_the_token_of_a_switched_off_user_is_refused(client, panels):
    key = token_for("curator")
    user = Token.objects.get(key=key).user
    user.is_active = False
    user.save()

    assert client.get("/api/v1/panels/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


def test_a_regenerated_token_replaces_the_old_one_at_once(client, panels):
    old = token_for("curator")
    user = Token.objects.get(key=old).user
    client.force_login(user)
    client.post(reverse("accounts:regenerate_token"))
    client.logout()

    assert client.get("/api/v1/panels/", HTTP_AUTHORIZATION=f"Token {old}").status_code == 401
    new = Token.objects.get(user=user).key
    assert names(client.get("/api/v1/panels/", HTTP_AUTHORIZATION=f"Token {new}")) >= {"Internal ataxia"}


def test_api_answers_vary_on_the_credentials(client, panels):
    vary = client.get("/api/v1/panels/").headers["Vary"]

    assert "Authorization" in vary and "Cookie" in vary


def test_an_anonymous_request_runs_no_authentication_query(client, panels, settings, django_assert_num_queries):
    url = f"/api/v1/panels/{panels['public'].pk}/"
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_AUTHENTICATION_CLASSES": []}
    # The panel, its snapshot and the snapshot's parts, and the shared throttle's counter.
    with django_assert_num_queries(4) as without_authentication:
        client.get(url)
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_AUTHENTICATION_CLASSES": [
            "accounts.authentication.TokenAuthentication",
            "rest_framework.authentication.SessionAuthentication",
        ],
    }

    with django_assert_num_queries(len(without_authentication.captured_queries)):
        client.get(url)


def test_a_token_costs_one_query(client, panels, django_assert_num_queries):
    auth = {"HTTP_AUTHORIZATION": f"Token {token_for('curator')}"}
    url = f"/api/v1/panels/{panels['public'].pk}/"
    # The panel, its snapshot and the snapshot's parts, and the shared throttle's counter.
    with django_assert_num_queries(4):
        client.get(url)

    with django_assert_num_queries(5):
        client.get(url, **auth)
