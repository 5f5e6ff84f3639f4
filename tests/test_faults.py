"""Faults outside the application: each page and endpoint degrades as promised, within the web function's timeout.

* S3 unreachable: pages still render (static names from the build's manifest,
  or the unhashed copies); confirming an upload is a JSON 503.
* SQS unreachable: the admin's "run again" says so in a message.
* PostgreSQL unreachable, or its connection killed while the container is
  warm: 503 with ``Retry-After`` in the site's look (HTML) or JSON (API), and
  the next request after a kill simply reconnects.

Requests go through the real web handler as ALB events where the event shape matters.
"""

import json
import time

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.core.handlers.exception import convert_exception_to_response
from django.db import OperationalError, connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import include, path, reverse
from django.utils import timezone
from serverless.middleware import EdgeMiddleware
from serverless.models import TaskRecord
from serverless.storage.manifest import build_manifest
from serverless.tasks import sqs as sqs_module
from uploads.models import Upload

from tests.conftest import load_event, load_function
from tests.test_storage_emulator import configure_s3
from tests.test_tasks_app import sqs_tasks_settings

# Nothing listens on port 1 of loopback: exactly what a stopped service looks like.
DEAD_ENDPOINT = "http://127.0.0.1:1"
# The web function's timeout (template.yaml): every answer must come well within it.
WEB_TIMEOUT_SECONDS = 30


@pytest.fixture(scope="module")
def web():
    return load_function("web")


@pytest.fixture
def s3_down(settings, monkeypatch):
    """USE_S3=TRUE with the endpoint dead, in a fresh container (no storage instance yet)."""
    configure_s3(monkeypatch, settings, DEAD_ENDPOINT)
    settings.STATIC_MANIFEST_FILE = None


@pytest.fixture
def sqs_down(settings, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    settings.AWS_ENDPOINT_URL = DEAD_ENDPOINT
    settings.TASKS = sqs_tasks_settings(f"{DEAD_ENDPOINT}/123456789012/panelapp")
    sqs_module.client.cache_clear()
    yield
    sqs_module.client.cache_clear()


@pytest.fixture
def database_down(monkeypatch):
    """The database server stops: the open connection is closed and new ones are refused."""
    if connection.vendor != "postgresql":
        pytest.skip("only a database server can be stopped")
    connection.close()
    monkeypatch.setitem(connection.settings_dict, "HOST", "127.0.0.1")
    monkeypatch.setitem(connection.settings_dict, "PORT", "1")
    yield
    connection.close()


def page(path: str, *, accept: str = "text/html") -> dict:
    event = load_event("alb_get_multivalue.json")
    event["path"] = path
    event["multiValueQueryStringParameters"] = {}
    event["multiValueHeaders"]["accept"] = [accept]
    del event["multiValueHeaders"]["accept-encoding"]  # the page's text, not gzip, is what these tests read
    return event


def answer(web, event, lambda_context) -> tuple[dict, float]:
    started = time.monotonic()
    response = web.lambda_handler(event, lambda_context)
    return response, time.monotonic() - started


# --- S3 unreachable ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/", "/panels/", "/accounts/login/"])
def test_a_cold_container_with_s3_down_still_renders_pages_linking_unhashed_static_files(
    web, lambda_context, s3_down, path
):
    response, seconds = answer(web, page(path), lambda_context)
    assert response["statusCode"] == 200
    assert "/static/panelapp/site.css" in response["body"]
    assert seconds < WEB_TIMEOUT_SECONDS


@pytest.mark.django_db(transaction=True)
def test_with_the_manifest_in_the_build_pages_link_hashed_names_without_asking_s3(
    web, lambda_context, s3_down, settings, tmp_path
):
    manifest = json.loads(build_manifest(tmp_path / "staticfiles.json").read_text())
    settings.STATIC_MANIFEST_FILE = tmp_path / "staticfiles.json"

    response, seconds = answer(web, page("/"), lambda_context)

    assert response["statusCode"] == 200
    assert "/static/" + manifest["paths"]["panelapp/site.css"] in response["body"]
    assert seconds < 2  # no S3 request at all


@pytest.mark.django_db
def test_confirming_an_upload_while_s3_is_down_is_a_json_503_that_can_be_repeated(client, s3_down):
    user = get_user_model().objects.create_user("uploader")
    client.force_login(user)
    upload = Upload.objects.create(
        owner=user, name="uploads/1/abc/panel.tsv", original_name="panel.tsv", content_type="text/csv", max_size=9
    )

    started = time.monotonic()
    response = client.post(f"/uploads/{upload.pk}/confirm/")

    assert response.status_code == 503
    assert response["Retry-After"]
    assert response.json() == {"error": "File storage cannot be reached just now; try again in a moment."}
    assert Upload.objects.get(pk=upload.pk).confirmed is False
    assert time.monotonic() - started < WEB_TIMEOUT_SECONDS


# --- SQS unreachable ---------------------------------------------------------------------


@pytest.mark.django_db
def test_run_again_with_the_queue_down_says_so_and_leaves_no_record(admin_client, sqs_down):
    TaskRecord.objects.create(
        id="a" * 32,
        task_path="serverless.tasks.maintenance.clear_sessions",
        queue_name="default",
        backend="default",
        enqueued_at=timezone.now(),
    )
    changelist = reverse("admin:serverless_taskrecord_changelist")

    started = time.monotonic()
    response = admin_client.post(changelist, {"action": "enqueue_again", "_selected_action": ["a" * 32]}, follow=True)

    assert response.status_code == 200
    assert "The task queue cannot be reached just now" in response.content.decode()
    assert TaskRecord.objects.count() == 1  # the failed send left no READY row behind
    assert time.monotonic() - started < WEB_TIMEOUT_SECONDS


# --- PostgreSQL unreachable --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/panels/", "/panels/1/"])
def test_with_the_database_down_a_page_is_a_503_in_the_site_s_look(web, lambda_context, database_down, path, settings):
    response, seconds = answer(web, page(path), lambda_context)

    assert response["statusCode"] == 503
    headers = response["multiValueHeaders"]
    assert headers["Retry-After"] == [str(settings.DATABASE_UNAVAILABLE_RETRY_AFTER)]
    assert headers["Content-Type"] == ["text/html; charset=utf-8"]
    assert "<h1>Back in a moment</h1>" in response["body"]
    assert 'class="brand">PanelApp</a>' in response["body"] and "panelapp/site" in response["body"]
    assert "Traceback" not in response["body"] and "OperationalError" not in response["body"]
    assert seconds < WEB_TIMEOUT_SECONDS


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/accounts/login/", "/version/", "/healthz"])
def test_with_the_database_down_pages_that_need_no_database_still_answer(web, lambda_context, database_down, path):
    response, _ = answer(web, page(path), lambda_context)
    assert response["statusCode"] == 200


@pytest.mark.django_db(transaction=True)
def test_with_the_database_down_the_api_is_a_json_503(web, lambda_context, database_down):
    response, _ = answer(web, page("/api/v1/panels/", accept="application/json"), lambda_context)

    assert response["statusCode"] == 503
    assert response["multiValueHeaders"]["Content-Type"] == ["application/json"]
    assert "Retry-After" in response["multiValueHeaders"]
    assert json.loads(response["body"])["detail"].startswith("PanelApp cannot reach its database")


@pytest.mark.django_db(transaction=True)
def test_with_a_signed_in_user_and_the_database_down_the_session_lookup_is_a_503(client, database_down):
    client.cookies["sessionid"] = "a" * 32
    response = client.get("/panels/")
    assert response.status_code == 503


@pytest.mark.django_db(transaction=True)
def test_a_silent_database_host_is_a_503_within_its_connect_timeout(web, lambda_context, database_down, monkeypatch):
    # An address nobody answers (TEST-NET-1): the connect attempt waits, then gives up.
    monkeypatch.setitem(connection.settings_dict, "HOST", "192.0.2.1")
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", {"connect_timeout": 2})

    response, seconds = answer(web, page("/panels/"), lambda_context)

    assert response["statusCode"] == 503
    assert seconds < 2 + 3


@pytest.mark.django_db
def test_a_database_error_raised_outside_a_view_is_a_503_too():
    """A middleware's own query (e.g. saving the session) fails after the view: still 503, not 500."""

    def failing_middleware(request):
        raise OperationalError("server closed the connection unexpectedly")

    edge = EdgeMiddleware(convert_exception_to_response(failing_middleware))
    response = edge(RequestFactory().get("/panels/"))

    assert response.status_code == 503
    assert response["Retry-After"]


def test_other_errors_stay_500s():
    def failing_middleware(request):
        raise RuntimeError("a bug")

    edge = EdgeMiddleware(convert_exception_to_response(failing_middleware))
    assert edge(RequestFactory().get("/panels/")).status_code == 500


# --- A connection killed while the container is warm -------------------------------------


def kill(backend_pid: int) -> None:
    """Terminate one server process from outside, as a failover or the proxy's idle timeout would."""
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        dbname="postgres",
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [backend_pid])


