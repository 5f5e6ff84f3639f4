"""Files on S3: static files collected and served, media private with expiring links.

S3 is moto's server on loopback behind ``S3Rules`` (see test_storage_emulator),
configured by evaluating the real settings module with the local stack's
environment (``USE_S3=TRUE``, ``AWS_ENDPOINT_URL``, no static custom domain).
"""

import json
import re
import uuid

import pytest
import requests
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.tasks import task
from django.template import Context, Template
from serverless.storage import media_redirect, media_url

from tests.conftest import load_event, load_function
from tests.test_storage_emulator import MEDIA_BUCKET, STATIC_BUCKET, configure_s3

CLOUDFRONT_DOMAIN = "d111111abcdef8.cloudfront.net"
HASHED_CSS = re.compile(r"panelapp/site\.[0-9a-f]{12}\.css$")


def render_static(path: str) -> str:
    return Template("{% load static %}{% static path %}").render(Context({"path": path}))


@pytest.fixture
def collected(s3, settings):
    """collectstatic of the project's own static files, as ManageFunction runs it."""
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    call_command("collectstatic", interactive=False, verbosity=0)
    return s3


def fresh_storages(settings) -> None:
    """Forget storage instances, as a new Lambda environment would (the manifest is read again)."""
    settings.STORAGES = {**settings.STORAGES}


def unique(name: str) -> str:
    return f"tests/{uuid.uuid4().hex}/{name}"


# --- Static files ---------------------------------------------------------------


def test_collectstatic_uploads_hashed_names_under_the_static_location(collected):
    keys = collected.keys(STATIC_BUCKET, "static/")
    assert any(HASHED_CSS.search(key) for key in keys), keys
    assert "static/staticfiles.json" in keys
    assert all(key.startswith("static/") for key in collected.keys(STATIC_BUCKET))


@pytest.mark.django_db(transaction=True)
def test_collectstatic_through_the_manage_function_fills_the_static_bucket(s3, settings, lambda_context):
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    s3.client.delete_object(Bucket=STATIC_BUCKET, Key="static/staticfiles.json")

    result = load_function("manage").lambda_handler(load_event("manage_collectstatic.json"), lambda_context)

    assert result["exit_status"] == 0, result
    assert "static/staticfiles.json" in s3.keys(STATIC_BUCKET, "static/")
    assert any(HASHED_CSS.search(key) for key in s3.keys(STATIC_BUCKET, "static/"))


def test_hashed_static_files_are_cached_for_a_year(collected):
    key = next(key for key in collected.keys(STATIC_BUCKET, "static/") if HASHED_CSS.search(key))
    head = collected.client.head_object(Bucket=STATIC_BUCKET, Key=key)
    assert head["CacheControl"] == "public, max-age=31536000, immutable"


def test_static_files_keep_an_exact_type_and_no_encoding_so_cloudfront_can_compress(collected):
    key = next(key for key in collected.keys(STATIC_BUCKET, "static/") if HASHED_CSS.search(key))
    head = collected.client.head_object(Bucket=STATIC_BUCKET, Key=key)
    assert head["ContentType"] == "text/css"
    assert "ContentEncoding" not in head


def test_the_manifest_and_unhashed_copies_are_not_cached_for_long(collected):
    for key in ("static/staticfiles.json", "static/panelapp/site.css"):
        head = collected.client.head_object(Bucket=STATIC_BUCKET, Key=key)
        assert head["CacheControl"] == "public, max-age=300", key


def test_static_tag_gives_the_cloudfront_url_of_the_hashed_file(collected, settings, monkeypatch):
    configure_s3(monkeypatch, settings, collected.endpoint, AWS_S3_STATICFILES_CUSTOM_DOMAIN=CLOUDFRONT_DOMAIN)
    url = render_static("panelapp/site.css")
    assert url.startswith(f"https://{CLOUDFRONT_DOMAIN}/static/panelapp/site.")
    assert HASHED_CSS.search(url)
    assert "//" not in url.removeprefix("https://")


def test_static_tag_reads_the_manifest_from_the_bucket(collected, settings):
    manifest = json.loads(
        collected.client.get_object(Bucket=STATIC_BUCKET, Key="static/staticfiles.json")["Body"].read()
    )
    fresh_storages(settings)
    assert render_static("panelapp/site.css").endswith("/static/" + manifest["paths"]["panelapp/site.css"])


def test_an_operator_machine_without_custom_domain_or_endpoint_targets_the_real_bucket(settings, monkeypatch):
    computed = configure_s3(monkeypatch, settings, endpoint="")
    assert computed["STATIC_URL"] == f"https://{STATIC_BUCKET}.s3.eu-west-2.amazonaws.com/static/"
    assert computed["STORAGES"]["staticfiles"]["OPTIONS"]["endpoint_url"] is None


