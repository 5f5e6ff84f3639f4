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


# --- An environment restored from a SnapStart snapshot: no keys in the environment ---

RESTORED_CREDENTIALS = {"AccessKeyId": "ASIARESTORED", "SecretAccessKey": "restored-secret", "Token": "restored-token"}


def serve(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class CredentialsProvider(BaseHTTPRequestHandler):
    """Lambda's container credentials endpoint: temporary credentials for the bearer of its token."""

    asked: list[str] = []

    def do_GET(self):
        self.asked.append(self.headers.get("Authorization", ""))
        if self.headers.get("Authorization") != "container-token":
            self.send_response(403)
            self.end_headers()
            return
        body = json.dumps({**RESTORED_CREDENTIALS, "Expiration": "2099-01-01T00:00:00Z"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def credentials_provider():
    CredentialsProvider.asked = []
    server = serve(CredentialsProvider)
    yield f"http://127.0.0.1:{server.server_port}/2018-06-01/credentials"
    server.shutdown()


def restored_environ(credentials_url: str, endpoint_url: str, **names: str) -> dict[str, str]:
    """What a restored function's environment holds: a credentials endpoint and its token, no keys."""
    return {
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": credentials_url,
        "AWS_CONTAINER_AUTHORIZATION_TOKEN": "container-token",
        "AWS_REGION": "eu-west-2",
        "AWS_ENDPOINT_URL": endpoint_url,
        **names,
    }


def test_a_restored_environment_reads_secrets_with_the_container_credentials(
    secrets_manager, app_secret, credentials_provider
):
    environ = restored_environ(credentials_provider, secrets_manager.meta.endpoint_url, APP_SECRET_ARN=app_secret)

    secrets.load_secrets(environ)

    assert environ["HEALTH_CHECK_TOKEN"] == "first"
    assert CredentialsProvider.asked == ["container-token"]


def test_the_signed_call_uses_the_container_credentials():
    class SecretsManagerEcho(BaseHTTPRequestHandler):
        seen: dict[str, str] = {}

        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            SecretsManagerEcho.seen = dict(self.headers)
            body = json.dumps({"SecretString": json.dumps({"HEALTH_CHECK_TOKEN": "x"})}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    CredentialsProvider.asked = []
    provider, endpoint = serve(CredentialsProvider), serve(SecretsManagerEcho)
    try:
        secrets.fetch_secret(
            "arn:aws:secretsmanager:eu-west-2:123456789012:secret:app",
            restored_environ(
                f"http://127.0.0.1:{provider.server_port}/creds", f"http://127.0.0.1:{endpoint.server_port}"
            ),
        )
    finally:
        provider.shutdown()
        endpoint.shutdown()
    assert "Credential=ASIARESTORED/" in SecretsManagerEcho.seen["authorization"]
    assert SecretsManagerEcho.seen["x-amz-security-token"] == "restored-token"


def test_a_refused_credentials_token_is_a_secret_unavailable(credentials_provider, secrets_manager):
    environ = restored_environ(
        credentials_provider, secrets_manager.meta.endpoint_url, AWS_CONTAINER_AUTHORIZATION_TOKEN="stale"
    )

    with pytest.raises(secrets.SecretUnavailable, match="HTTP 403"):
        secrets.fetch_secret("arn:aws:secretsmanager:eu-west-2:123456789012:secret:app", environ)


@pytest.fixture
def silent_endpoint():
    """A Secrets Manager that accepts connections and never answers."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()


def test_a_secrets_manager_that_never_answers_is_given_up_on_within_the_budget(credentials_provider, silent_endpoint):
    environ = restored_environ(credentials_provider, silent_endpoint)
    started = time.monotonic()

    with pytest.raises(secrets.SecretUnavailable, match="timed out"):
        secrets.fetch_secret("arn:aws:secretsmanager:eu-west-2:123456789012:secret:app", environ, budget=1.0)

    assert time.monotonic() - started < 2


def test_a_secrets_manager_error_is_tried_twice_then_a_secret_unavailable(credentials_provider):
    class Failing(BaseHTTPRequestHandler):
        calls = 0

        def do_POST(self):
            Failing.calls += 1
            body = json.dumps({"__type": "InternalServiceError", "message": "try later"}).encode()
            self.send_response(500)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = serve(Failing)
    try:
        with pytest.raises(secrets.SecretUnavailable, match="HTTP 500 InternalServiceError"):
            secrets.fetch_secret(
                "arn:aws:secretsmanager:eu-west-2:123456789012:secret:app",
                restored_environ(credentials_provider, f"http://127.0.0.1:{server.server_port}"),
            )
    finally:
        server.shutdown()
    assert Failing.calls == secrets.ATTEMPTS


def test_without_any_credentials_the_boto3_fallback_fails_as_secret_unavailable(monkeypatch, silent_endpoint):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-2")
    monkeypatch.setenv("AWS_ENDPOINT_URL", silent_endpoint)
    import boto3

    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)  # an earlier test's session keeps its credentials

    with pytest.raises(secrets.SecretUnavailable, match="NoCredentialsError"):
        secrets.fetch_secret("arn:aws:secretsmanager:eu-west-2:123456789012:secret:app", {})


def test_the_boto3_fallback_gives_up_on_a_silent_endpoint_within_its_limits(monkeypatch, silent_endpoint):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-2")
    monkeypatch.setenv("AWS_ENDPOINT_URL", silent_endpoint)
    started = time.monotonic()

    with pytest.raises(secrets.SecretUnavailable, match="ReadTimeoutError"):
        # An empty environment mapping: no credentials seen here, so boto3's own chain (the process's).
        secrets.fetch_secret("arn:aws:secretsmanager:eu-west-2:123456789012:secret:app", {}, budget=0.5)

    assert time.monotonic() - started < 3
