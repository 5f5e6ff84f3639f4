"""SnapStart: the hooks are registered by the web function and do what they say."""

import json
import os
import random
import subprocess
import sys
import tempfile
import textwrap

import pytest
from django.db import connection
from serverless import snapstart
from serverless.tasks import sqs

from tests.conftest import ROOT

# The Lambda runtime's module, standing in: it records what is registered.
FAKE_RUNTIME = textwrap.dedent(
    """
    registered = []
    def register_before_snapshot(hook): registered.append(("before_snapshot", hook.__module__, hook.__name__))
    def register_after_restore(hook): registered.append(("after_restore", hook.__module__, hook.__name__))
    """
)

PROBE = """
import json, sys
sys.path[:0] = ["shared", "functions/web"]
import app, snapshot_restore_py
print(json.dumps(snapshot_restore_py.registered))
"""


def test_the_web_function_registers_both_hooks_with_the_runtime(tmp_path):
    (tmp_path / "snapshot_restore_py.py").write_text(FAKE_RUNTIME)
    environ = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environ, capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        ["before_snapshot", "serverless.snapstart", "before_snapshot"],
        ["after_restore", "serverless.snapstart", "after_restore"],
    ]


def test_outside_lambda_nothing_is_registered():
    assert snapstart.register() is False


@pytest.mark.django_db(transaction=True)
def test_before_snapshot_closes_database_connections():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert connection.connection is not None

    snapstart.before_snapshot()

    assert connection.connection is None


def test_before_snapshot_drops_cached_aws_clients(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    sqs.client(region="eu-west-2")
    assert sqs.client.cache_info().currsize == 1

    snapstart.before_snapshot()

    assert sqs.client.cache_info().currsize == 0


def test_before_snapshot_drops_storage_objects():
    from django.core.files.storage import default_storage, storages

    default_storage.exists("anything")  # made and cached
    assert storages._storages

    snapstart.before_snapshot()

    assert storages._storages == {}


def test_after_restore_gives_each_environment_its_own_random_sequence():
    random.seed(1234)  # what every environment restored from one snapshot would share
    shared = random.random()  # noqa: S311 (not cryptographic: the point is the shared state)
    random.seed(1234)

    snapstart.after_restore()

    assert random.random() != shared  # noqa: S311


def test_after_restore_renews_temporary_file_names():
    tempfile._get_candidate_names()
    snapstart.after_restore()
    assert tempfile._name_sequence is None


def test_after_restore_refreshes_the_secrets(monkeypatch):
    refreshed = []
    monkeypatch.setattr("serverless.secrets.refresh_secrets", lambda **kwargs: refreshed.append(True) or [])

    snapstart.after_restore()

    assert refreshed == [True]


def test_after_restore_keeps_serving_when_the_secrets_cannot_be_read(monkeypatch, caplog):
    from serverless.secrets import SecretUnavailable

    def unreachable(**kwargs):
        raise SecretUnavailable("could not read secret arn:...: timed out")

    monkeypatch.setattr("serverless.secrets.refresh_secrets", unreachable)

    snapstart.after_restore()

    assert "keeping the snapshot's" in caplog.text


def test_after_restore_keeps_the_snapshots_secrets_when_secrets_manager_hangs(monkeypatch, caplog):
    """Restored: no keys, only the container credentials provider, and a Secrets Manager that never answers."""
    import socket
    import threading
    import time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from serverless import secrets

    class CredentialsProvider(BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({"AccessKeyId": "ASIA", "SecretAccessKey": "s", "Token": "t"}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    provider = ThreadingHTTPServer(("127.0.0.1", 0), CredentialsProvider)
    threading.Thread(target=provider.serve_forever, daemon=True).start()
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", f"http://127.0.0.1:{provider.server_port}/creds")
    monkeypatch.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "token")
    monkeypatch.setenv("AWS_REGION", "eu-west-2")
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{silent.getsockname()[1]}")
    monkeypatch.setenv("APP_SECRET_ARN", "arn:aws:secretsmanager:eu-west-2:123456789012:secret:app")
    monkeypatch.setenv("HEALTH_CHECK_TOKEN", "from-the-snapshot")
    monkeypatch.setattr(secrets, "_loaded", {"HEALTH_CHECK_TOKEN": "from-the-snapshot"})
    monkeypatch.setattr(snapstart, "RESTORE_SECRETS_BUDGET_SECONDS", 1.0)
    started = time.monotonic()
    try:
        snapstart.after_restore()
    finally:
        provider.shutdown()
        silent.close()

    assert time.monotonic() - started < 2  # well inside the 10 s Lambda gives the restore hooks
    assert os.environ["HEALTH_CHECK_TOKEN"] == "from-the-snapshot"
    assert "keeping the snapshot's: SecretUnavailable" in caplog.text


def test_after_restore_survives_any_failure_of_the_refresh(monkeypatch, caplog):
    def broken(**kwargs):
        raise KeyError("SecretString")  # e.g. a secret stored as binary

    monkeypatch.setattr("serverless.secrets.refresh_secrets", broken)

    snapstart.after_restore()

    assert "keeping the snapshot's: KeyError" in caplog.text