def emulate_cloudfront_read_access(s3) -> None:
    """What the local stack does in place of CloudFront: anonymous reads of static/ on the emulated bucket."""
    statement = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{STATIC_BUCKET}/static/*",
    }
    s3.client.put_bucket_policy(
        Bucket=STATIC_BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )


def test_local_stack_static_urls_are_unsigned_path_style_urls_on_the_emulator(collected):
    url = render_static("panelapp/site.css")
    assert url.startswith(f"{collected.endpoint}/{STATIC_BUCKET}/static/panelapp/site.")
    assert HASHED_CSS.search(url) and "X-Amz-Signature" not in url


def test_the_static_bucket_itself_refuses_anonymous_reads(collected):
    collected.client.delete_bucket_policy(Bucket=STATIC_BUCKET)
    assert requests.get(render_static("panelapp/site.css"), timeout=10).status_code == 403


def test_local_stack_static_urls_load_in_a_browser_once_read_access_is_granted(collected):
    emulate_cloudfront_read_access(collected)
    response = requests.get(render_static("panelapp/site.css"), timeout=10)
    assert response.status_code == 200 and b"body" in response.content


# --- Media ----------------------------------------------------------------------


def test_media_saved_by_web_code_lands_under_the_media_location_and_reads_back(s3):
    name = default_storage.save(unique("report.tsv"), ContentFile(b"gene\tpanel\n"))
    assert s3.client.get_object(Bucket=MEDIA_BUCKET, Key=f"media/{name}")["Body"].read() == b"gene\tpanel\n"
    with default_storage.open(name) as stored:
        assert stored.read() == b"gene\tpanel\n"


def test_saving_under_a_taken_name_never_overwrites_the_first_file(s3):
    first = default_storage.save(unique("panel.tsv"), ContentFile(b"first"))
    second = default_storage.save(first, ContentFile(b"second"))
    assert second != first
    with default_storage.open(first) as stored:
        assert stored.read() == b"first"


@pytest.mark.parametrize("name", ["../static/site.css", "/etc/passwd", "a/../../b.txt"])
def test_media_names_cannot_escape_the_media_location(s3, name):
    with pytest.raises(SuspiciousFileOperation):
        default_storage.save(name, ContentFile(b"x"))


def test_media_url_is_presigned_for_the_configured_hour(s3):
    name = default_storage.save(unique("export.tsv"), ContentFile(b"data"))
    url = media_url(name)
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=3600" in url
    assert url.startswith(f"{s3.endpoint}/{MEDIA_BUCKET}/media/")


def test_media_url_works_until_it_expires_and_is_refused_after(s3):
    name = default_storage.save(unique("export.tsv"), ContentFile(b"data"))
    url = media_url(name)
    s3.rules.offset = 3599
    assert requests.get(url, timeout=10).content == b"data"
    s3.rules.offset = 3601
    refused = requests.get(url, timeout=10)
    assert refused.status_code == 403 and b"Request has expired" in refused.content


def test_media_expiry_follows_the_setting(s3, settings, monkeypatch):
    configure_s3(monkeypatch, settings, s3.endpoint, MEDIA_URL_EXPIRY_SECONDS="60")
    name = default_storage.save(unique("short.txt"), ContentFile(b"data"))
    url = media_url(name)
    s3.rules.offset = 61
    assert "X-Amz-Expires=60&" in url and requests.get(url, timeout=10).status_code == 403


def test_media_without_a_signature_is_not_served_by_a_plain_link(s3):
    name = default_storage.save(unique("private.txt"), ContentFile(b"secret"))
    tampered = re.sub(r"X-Amz-Signature=[0-9a-f]+", "X-Amz-Signature=" + "0" * 64, media_url(name))
    assert requests.get(tampered, timeout=10).status_code == 403


def test_media_redirect_downloads_under_the_given_name(s3):
    name = default_storage.save(unique("0b1c.tsv"), ContentFile(b"data"))
    response = media_redirect(name, download_name="Panel 42 genes.tsv")
    assert response.status_code == 302
    downloaded = requests.get(response["Location"], timeout=10)
    assert downloaded.status_code == 200
    assert downloaded.headers["Content-Disposition"] == 'attachment; filename="Panel 42 genes.tsv"'


# --- Media from a worker task -----------------------------------------------------


@task
def uppercase_copy(name: str) -> str:
    """Reads a media file and writes a derived one: what import/export tasks do."""
    with default_storage.open(name) as source:
        text = source.read().decode()
    return default_storage.save(name.replace(".txt", ".upper.txt"), ContentFile(text.upper().encode()))


@pytest.mark.django_db(transaction=True)
def test_a_media_file_saved_by_the_web_is_read_and_written_by_the_worker(s3, settings, lambda_context):
    settings.TASK_MODULES = [__name__]
    name = default_storage.save(unique("notes.txt"), ContentFile(b"brca1 and brca2"))
    event = load_event("sqs_batch.json")
    record = event["Records"][0]
    body = json.loads(record["body"])
    body.update(id=uuid.uuid4().hex, task=uppercase_copy.module_path, args=[name], kwargs={})
    event["Records"] = [{**record, "body": json.dumps(body)}]

    response = load_function("worker").lambda_handler(event, lambda_context)

    assert response == {"batchItemFailures": []}
    derived = name.replace(".txt", ".upper.txt")
    assert s3.client.get_object(Bucket=MEDIA_BUCKET, Key=f"media/{derived}")["Body"].read() == b"BRCA1 AND BRCA2"


# --- Credentials ------------------------------------------------------------------


def test_storages_carry_no_credentials_so_boto3_uses_the_lambda_role(s3, settings):
    for alias in ("default", "staticfiles"):
        options = settings.STORAGES[alias]["OPTIONS"]
        assert not {"access_key", "secret_key", "security_token", "session_profile"} & set(options)
