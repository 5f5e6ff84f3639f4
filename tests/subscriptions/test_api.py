"""API v1 for one's watched panels: a token (or session) user lists, watches, reads and stops watching."""

import pytest
from panels.models import Panel
from rest_framework.authtoken.models import Token
from subscriptions.models import Subscription

from tests.panels.factories import make_panel

pytestmark = pytest.mark.django_db


@pytest.fixture
def auth(watcher) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=watcher).key}"}


def test_watching_a_panel_with_a_token_answers_201_and_lists_it(client, auth, panel, watcher):
    response = client.post("/api/v1/subscriptions/", {"panel": panel.pk}, content_type="application/json", **auth)

    assert response.status_code == 201
    assert response.json()["panel"] == panel.pk and response.json()["panel_name"] == "Hereditary ataxia"
    listing = client.get("/api/v1/subscriptions/", **auth).json()
    assert listing["count"] == 1 and listing["results"][0]["panel"] == panel.pk
    assert Subscription.objects.filter(user=watcher, panel=panel).exists()


def test_watching_again_answers_200_and_keeps_one(client, auth, panel):
    client.post("/api/v1/subscriptions/", {"panel": panel.pk}, content_type="application/json", **auth)

    again = client.post("/api/v1/subscriptions/", {"panel": panel.pk}, content_type="application/json", **auth)

    assert again.status_code == 200
    assert Subscription.objects.count() == 1


def test_one_watched_panel_is_read_and_deleted_by_its_id(client, auth, panel, watcher):
    Subscription.objects.create(user=watcher, panel=panel)

    assert client.get(f"/api/v1/subscriptions/{panel.pk}/", **auth).json()["panel"] == panel.pk
    deleted = client.delete(f"/api/v1/subscriptions/{panel.pk}/", **auth)

    assert deleted.status_code == 200 and deleted.json() == {"panel": panel.pk, "watching": False}
    assert not Subscription.objects.exists()
    assert client.delete(f"/api/v1/subscriptions/{panel.pk}/", **auth).status_code == 404
    assert client.get(f"/api/v1/subscriptions/{panel.pk}/", **auth).status_code == 404


def test_one_sees_only_ones_own_watching(client, auth, curator, panel):
    Subscription.objects.create(user=curator, panel=panel)

    assert client.get("/api/v1/subscriptions/", **auth).json()["count"] == 0
    assert client.get(f"/api/v1/subscriptions/{panel.pk}/", **auth).status_code == 404
    assert client.delete(f"/api/v1/subscriptions/{panel.pk}/", **auth).status_code == 404
    assert Subscription.objects.count() == 1


@pytest.mark.parametrize(
    "body", [{}, {"panel": "abc"}, {"panel": -1}, {"panel": True}, {"panel": [1]}, ["panel"]], ids=str
)
def test_a_malformed_body_is_a_400_that_says_what_to_send(client, auth, body):
    response = client.post("/api/v1/subscriptions/", body, content_type="application/json", **auth)

    assert response.status_code == 400
    assert '{"panel": <panel id>}' in response.json()["detail"]


def test_invalid_json_is_a_400(client, auth):
    response = client.post("/api/v1/subscriptions/", "{not json", content_type="application/json", **auth)

    assert response.status_code == 400


def test_a_panel_one_cannot_read_is_a_404(client, auth, curator):
    hidden = make_panel(curator, name="Unreleased", status=Panel.Status.INTERNAL)

    for panel_id in (hidden.pk, 999999):
        response = client.post("/api/v1/subscriptions/", {"panel": panel_id}, content_type="application/json", **auth)
        assert response.status_code == 404
    assert not Subscription.objects.exists()


def test_anonymous_readers_are_refused(client, panel):
    assert client.get("/api/v1/subscriptions/").status_code == 401
    assert (
        client.post("/api/v1/subscriptions/", {"panel": panel.pk}, content_type="application/json").status_code == 401
    )
    assert client.delete(f"/api/v1/subscriptions/{panel.pk}/").status_code == 401


def test_a_session_needs_its_csrf_token_to_watch(panel, watcher):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(watcher)

    assert strict.get("/api/v1/subscriptions/").status_code == 200
    response = strict.post("/api/v1/subscriptions/", {"panel": panel.pk}, content_type="application/json")
    assert response.status_code == 403
    assert not Subscription.objects.exists()


def test_the_schema_documents_the_endpoints_with_an_example(client):
    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]

    assert set(paths["/api/v1/subscriptions/"]) == {"get", "post"}
    assert set(paths["/api/v1/subscriptions/{panel_id}/"]) == {"get", "delete"}
    post = paths["/api/v1/subscriptions/"]["post"]
    assert {"200", "201", "400", "401", "404"} <= set(post["responses"])
    assert post["requestBody"]["content"]["application/json"]["examples"]
