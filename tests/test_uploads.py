"""Direct uploads: the browser gets a presigned POST, S3 enforces it, the server confirms.

S3 is moto behind ``S3Rules`` (test_storage_emulator), which refuses what real
S3 refuses: a file over the policy's size, a key outside its prefix, another
content type, an expired or tampered form.
"""

import base64
import json
from uuid import UUID

import pytest
import requests
from accounts.models import Reviewer
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.urls import reverse
from serverless.uploads import clean_file_name, safe_file_name, upload_name
from uploads.forms import UploadField
from uploads.models import Upload

from tests.panels.factories import make_user
from tests.test_storage_emulator import MEDIA_BUCKET

pytestmark = pytest.mark.django_db

TSV = b"gene_symbol\tpanel\nBRCA1\tCancer\n"
TSV_SIZE = len(TSV)


@pytest.fixture
def user():
    return make_user(Reviewer.Role.CURATOR, username="curator")


@pytest.fixture
def other_user():
    return make_user(Reviewer.Role.CURATOR, username="other")


@pytest.fixture
def browser(client, user):
    client.force_login(user)
    return client


def start(browser, filename="panel.tsv", content_type="text/tab-separated-values", size=TSV_SIZE):
    payload = {"filename": filename, "content_type": content_type, "size": size}
    return browser.post("/uploads/", json.dumps(payload), content_type="application/json")


def confirm(browser, upload_id):
    return browser.post(f"/uploads/{upload_id}/confirm/")


def post_to_s3(form: dict, content: bytes = TSV, **field_changes: str) -> requests.Response:
    fields = {**form["fields"], **field_changes}
    return requests.post(form["url"], data=fields, files={"file": ("panel.tsv", content)}, timeout=10)


# --- The form the browser receives -------------------------------------------------


def test_starting_an_upload_answers_a_presigned_post_for_the_media_bucket(s3, browser, user):
    response = start(browser)
    assert response.status_code == 201
    form = response.json()
    assert form["url"] == f"{s3.endpoint}/{MEDIA_BUCKET}"
    assert form["fields"]["key"].startswith(f"media/uploads/{user.pk}/")
    assert form["fields"]["key"].endswith("/panel.tsv")
    assert Upload.objects.get(pk=form["id"]).confirmed is False


def test_the_policy_pins_the_prefix_declared_size_and_content_type(s3, browser, user):
    form = start(browser).json()
    policy = json.loads(base64.b64decode(form["fields"]["policy"]))
    prefix = form["fields"]["key"].rsplit("/", 1)[0] + "/"
    assert ["starts-with", "$key", prefix] in policy["conditions"]
    assert ["content-length-range", 1, TSV_SIZE] in policy["conditions"]
    assert {"Content-Type": "text/tab-separated-values"} in policy["conditions"]


# --- What S3 accepts and refuses ------------------------------------------------------


def test_a_file_within_the_policy_is_stored_and_confirmed(s3, browser):
    form = start(browser).json()
    assert post_to_s3(form).status_code == 204
    response = confirm(browser, form["id"])
    assert response.status_code == 200
    assert response.json()["size"] == len(TSV) and response.json()["confirmed"] is True
    upload = Upload.objects.get(pk=form["id"])
    with default_storage.open(upload.name) as stored:
        assert stored.read() == TSV


def test_a_file_over_the_size_limit_is_refused_by_s3(s3, browser, settings):
    settings.UPLOAD_MAX_BYTES = 16
    form = start(browser, size=16).json()
    refused = post_to_s3(form, content=b"x" * 17)
    assert refused.status_code == 400 and b"EntityTooLarge" in refused.content
    assert confirm(browser, form["id"]).status_code == 409


def test_a_key_outside_the_prefix_is_refused_by_s3(s3, browser, other_user):
    form = start(browser).json()
    elsewhere = f"media/uploads/{other_user.pk}/taken/panel.tsv"
    refused = post_to_s3(form, key=elsewhere)
    assert refused.status_code == 403 and b"Policy Condition failed" in refused.content
    assert s3.keys(MEDIA_BUCKET, elsewhere) == []


def test_another_content_type_is_refused_by_s3(s3, browser):
    form = start(browser).json()
    refused = post_to_s3(form, **{"Content-Type": "text/html"})
    assert refused.status_code == 403


def test_an_expired_form_is_refused_by_s3(s3, browser, settings):
    form = start(browser).json()
    s3.rules.offset = settings.UPLOAD_FORM_EXPIRY_SECONDS + 1
    refused = post_to_s3(form)
    assert refused.status_code == 403 and b"Policy expired" in refused.content


# --- Confirming ------------------------------------------------------------------------


