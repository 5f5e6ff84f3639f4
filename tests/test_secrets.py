"""Secrets by reference, read without boto3: SigV4 over HTTPS, or the Parameters and Secrets extension."""

import json
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from serverless import secrets

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "eu-west-2"}


@pytest.fixture
def app_secret(secrets_manager) -> str:
    value = {"SECRET_KEY": "k" * 50, "HEALTH_CHECK_TOKEN": "first"}
    # A name of its own: the moto server outlives each test, and id() values are reused.
    return secrets_manager.create_secret(Name=f"app-{uuid.uuid4().hex}", SecretString=json.dumps(value))["ARN"]


def lambda_environ(secrets_manager, **names: str) -> dict[str, str]:
    return {**CREDENTIALS, "AWS_ENDPOINT_URL": secrets_manager.meta.endpoint_url, **names}


def test_the_signature_is_the_one_botocore_computes():
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    url, body, now = "https://secretsmanager.eu-west-2.amazonaws.com/", b'{"SecretId": "x"}', datetime.now(UTC)
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "secretsmanager.GetSecretValue"}
    ours = secrets.sigv4_headers(
        url=url,
        body=body,
        headers=headers,
        region="eu-west-2",
        service="secretsmanager",
        access_key="AKID",
        secret_key="SECRET",
        session_token="TOKEN",
        now=now,
    )
    request = AWSRequest("POST", url, data=body, headers={**headers, "X-Amz-Date": ours["x-amz-date"]})
    signer = SigV4Auth(Credentials("AKID", "SECRET", "TOKEN"), "secretsmanager", "eu-west-2")
    signer._timestamp = lambda: ours["x-amz-date"]  # the same instant for both
    signer.add_auth(request)
    assert ours["authorization"] == request.headers["Authorization"]


def test_a_secret_is_read_with_the_runtime_credentials(secrets_manager, app_secret):
    environ = lambda_environ(secrets_manager, APP_SECRET_ARN=app_secret)

    secrets.load_secrets(environ)

    assert environ["HEALTH_CHECK_TOKEN"] == "first"


def test_an_explicit_variable_wins_over_the_secret(secrets_manager, app_secret):
    environ = lambda_environ(secrets_manager, APP_SECRET_ARN=app_secret, HEALTH_CHECK_TOKEN="explicit")

    secrets.load_secrets(environ)

    assert environ["HEALTH_CHECK_TOKEN"] == "explicit"


def test_a_missing_secret_is_a_clear_error_naming_it_and_no_value(secrets_manager):
    missing = "arn:aws:secretsmanager:eu-west-2:123456789012:secret:nothing-here"

    with pytest.raises(secrets.SecretUnavailable, match=r"nothing-here.*ResourceNotFoundException"):
        secrets.load_secrets(lambda_environ(secrets_manager, APP_SECRET_ARN=missing))


def test_a_refresh_applies_a_rotated_value_to_the_running_process(secrets_manager, app_secret, settings):
    environ = lambda_environ(secrets_manager, APP_SECRET_ARN=app_secret)
    secrets.load_secrets(environ)
    settings.SECRET_KEY, settings.HEALTH_CHECK_TOKEN = environ["SECRET_KEY"], environ["HEALTH_CHECK_TOKEN"]
    settings.SECRET_KEY_FALLBACKS = []  # set through the fixture, so restored after the test
    secrets_manager.put_secret_value(
        SecretId=app_secret, SecretString=json.dumps({"SECRET_KEY": "n" * 50, "HEALTH_CHECK_TOKEN": "second"})
    )

    changed = secrets.refresh_secrets(environ)

    assert sorted(changed) == ["HEALTH_CHECK_TOKEN", "SECRET_KEY"]
    assert settings.HEALTH_CHECK_TOKEN == "second"
    assert settings.SECRET_KEY == "n" * 50
    assert "k" * 50 in settings.SECRET_KEY_FALLBACKS  # what the old key signed stays valid


class ExtensionStub(BaseHTTPRequestHandler):
    """The AWS Parameters and Secrets Lambda Extension's HTTP interface, for one secret."""

    def do_GET(self):
        if self.headers.get("X-Aws-Parameters-Secrets-Token") != "session-token":
            self.send_response(401)
            self.end_headers()
            return
        body = json.dumps({"SecretString": json.dumps({"HEALTH_CHECK_TOKEN": "via-extension"})}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_the_lambda_extension_is_used_when_its_port_is_set():
    server = ThreadingHTTPServer(("127.0.0.1", 0), ExtensionStub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    environ = {
        "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": str(server.server_port),
        "AWS_SESSION_TOKEN": "session-token",
        "APP_SECRET_ARN": "arn:aws:secretsmanager:eu-west-2:123456789012:secret:app",
    }
    try:
        secrets.load_secrets(environ)
    finally:
        server.shutdown()
    assert environ["HEALTH_CHECK_TOKEN"] == "via-extension"


@pytest.mark.parametrize(("age", "refreshed"), [(61, True), (59, False)])
def test_a_request_refreshes_secrets_once_they_are_older_than_their_max_age(
    client, settings, monkeypatch, age, refreshed
):
    settings.SECRETS_MAX_AGE_SECONDS = 60
    monkeypatch.setattr(secrets, "_loaded", {"HEALTH_CHECK_TOKEN": "from-secret"})
    monkeypatch.setattr(secrets, "_loaded_at", time.monotonic() - age)
    calls = []
    monkeypatch.setattr(secrets, "refresh_secrets", lambda: calls.append("refresh") or [])

    assert client.get("/version/").status_code == 200

    assert calls == (["refresh"] if refreshed else [])