@pytest.mark.django_db(transaction=True)
def test_a_connection_killed_between_requests_is_replaced_on_the_next_one(web, lambda_context, settings):
    assert web.lambda_handler(page("/panels/"), lambda_context)["statusCode"] == 200
    connection.ensure_connection()
    kill(connection.connection.info.backend_pid)

    response, seconds = answer(web, page("/panels/"), lambda_context)

    assert response["statusCode"] == 200
    assert seconds < WEB_TIMEOUT_SECONDS


def killed_mid_request(request):
    """A view whose connection dies under it: a failover, or the proxy dropping it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
    return HttpResponse("unreachable")


urlpatterns = [path("killed/", killed_mid_request), path("", include("panelapp.urls"))]


@pytest.mark.django_db(transaction=True)
def test_a_connection_killed_mid_request_is_a_503_and_the_next_request_recovers(web, lambda_context, settings):
    settings.ROOT_URLCONF = __name__
    response, _ = answer(web, page("/killed/"), lambda_context)
    assert response["statusCode"] == 503
    assert "Retry-After" in response["multiValueHeaders"]

    assert web.lambda_handler(page("/panels/"), lambda_context)["statusCode"] == 200


# --- The manifest shipped in the build is the one collectstatic writes to the bucket ---------


def test_the_built_manifest_names_the_same_hashed_files_as_collectstatic_on_s3(s3, settings, tmp_path):
    from django.core.management import call_command

    from tests.test_storage_emulator import STATIC_BUCKET

    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    call_command("collectstatic", interactive=False, verbosity=0)
    in_bucket = json.loads(s3.client.get_object(Bucket=STATIC_BUCKET, Key="static/staticfiles.json")["Body"].read())

    built = json.loads(build_manifest(tmp_path / "staticfiles.json").read_text())

    assert built["paths"] == in_bucket["paths"]
    assert "panelapp/site.css" in built["paths"]