def test_confirming_before_the_file_arrives_can_be_retried(s3, browser):
    form = start(browser).json()
    assert confirm(browser, form["id"]).status_code == 409
    post_to_s3(form)
    assert confirm(browser, form["id"]).status_code == 200


def test_confirming_twice_records_the_upload_once(s3, browser):
    form = start(browser).json()
    post_to_s3(form)
    first, second = confirm(browser, form["id"]).json(), confirm(browser, form["id"]).json()
    assert first == second and Upload.objects.count() == 1


def test_nobody_confirms_someone_elses_upload(s3, browser, client, other_user):
    form = start(browser).json()
    post_to_s3(form)
    client.force_login(other_user)
    response = confirm(client, form["id"])
    assert response.status_code == 404 and response.json() == {"error": "No such upload."}


def test_a_stored_file_larger_than_allowed_is_discarded_at_confirmation(s3, browser, user):
    form = start(browser).json()
    upload = Upload.objects.get(pk=form["id"])
    # As if the policy had been bypassed: the object is written directly.
    s3.client.put_object(
        Bucket=MEDIA_BUCKET, Key=form["fields"]["key"], Body=b"x" * 64, ContentType=upload.content_type
    )
    Upload.objects.filter(pk=upload.pk).update(max_size=32)
    response = confirm(browser, form["id"])
    assert response.status_code == 400
    assert s3.keys(MEDIA_BUCKET, form["fields"]["key"]) == []


# --- Bad requests ------------------------------------------------------------------------


def test_uploading_needs_a_logged_in_user(s3, client):
    response = start(client)
    assert response.status_code == 401 and "error" in response.json()


@pytest.mark.parametrize(
    "payload, message",
    [
        ("not json", "Send JSON"),
        ({"filename": "panel.tsv"}, "Send JSON"),
        ({"filename": " ", "content_type": "text/csv"}, "empty"),
        ({"filename": "page.html", "content_type": "text/html"}, "not accepted"),
        ({"filename": "huge.tsv", "content_type": "text/csv", "size": 10**12}, "between 1 and"),
    ],
)
def test_a_bad_start_request_is_a_400_with_a_message(s3, browser, payload, message):
    body = payload if isinstance(payload, str) else json.dumps(payload)
    response = browser.post("/uploads/", body, content_type="application/json")
    assert response.status_code == 400 and message in response.json()["error"]
    assert Upload.objects.count() == 0


# --- Names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "original, safe",
    [
        ("panel.tsv", "panel.tsv"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\My Panel (v2).tsv", "My_Panel_v2.tsv"),
        ("..", "upload"),
        (".hidden.tsv", "hidden.tsv"),
        ("a" * 300 + ".tsv", "a" * 96 + ".tsv"),
        ("???", "upload"),
        ("", "upload"),
        ("naïve panel.tsv", "naïve_panel.tsv"),
        ("x." + "y" * 50, "x." + "y" * 15),
    ],
)
def test_original_names_are_kept_but_made_safe(original, safe):
    assert safe_file_name(original) == safe


@pytest.mark.parametrize(
    "original, shown",
    [
        ("panel.tsv", "panel.tsv"),
        ("name\r\nBcc: evil@example.org.tsv", "name Bcc: evil@example.org.tsv"),
        ("nul\x00byte.tsv", "nul byte.tsv"),
        ("tab\tand\x1bescape\x7f.tsv", "tab and escape .tsv"),
        ("line\u2028separator\u2029.tsv", "line separator .tsv"),
        ("invoice\u202egpj.tsv", "invoice gpj.tsv"),  # a right-to-left override disguising the extension
        ("lone\ud800surrogate.tsv", "lone surrogate.tsv"),  # PostgreSQL cannot store it
        ("C:\\fakepath\\panel.tsv", "panel.tsv"),
        ("../../etc/passwd", "passwd"),
        ("  spaced   out  .tsv ", "spaced out .tsv"),
        ("naïve panel ✓.tsv", "naïve panel ✓.tsv"),
        ("\r\n\x00", ""),
        ("dir/", ""),
    ],
)
def test_names_shown_to_people_are_one_line_of_text_without_folders(original, shown):
    assert clean_file_name(original) == shown


def test_a_name_too_long_is_shortened_to_255_characters_keeping_its_extension():
    shown = clean_file_name("a" * 1000 + ".tsv")

    assert len(shown) == 255 and shown.endswith("….tsv") and shown.startswith("aaa")


@pytest.mark.parametrize("filename", ["name\r\nBcc: evil@example.org.tsv", "a\nb.tsv", "tab\t.tsv", "\x1b[31m.tsv"])
def test_a_name_with_control_characters_is_refused(s3, browser, filename):
    response = start(browser, filename=filename)

    assert response.status_code == 400 and "control characters" in response.json()["error"]
    assert not Upload.objects.exists()


