"""Ordinary requests that once reached a 500, each answered as it should be now.

One test per reproducer: NUL characters refused once at the edge for every
page, the admin and the API; impossible dates in the admin's date hierarchy;
a multipart body posted to the JSON upload API; and the per-user upload limits.
"""

import json
from datetime import timedelta

import pytest
from accounts.models import Reviewer
from django.contrib.auth import get_user_model
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from serverless.models import TaskRecord
from uploads.models import Upload

from tests.panels.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = get_user_model().objects.create_superuser("staff", "staff@example.org", "correct horse battery")
    client.force_login(user)
    return client


@pytest.fixture
def uploader(client):
    client.force_login(make_user(Reviewer.Role.CURATOR, "uploader"))  # only curators upload
    return client


def start_upload(client, size=100, content_type="application/json", body=None):
    payload = {"filename": "panel.tsv", "content_type": "text/tab-separated-values", "size": size}
    return client.post("/uploads/", body if body is not None else json.dumps(payload), content_type=content_type)


# --- NUL characters: 400 at the edge, whichever part of the site ------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/panels/%00/",
        "/panels/?search=%00",
        "/api/v1/panels/?name=a%00b",
        "/accounts/login/?next=%00",
    ],
)
def test_a_nul_in_a_path_or_query_is_a_400_for_anyone(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert b"NUL characters are not allowed" in response.content


def test_an_api_client_gets_the_nul_refusal_as_json(client):
    response = client.get("/api/v1/panels/", {"name": "a\x00b"})
    assert response.status_code == 400
    assert response.json() == {"detail": "NUL characters are not allowed (found in the query string)."}


def test_a_nul_in_the_admin_autocomplete_term_is_a_400_not_a_database_error(staff):
    query = {"app_label": "panels", "model_name": "evaluation", "field_name": "entity", "term": "\x00"}
    response = staff.get(reverse("admin:autocomplete"), query)
    assert response.status_code == 400


def test_a_nul_in_an_admin_object_id_is_a_400_not_a_database_error(staff):
    path = reverse("admin:serverless_taskrecord_changelist") + "%00/change/"
    assert staff.get(path).status_code == 400


def test_a_nul_in_a_cookie_is_a_400_before_the_session_is_looked_up(client, settings):
    client.cookies[settings.SESSION_COOKIE_NAME] = "abc\x00def"
    assert client.get("/panels/").status_code == 400


def test_a_nul_in_a_url_encoded_form_is_a_400(client):
    response = client.post(
        "/accounts/login/", "username=a%00b&password=x", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert b"found in the form" in response.content


def test_a_nul_in_an_upload_file_name_is_a_400(uploader):
    body = json.dumps({"filename": "a\x00.tsv", "content_type": "text/tab-separated-values", "size": 3})
    response = start_upload(uploader, body=body)
    assert response.status_code == 400 and "NUL" in response.json()["error"]
    assert not Upload.objects.exists()


# --- The admin's date hierarchy ----------------------------------------------------------


@pytest.mark.parametrize("year", ["99999999999999999999999", "9999", "0", "-5"])
def test_an_impossible_year_in_the_activity_admin_is_the_admin_s_bad_filter_redirect(staff, year):
    response = staff.get(reverse("admin:panels_activity_changelist"), {"created__year": year})
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


def test_an_impossible_day_in_the_task_admin_is_the_admin_s_bad_filter_redirect(staff):
    query = {"enqueued_at__year": "2026", "enqueued_at__month": "99999999999999999999", "enqueued_at__day": "1"}
    response = staff.get(reverse("admin:serverless_taskrecord_changelist"), query)
    assert response.status_code == 302


def test_a_real_year_still_filters_the_activity_admin(staff):
    response = staff.get(reverse("admin:panels_activity_changelist"), {"created__year": "2026"})
    assert response.status_code == 200


# --- Uploads: the JSON API refuses other bodies before reading them ------------------------


def test_a_multipart_body_with_a_valid_csrf_token_is_a_415_not_a_raw_post_data_error():
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user(Reviewer.Role.CURATOR, "form-poster"))  # only curators upload
    token = get_token(RequestFactory().get("/"))
    client.cookies["csrftoken"] = token
    response = client.post(
        "/uploads/", b"--X--", content_type="multipart/form-data; boundary=X", headers={"X-CSRFToken": token}
    )
    assert response.status_code == 415
    assert "application/json" in response.json()["error"]


# --- Uploads: limits per user ----------------------------------------------------------------


def test_open_uploads_are_limited_per_user_with_a_429_saying_when_to_retry(uploader, settings):
    settings.UPLOAD_MAX_OPEN_PER_USER = 3
    assert [start_upload(uploader).status_code for _ in range(3)] == [201, 201, 201]

    refused = start_upload(uploader)

    assert refused.status_code == 429
    assert "3 uploads waiting" in refused.json()["error"]
    assert 0 < int(refused["Retry-After"]) <= settings.UPLOAD_FORM_EXPIRY_SECONDS
    assert Upload.objects.count() == 3


def test_confirmed_and_expired_uploads_no_longer_count_as_open(uploader, settings):
    settings.UPLOAD_MAX_OPEN_PER_USER = 2
    first, second = (start_upload(uploader).json()["id"] for _ in range(2))
    Upload.objects.filter(pk=first).update(confirmed_at=timezone.now(), size=100)
    expired = timezone.now() - timedelta(seconds=settings.UPLOAD_FORM_EXPIRY_SECONDS + 1)
    Upload.objects.filter(pk=second).update(created_at=expired)

    assert start_upload(uploader).status_code == 201


def test_bytes_started_in_a_day_are_limited_per_user(uploader, settings):
    settings.UPLOAD_MAX_BYTES_PER_USER_PER_DAY = 1000
    assert start_upload(uploader, size=600).status_code == 201

    refused = start_upload(uploader, size=500)

    assert refused.status_code == 429
    assert "limit of 1000 bytes in 24 hours (600 already used)" in refused.json()["error"]
    assert 23 * 3600 < int(refused["Retry-After"]) <= 24 * 3600
    assert start_upload(uploader, size=400).status_code == 201


def test_a_confirmed_upload_counts_its_stored_size_not_its_allowance(uploader, settings):
    settings.UPLOAD_MAX_BYTES_PER_USER_PER_DAY = 1000
    upload = start_upload(uploader, size=900).json()
    Upload.objects.filter(pk=upload["id"]).update(confirmed_at=timezone.now(), size=100)

    assert start_upload(uploader, size=900).status_code == 201


def test_one_user_s_uploads_do_not_count_against_another(uploader, settings):
    settings.UPLOAD_MAX_OPEN_PER_USER = 1
    start_upload(uploader)
    other = Client()
    other.force_login(make_user(Reviewer.Role.CURATOR, "other"))
    assert start_upload(other).status_code == 201


def test_the_task_admin_lists_records_after_these_changes(staff):
    TaskRecord.objects.create(
        id="t" * 32, task_path="a.b", queue_name="default", backend="default", enqueued_at=timezone.now()
    )
    assert staff.get(reverse("admin:serverless_taskrecord_changelist")).status_code == 200


def test_the_upload_api_gets_the_nul_refusal_in_its_own_error_format(uploader):
    response = uploader.post("/uploads/?x=%00", "{}", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"error": "NUL characters are not allowed (found in the query string)."}
