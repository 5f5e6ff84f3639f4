"""Direct uploads with ``USE_S3=FALSE``: the same three steps against the application's own target."""

import json

import pytest
from accounts.models import Reviewer
from django.core.files.uploadedfile import SimpleUploadedFile
from uploads.models import Upload

from tests.panels.factories import make_user

pytestmark = pytest.mark.django_db

TSV = b"gene_symbol\tpanel\nBRCA1\tCancer\n"
TSV_SIZE = len(TSV)


@pytest.fixture
def browser(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(make_user(Reviewer.Role.CURATOR, username="curator"))
    return client


def start(browser, size=TSV_SIZE):
    payload = {"filename": "panel.tsv", "content_type": "text/tab-separated-values", "size": size}
    return browser.post("/uploads/", json.dumps(payload), content_type="application/json").json()


def post_form(client, form, content=TSV, **field_changes):
    fields = {**form["fields"], **field_changes, "file": SimpleUploadedFile("panel.tsv", content)}
    return client.post(form["url"], fields)


def test_the_form_points_at_the_applications_own_target(browser):
    form = start(browser)
    assert form["url"] == "http://testserver/uploads/local/"
    assert form["fields"]["key"].startswith("uploads/") and "policy" in form["fields"]


def test_a_file_within_the_policy_lands_in_media_root_and_is_confirmed(browser, settings):
    form = start(browser)
    assert post_form(browser, form).status_code == 204
    response = browser.post(f"/uploads/{form['id']}/confirm/")
    assert response.status_code == 200 and response.json()["size"] == len(TSV)
    upload = Upload.objects.get(pk=form["id"])
    assert (settings.MEDIA_ROOT / upload.name).read_bytes() == TSV


def test_a_file_over_the_size_limit_is_refused_and_not_stored(browser, settings):
    settings.UPLOAD_MAX_BYTES = 16
    form = start(browser, size=16)
    response = post_form(browser, form, content=b"x" * 17)
    assert response.status_code == 403 and "between 1 and 16 bytes" in response.json()["error"]
    assert not (settings.MEDIA_ROOT / form["fields"]["key"]).exists()


def test_a_key_other_than_the_forms_is_refused(browser, settings):
    form = start(browser)
    response = post_form(browser, form, key="uploads/1/elsewhere/panel.tsv")
    assert response.status_code == 403
    assert not (settings.MEDIA_ROOT / "uploads/1/elsewhere/panel.tsv").exists()


def test_a_tampered_policy_is_refused(browser):
    form = start(browser)
    assert post_form(browser, form, policy=form["fields"]["policy"] + "x").status_code == 403


def test_the_same_form_cannot_overwrite_a_received_file(browser, settings):
    form = start(browser)
    post_form(browser, form)
    assert post_form(browser, form, content=b"replaced\n").status_code == 409
    assert (settings.MEDIA_ROOT / form["fields"]["key"]).read_bytes() == TSV


def test_a_form_without_a_file_is_a_400(browser):
    form = start(browser)
    assert browser.post(form["url"], form["fields"]).status_code == 400
