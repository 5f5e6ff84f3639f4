"""Test set-up: real PostgreSQL by default, SQLite for the smoke run.

``DATABASE_URL`` picks the database; ``make test`` runs the whole suite on
PostgreSQL and the ``smoke`` subset again on SQLite (the embedded default).
"""

import json
import os
import runpy
import secrets
from pathlib import Path
from typing import Any

import pytest
from serverless.local import load_function  # noqa: F401 (tests import it from here)

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
SETTINGS_FILE = ROOT / "shared" / "panelapp" / "settings.py"

# What the settings module reads: these names and families. Credentials stay,
# so moto (or a developer's own) keep working while settings are evaluated.
SETTINGS_NAMES = {
    "SECRET_KEY", "ALLOWED_HOSTS", "PANEL_APP_BASE_URL", "HEALTH_CHECK_TOKEN", "DEFAULT_FROM_EMAIL",
    "PANEL_APP_EMAIL", "APP_SECRET_ARN", "USE_S3", "USE_SQS", "STATIC_ROOT", "MEDIA_ROOT", "MAINTENANCE_MODE",
    "CSRF_TRUSTED_ORIGINS", "TRUSTED_PROXY_COUNT", "REGISTRATION_RATE",
}  # fmt: skip
SETTINGS_FAMILIES = (
    "AWS_", "DATABASE_", "EMAIL_", "TASK_", "UPLOAD_", "SECURE_", "DJANGO_", "MEDIA_", "SQS_",
    "LOGIN_FAILURE_", "API_THROTTLE_",
)  # fmt: skip
KEPT = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "DJANGO_SETTINGS_MODULE"}

# Names this run's PostgreSQL databases, so two runs on one server never drop
# each other's (pytest-django would otherwise use test_<name> for both).
RUN_ID = os.environ.setdefault("PANELAPP_TEST_RUN_ID", secrets.token_hex(4))


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


class FakeLambdaContext:
    function_name = "panelapp-WebFunction"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:eu-west-2:123456789012:function:panelapp-WebFunction"
    memory_limit_in_mb = 1024
    aws_request_id = "6f1c2a4e-1b2c-4d5e-8f90-a1b2c3d4e5f6"
    log_group_name = "/aws/lambda/panelapp-WebFunction"
    log_stream_name = "2026/11/22/[$LATEST]0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


@pytest.fixture
def load_settings(monkeypatch):
    """Evaluate the settings module afresh under exactly the given environment."""

    def load(**environ: str) -> dict:
        for name in list(os.environ):
            if name not in KEPT and (name in SETTINGS_NAMES or name.startswith(SETTINGS_FAMILIES)):
                monkeypatch.delenv(name)
        for name, value in environ.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(SETTINGS_FILE))

    return load


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """A test database of this run's own: ``test_<name>_<run id>``, dropped at the end."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.postgresql":
        database.setdefault("TEST", {})["NAME"] = f"test_{database['NAME']}_{RUN_ID}"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Run the test database in UTC, as the Aurora parameter group does; leave no connection behind."""
    from django.db import connection

    if connection.vendor != "postgresql":
        yield
        return
    name = connection.settings_dict["NAME"]
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER DATABASE {name} SET timezone TO 'UTC'")
        connection.close()
    yield
    # Threads of the served site and of the thread task backend may still hold
    # connections; end them so the test database can be dropped, not left behind.
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )


@pytest.fixture(autouse=True)
def deployed_hosts(settings):
    """The hostnames the sample events carry, and a health-check token."""
    settings.ALLOWED_HOSTS = ["testserver", "localhost", ".elb.amazonaws.com", ".execute-api.eu-west-2.amazonaws.com"]
    settings.HEALTH_CHECK_TOKEN = "test-health-token"


@pytest.fixture(scope="module")
def s3_server():
    """An S3 emulator on loopback that checks signatures, expiry and POST policies."""
    from tests.test_storage_emulator import s3_emulator

    with s3_emulator() as server:
        yield server


@pytest.fixture
def s3(s3_server, settings, monkeypatch):
    """Settings pointed at the emulator, with the static and media buckets created."""
    from tests.test_storage_emulator import use_s3

    return use_s3(s3_server, settings, monkeypatch)


def pytest_report_header(config):
    from django.db import connection

    return f"database: {connection.vendor} {connection.settings_dict['NAME']}"


@pytest.fixture(autouse=True)
def no_export_rebuilds(settings):
    """Panel changes queue a rebuild of the all-panels exports; only the tests of that turn it on."""
    settings.PANEL_EXPORTS_REBUILD_ON_CHANGE = False


@pytest.fixture(scope="module")
def secrets_manager():
    """A boto3 Secrets Manager client on a moto server: the app reads secrets over HTTP, as on Lambda."""
    import socket

    import boto3
    from moto.server import ThreadedMotoServer

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield boto3.client(
        "secretsmanager",
        region_name="eu-west-2",
        endpoint_url=f"http://127.0.0.1:{port}",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    server.stop()