def test_starting_an_upload_keeps_a_clean_name(s3, browser):
    response = start(browser, filename="C:\\fakepath\\invoice\u202egpj " + "a" * 300 + ".tsv")

    assert response.status_code == 201
    name = Upload.objects.get(pk=response.json()["id"]).original_name
    assert name.startswith("invoice gpj aaa") and name.endswith("….tsv") and len(name) == 255


def test_a_name_with_nothing_to_show_is_refused(s3, browser):
    response = start(browser, filename="C:\\fakepath\\\u200b")

    assert response.status_code == 400 and "file name is empty" in response.json()["error"]
    assert not Upload.objects.exists()


@pytest.mark.parametrize("role", [Reviewer.Role.EXTERNAL, Reviewer.Role.REVIEWER])
def test_only_curators_start_uploads(s3, client, role):
    client.force_login(make_user(role))

    response = start(client)

    assert response.status_code == 403 and "Only curators upload files" in response.json()["error"]
    assert not Upload.objects.exists()


def test_uploads_cannot_be_added_or_changed_in_the_admin(client):
    client.force_login(get_user_model().objects.create_superuser("admin", "admin@example.org", "pw"))

    assert client.get(reverse("admin:uploads_upload_add")).status_code == 403


def test_every_upload_gets_its_own_folder_under_its_owner():
    first, second = upload_name(7, "panel.tsv"), upload_name(7, "panel.tsv")
    assert first != second
    assert first.startswith("uploads/7/") and first.endswith("/panel.tsv")


# --- The form field importers use ----------------------------------------------------


def test_the_upload_field_accepts_only_the_users_own_confirmed_uploads(user, other_user):
    mine = Upload.objects.create(
        owner=user, name="uploads/a/1/p.tsv", original_name="p.tsv", content_type="text/csv", max_size=9
    )
    theirs = Upload.objects.create(
        owner=other_user, name="uploads/b/2/p.tsv", original_name="p.tsv", content_type="text/csv", max_size=9
    )
    pending = Upload.objects.create(
        owner=user, name="uploads/a/3/p.tsv", original_name="p.tsv", content_type="text/csv", max_size=9
    )
    Upload.objects.filter(pk__in=[mine.pk, theirs.pk]).update(confirmed_at="2026-11-22T00:00:00Z")
    field = UploadField()
    field.limit_to(user)
    assert field.clean(str(mine.pk)) == mine
    for refused in (theirs, pending):
        with pytest.raises(ValidationError, match="Unknown upload"):
            field.clean(str(refused.pk))


# --- Through the web function, as the ALB delivers it -----------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_alb_request_starts_an_upload_without_the_file_passing_through_lambda(s3, client, user, lambda_context):
    from tests.conftest import load_event, load_function

    client.force_login(user)
    csrf = "k" * 32
    event = load_event("alb_post_form.json")
    headers = event["multiValueHeaders"]
    headers["content-type"] = ["application/json"]
    headers["accept"] = ["application/json"]
    headers["cookie"] = [f"sessionid={client.cookies['sessionid'].value}; csrftoken={csrf}"]
    headers["x-csrftoken"] = [csrf]
    headers["referer"] = [headers["origin"][0] + "/panels/import/"]
    event.update(
        path="/uploads/",
        multiValueQueryStringParameters={},
        body=json.dumps({"filename": "big panel.tsv", "content_type": "text/tab-separated-values", "size": 50_000_000}),
    )

    response = load_function("web").lambda_handler(event, lambda_context)

    assert response["statusCode"] == 201, response
    form = json.loads(response["body"])
    assert form["url"].startswith(s3.endpoint) and form["fields"]["key"].endswith("/big_panel.tsv")


# --- Housekeeping -------------------------------------------------------------------------


def test_abandoned_uploads_are_discarded_with_their_files_and_nothing_else(s3, browser):
    from datetime import timedelta

    from django.utils import timezone
    from uploads.tasks import discard_abandoned_uploads

    abandoned, recent, confirmed = (start(browser).json() for _ in range(3))
    for form in (abandoned, confirmed):
        post_to_s3(form)
    confirm(browser, confirmed["id"])
    Upload.objects.filter(pk__in=[abandoned["id"], confirmed["id"]]).update(
        created_at=timezone.now() - timedelta(days=2)
    )

    assert discard_abandoned_uploads.call() == 1

    assert set(Upload.objects.values_list("pk", flat=True)) == {UUID(recent["id"]), UUID(confirmed["id"])}
    assert s3.keys(MEDIA_BUCKET, abandoned["fields"]["key"]) == []
    assert s3.keys(MEDIA_BUCKET, confirmed["fields"]["key"]) == [confirmed["fields"]["key"]]
