"""``USE_S3=FALSE``: files on the local file system, served by the application itself."""

import time
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from serverless.storage import media_url

from tests.conftest import ROOT

PROJECT_VAR = ROOT / "var"


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


# --- Configuration ----------------------------------------------------------------


@pytest.mark.smoke
def test_local_runs_keep_files_inside_the_project_working_folder(load_settings):
    settings = load_settings()
    assert settings["STATIC_ROOT"] == PROJECT_VAR / "static"
    assert settings["MEDIA_ROOT"] == PROJECT_VAR / "media"
    assert (settings["STATIC_URL"], settings["MEDIA_URL"]) == ("/static/", "/media/")


def test_a_deployed_configuration_without_s3_uses_slash_static_and_slash_media(load_settings):
    from tests.test_settings import DEPLOYED_ENV

    settings = load_settings(**DEPLOYED_ENV, USE_S3="FALSE")
    assert (settings["STATIC_ROOT"], settings["MEDIA_ROOT"]) == (Path("/static"), Path("/media"))
    assert settings["STORAGES"]["default"]["BACKEND"] == "serverless.storage.local.LocalMediaStorage"


def test_static_root_and_media_root_come_from_the_environment(load_settings, tmp_path):
    settings = load_settings(USE_S3="FALSE", STATIC_ROOT=str(tmp_path / "s"), MEDIA_ROOT=str(tmp_path / "m"))
    assert (settings["STATIC_ROOT"], settings["MEDIA_ROOT"]) == (tmp_path / "s", tmp_path / "m")


def test_locations_shape_the_local_urls(load_settings):
    settings = load_settings(AWS_STATICFILES_LOCATION="/assets/", AWS_MEDIAFILES_LOCATION="uploaded")
    assert (settings["STATIC_URL"], settings["MEDIA_URL"]) == ("/assets/", "/uploaded/")


# --- Static files -----------------------------------------------------------------


@pytest.mark.smoke
def test_the_application_serves_static_files_itself(client):
    response = client.get("/static/panelapp/site.css")
    assert response.status_code == 200
    assert b"body" in b"".join(response.streaming_content)


def test_collectstatic_writes_to_static_root(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "collected"
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    call_command("collectstatic", interactive=False, verbosity=0)
    assert (tmp_path / "collected" / "panelapp" / "site.css").is_file()


# --- Media ------------------------------------------------------------------------


def test_media_is_saved_under_media_root(media_root):
    name = default_storage.save("reports/panel.tsv", ContentFile(b"gene\n"))
    assert (media_root / name).read_bytes() == b"gene\n"


def test_a_taken_name_is_never_overwritten(media_root):
    first = default_storage.save("reports/panel.tsv", ContentFile(b"first"))
    second = default_storage.save("reports/panel.tsv", ContentFile(b"second"))
    assert second != first and (media_root / first).read_bytes() == b"first"


@pytest.mark.smoke
def test_a_signed_media_link_serves_the_file(client, media_root):
    name = default_storage.save("reports/panel.tsv", ContentFile(b"gene\n"))
    response = client.get(media_url(name))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"gene\n"
    assert response["Cache-Control"] == "private, no-store"


def test_a_media_link_can_name_the_download(client, media_root):
    name = default_storage.save("reports/0b1c.tsv", ContentFile(b"gene\n"))
    response = client.get(media_url(name, download_name="Panel 42.tsv"))
    assert response["Content-Disposition"] == 'attachment; filename="Panel 42.tsv"'


def test_a_media_link_is_refused_after_it_expires(client, media_root, settings, monkeypatch):
    name = default_storage.save("reports/panel.tsv", ContentFile(b"gene\n"))
    url = media_url(name)
    later = time.time() + settings.MEDIA_URL_EXPIRY_SECONDS + 1
    monkeypatch.setattr("serverless.storage.local.time.time", lambda: later)
    assert client.get(url).status_code == 403


def test_media_without_a_link_is_refused(client, media_root):
    name = default_storage.save("reports/panel.tsv", ContentFile(b"gene\n"))
    assert client.get(f"/media/{name}").status_code == 403


def test_a_link_to_one_file_does_not_open_another(client, media_root):
    default_storage.save("reports/secret.tsv", ContentFile(b"secret"))
    allowed = media_url(default_storage.save("reports/public.tsv", ContentFile(b"fine")))
    token = allowed.split("?", 1)[1]
    assert client.get(f"/media/reports/secret.tsv?{token}").status_code == 403
