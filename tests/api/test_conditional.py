"""ETag, Last-Modified and 304 on API v1 (issue 22): revalidating is cheap and free of the rate limit."""

import time
from datetime import UTC, timedelta

import pytest
from django.utils.http import http_date
from panels import services

from tests.panels.factories import add_gene

pytestmark = pytest.mark.django_db

URLS = [
    "/api/v1/panels/",
    "/api/v1/panels/{pk}/",
    "/api/v1/panels/{pk}/genes/",
    "/api/v1/panels/{pk}/activities/",
    "/api/v1/genes/",
    "/api/v1/panels/signedoff/",
]


def get(client, url, **headers):
    return client.get(url, HTTP_ACCEPT="application/json", **headers)


@pytest.mark.parametrize("url", URLS)
def test_every_answer_has_validators_and_a_current_copy_is_a_304(client, catalogue, url):
    url = url.format(pk=catalogue["breast"].pk)
    first = get(client, url)

    again = get(client, url, HTTP_IF_NONE_MATCH=first["ETag"])

    assert first.status_code == 200 and first["ETag"].startswith('"') and first["Last-Modified"]
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"]


def test_the_weak_form_the_gzipping_adapter_sends_back_matches(client, catalogue):
    url = f"/api/v1/panels/{catalogue['breast'].pk}/"
    etag = get(client, url)["ETag"]

    assert get(client, url, HTTP_IF_NONE_MATCH=f"W/{etag}").status_code == 304
    assert get(client, url, HTTP_IF_NONE_MATCH='"other", ' + f"W/{etag}").status_code == 304


def test_a_change_gives_a_new_etag_and_a_200(client, catalogue, curator):
    url = f"/api/v1/panels/{catalogue['breast'].pk}/"
    etag = get(client, url)["ETag"]
    add_gene(curator, catalogue["breast"], "PALB2")

    changed = get(client, url, HTTP_IF_NONE_MATCH=etag)

    assert changed.status_code == 200 and changed["ETag"] != etag


def test_a_stored_version_is_not_modified_since_it_was_made(client, catalogue, curator):
    breast = catalogue["breast"]
    url = f"/api/v1/panels/{breast.pk}/"
    made = get(client, url)["Last-Modified"]

    assert get(client, url, HTTP_IF_MODIFIED_SINCE=made).status_code == 304
    breast.refresh_from_db()
    time.sleep(1.1)  # HTTP dates are whole seconds: a change in the same second is told by the ETag alone
    add_gene(curator, breast, "PALB2")
    assert get(client, url, HTTP_IF_MODIFIED_SINCE=made).status_code == 200
    assert get(client, f"{url}?version={breast.version}", HTTP_IF_MODIFIED_SINCE=made).status_code == 304


def test_a_304_does_not_count_against_the_rate_limit(client, catalogue, settings):
    settings.API_THROTTLE_ANON_RATE = "2/minute"
    url = f"/api/v1/panels/{catalogue['breast'].pk}/"
    etag = get(client, url)["ETag"]  # 1 of 2

    revalidated = [get(client, url, HTTP_IF_NONE_MATCH=etag).status_code for _ in range(5)]

    assert revalidated == [304] * 5
    assert get(client, url).status_code == 200  # 2 of 2
    assert get(client, url, HTTP_IF_NONE_MATCH=etag).status_code == 304  # still free past the limit
    assert get(client, url).status_code == 429


def test_a_conditional_request_that_is_answered_in_full_counts(client, catalogue, settings):
    settings.API_THROTTLE_ANON_RATE = "1/minute"
    url = f"/api/v1/panels/{catalogue['breast'].pk}/"

    assert get(client, url, HTTP_IF_NONE_MATCH='"stale"').status_code == 200
    refused = get(client, url, HTTP_IF_NONE_MATCH='"stale"')
    assert refused.status_code == 429 and refused["Retry-After"]
    assert get(client, "/api/v1/panels/0/", HTTP_IF_NONE_MATCH='"stale"').status_code == 429


def ids(response):
    return [panel["id"] for panel in response.json()["results"]]


def test_changed_since_lists_only_panels_with_a_newer_version(client, catalogue, curator):
    breast, colon = catalogue["breast"], catalogue["colon"]
    colon.refresh_from_db()
    since = colon.version_created + timedelta(microseconds=1)
    services.update_panel(curator, breast, disease_sub_group="Changed")
    breast.refresh_from_db()

    changed = client.get("/api/v1/panels/", {"changed_since": since.isoformat()})  # + encoded as %2B
    zulu = client.get("/api/v1/panels/", {"changed_since": since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")})

    assert breast.pk in ids(changed) and colon.pk not in ids(changed)
    assert ids(zulu) == ids(changed)
    assert colon.pk in ids(client.get("/api/v1/panels/", {"changed_since": "2000-01-01"}))


def test_a_malformed_changed_since_is_a_400_naming_it(client, catalogue):
    response = get(client, "/api/v1/panels/", QUERY_STRING="changed_since=yesterday")

    assert response.status_code == 400
    assert "changed_since" in response.json()["detail"]


def test_changed_since_takes_any_offset_python_reads_and_refuses_a_time_past_the_calendar(client, catalogue):
    # Python reads offsets up to a day; PostgreSQL's limit is 15:59, so the time is moved to UTC first.
    far_offset = client.get("/api/v1/panels/", {"changed_since": "0535-10-28T02:58:11.765830-21:02"})
    past_the_calendar = client.get("/api/v1/panels/", {"changed_since": "0001-01-01T00:00:00+05:00"})

    assert far_offset.status_code == 200
    assert past_the_calendar.status_code == 400 and "changed_since" in past_the_calendar.json()["detail"]


def test_if_modified_since_in_the_future_of_every_change_is_a_304_on_lists(client, catalogue):
    later = http_date(4102444800)  # 2100-01-01

    assert get(client, "/api/v1/panels/", HTTP_IF_MODIFIED_SINCE=later).status_code == 304
