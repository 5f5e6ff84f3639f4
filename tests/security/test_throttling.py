"""API throttling on the shared counters: 429 with Retry-After and the limit in headers."""

import pytest
from rest_framework.authentication import SessionAuthentication
from rest_framework.views import APIView

pytestmark = pytest.mark.django_db

URL = "/api/v1/panels/"


@pytest.fixture(autouse=True)
def rates(settings):
    settings.API_THROTTLE_ANON_RATE = "3/minute"
    settings.API_THROTTLE_USER_RATE = "5/minute"


def get(client, address="203.0.113.5", **headers):
    return client.get(URL, REMOTE_ADDR=address, **headers)


def test_every_api_response_carries_the_limit_and_what_remains(client):
    responses = [get(client) for _ in range(3)]

    assert [r.status_code for r in responses] == [200, 200, 200]
    assert [r["X-RateLimit-Limit"] for r in responses] == ["3", "3", "3"]
    assert [r["X-RateLimit-Remaining"] for r in responses] == ["2", "1", "0"]
    assert "Retry-After" not in responses[-1]


def test_beyond_the_anonymous_rate_the_api_answers_429_with_retry_after(client):
    for _ in range(3):
        get(client)

    response = get(client)

    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert "throttled" in response.json()["detail"].lower()
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["X-RateLimit-Remaining"] == "0"


def test_each_anonymous_address_has_its_own_allowance(client):
    for _ in range(4):
        get(client, "203.0.113.5")

    assert get(client, "198.51.100.7").status_code == 200


def test_the_rate_is_read_from_the_settings(client, settings):
    settings.API_THROTTLE_ANON_RATE = "1/minute"

    assert [get(client).status_code for _ in range(2)] == [200, 429]


def test_a_signed_in_user_is_counted_per_user_at_the_user_rate_from_any_address(client, django_user_model, monkeypatch):
    # The API reads no credentials yet; a session stands for any way of signing in (a token too).
    monkeypatch.setattr(APIView, "authentication_classes", [SessionAuthentication])
    client.force_login(django_user_model.objects.create_user("reader"))

    statuses = [get(client, f"203.0.113.{n}").status_code for n in range(6)]

    assert statuses == [200] * 5 + [429]
    assert get(client, "198.51.100.1")["X-RateLimit-Limit"] == "5"


def test_pages_outside_the_api_are_not_throttled_or_labelled(client):
    for _ in range(5):
        response = client.get("/", REMOTE_ADDR="203.0.113.5")

    assert response.status_code == 200
    assert "X-RateLimit-Limit" not in response
