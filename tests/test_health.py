"""/health_check/ (token, deep checks), /healthz (liveness) and /version/."""

import pytest
from django.db import connection
from serverless import health

TOKEN = "test-health-token"


@pytest.mark.smoke
@pytest.mark.django_db
def test_health_check_with_the_token_header_reports_every_check_ok(client):
    response = client.get("/health_check/", headers={"X-Health-Check-Token": TOKEN})
    assert response.status_code == 200
    assert response.json() == {"database": "OK", "storage": "OK", "queue": "OK", "email": "OK", "maintenance": "OK"}


@pytest.mark.django_db
def test_health_check_accepts_the_token_as_a_query_parameter(client):
    assert client.get("/health_check/", {"token": TOKEN}).status_code == 200


@pytest.mark.smoke
@pytest.mark.parametrize("query", [{}, {"token": "wrong"}, {"token": ""}])
def test_health_check_without_the_right_token_is_403_with_no_details(client, query):
    response = client.get("/health_check/", query)
    assert response.status_code == 403
    assert response.json() == {"detail": "Forbidden"}


def test_health_check_is_closed_when_no_token_is_configured(client, settings):
    settings.HEALTH_CHECK_TOKEN = ""
    assert client.get("/health_check/", {"token": ""}).status_code == 403


def test_token_comparison_is_constant_time(monkeypatch, rf):
    calls = []
    monkeypatch.setattr(health.hmac, "compare_digest", lambda a, b: calls.append((a, b)) or a == b)
    assert health.token_is_valid(rf.get("/health_check/", {"token": TOKEN}))
    assert calls == [(TOKEN.encode(), TOKEN.encode())]


@pytest.mark.django_db
def test_maintenance_switch_makes_the_health_check_fail(client, settings):
    settings.MAINTENANCE_MODE = True
    response = client.get("/health_check/", {"token": TOKEN})
    assert response.status_code == 500
    assert response.json()["maintenance"] == "Maintenance"


@pytest.mark.django_db(transaction=True)
def test_a_stopped_database_reports_error_and_503_not_an_exception(client, monkeypatch, settings):
    if connection.vendor != "postgresql":
        pytest.skip("only a database server can be stopped")
    connection.close()
    # Nothing listens on port 1: exactly what a stopped database looks like.
    monkeypatch.setitem(connection.settings_dict, "PORT", "1")
    monkeypatch.setitem(connection.settings_dict, "HOST", "127.0.0.1")
    try:
        response = client.get("/health_check/", {"token": TOKEN})
    finally:
        connection.close()
    assert response.status_code == 503
    assert response["Retry-After"] == str(settings.DATABASE_UNAVAILABLE_RETRY_AFTER)
    assert response.json()["database"] == "Error"
    assert response.json()["storage"] == "OK"


def test_a_broken_mail_server_reports_error(client, settings):
    settings.MAILERS = {
        "transport": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 1, "timeout": 2},
        }
    }
    results = health.run_checks({"email": health.check_email})
    assert results == {"email": "Error"}


@pytest.mark.smoke
def test_liveness_probe_answers_without_token_or_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"OK"


@pytest.mark.smoke
def test_version_is_served(client):
    from panelapp import __version__

    assert client.get("/version/").json() == {"version": __version__}


@pytest.mark.django_db
def test_admin_is_served_at_the_configured_url(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert b"csrfmiddlewaretoken" in response.content


def test_admin_moves_to_django_admin_url():
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    probe = "import django; django.setup(); from django.urls import reverse; print(reverse('admin:index'))"
    environ = {**os.environ, "DJANGO_ADMIN_URL": "/curation-7f3a/", "PYTHONPATH": str(ROOT / "shared")}
    environ.setdefault("DJANGO_SETTINGS_MODULE", "panelapp.settings")
    result = subprocess.run([sys.executable, "-c", probe], env=environ, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "/curation-7f3a/"


# --- The mail path: Amazon SES's API (the deployed default) ---------------------------------


@pytest.fixture
def ses_transport(settings, monkeypatch):
    from moto import mock_aws

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    settings.AWS_ENDPOINT_URL = None
    settings.MAILERS = {"transport": {"BACKEND": "serverless.tasks.ses.EmailBackend"}}
    with mock_aws():
        yield settings


def test_a_working_ses_api_path_reports_ok(ses_transport):
    assert health.run_checks({"email": health.check_email}) == {"email": "OK"}


def test_an_unreachable_ses_api_reports_error_within_the_client_timeouts(ses_transport, unreachable_endpoint):
    import time

    ses_transport.AWS_ENDPOINT_URL = unreachable_endpoint
    started = time.monotonic()
    assert health.run_checks({"email": health.check_email}) == {"email": "Error"}
    assert time.monotonic() - started < 25  # within the web function's 30 s


def test_an_exhausted_ses_sending_quota_reports_error(ses_transport):
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    # The sandbox's 200 messages a day, all sent: every send_email task would now fail.
    ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-2"].sent_message_count = 200
    assert health.run_checks({"email": health.check_email}) == {"email": "Error"}


@pytest.fixture
def unreachable_endpoint():
    """A port nobody listens on: every connection is refused at once."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
