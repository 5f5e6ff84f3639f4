"""Outbound AWS calls give up in time: one botocore Config (serverless.clients) for every client.

A stalled endpoint (it accepts the connection and never answers) stands in for a
hung S3 or SQS call; botocore's defaults would wait 60 s per read and retry up to
five times.
"""

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from botocore.exceptions import ReadTimeoutError
from serverless import clients

from tests.test_settings import DEPLOYED_ENV


@pytest.fixture
def stalled_endpoint() -> Iterator[str]:
    """An HTTP endpoint that accepts connections, reads the request and never answers."""
    server = socket.create_server(("127.0.0.1", 0))
    held = []

    def accept() -> None:
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            held.append(connection)

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    server.close()
    for connection in held:
        connection.close()


@pytest.fixture
def short_timeouts(monkeypatch):
    monkeypatch.setenv("AWS_CLIENT_CONNECT_TIMEOUT", "1")
    monkeypatch.setenv("AWS_CLIENT_READ_TIMEOUT", "1")
    monkeypatch.setenv("AWS_CLIENT_MAX_ATTEMPTS", "2")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    clients.client_config.cache_clear()
    yield
    clients.client_config.cache_clear()


def test_the_config_bounds_timeouts_and_uses_standard_retries(short_timeouts):
    config = clients.client_config()
    assert (config.connect_timeout, config.read_timeout) == (1, 1)
    assert config.retries == {"mode": "standard", "total_max_attempts": 2}
    assert clients.worst_case_seconds() == 4


def test_without_variables_the_config_fits_the_web_functions_30_seconds(monkeypatch):
    for name in clients.DEFAULTS:
        monkeypatch.delenv(name, raising=False)
    clients.client_config.cache_clear()
    try:
        assert clients.worst_case_seconds() < 30
    finally:
        clients.client_config.cache_clear()


def test_a_malformed_timeout_is_an_error_naming_the_variable(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setenv("AWS_CLIENT_READ_TIMEOUT", "soon")
    clients.client_config.cache_clear()
    try:
        with pytest.raises(ImproperlyConfigured, match="AWS_CLIENT_READ_TIMEOUT"):
            clients.client_config()
    finally:
        clients.client_config.cache_clear()


def test_a_stalled_sqs_send_gives_up_within_the_bound(short_timeouts, stalled_endpoint):
    sqs = clients.client("sqs", region_name="eu-west-2", endpoint_url=stalled_endpoint)
    started = time.monotonic()
    with pytest.raises(ReadTimeoutError):
        sqs.send_message(QueueUrl=f"{stalled_endpoint}/123456789012/panelapp", MessageBody="{}")
    assert time.monotonic() - started < clients.worst_case_seconds() + 2


def test_a_stalled_s3_read_through_the_media_storage_gives_up_within_the_bound(short_timeouts, stalled_endpoint):
    from serverless.storage.s3 import MediaStorage

    storage = MediaStorage(
        bucket_name="media", region_name="eu-west-2", endpoint_url=stalled_endpoint,
        client_config=clients.client_config(),
    )  # fmt: skip
    started = time.monotonic()
    with pytest.raises(ReadTimeoutError):
        storage.exists("uploads/panel.tsv")
    assert time.monotonic() - started < clients.worst_case_seconds() + 2


def test_the_task_queue_client_uses_the_config(short_timeouts):
    from serverless.tasks import sqs

    sqs.client.cache_clear()
    try:
        assert sqs.client("eu-west-2", "http://127.0.0.1:9").meta.config.read_timeout == 1
    finally:
        sqs.client.cache_clear()


def test_the_ses_mailer_uses_the_config(short_timeouts, settings):
    from serverless.tasks.ses import EmailBackend

    backend = EmailBackend()
    backend.open()
    assert backend.client.meta.config.read_timeout == 1


@pytest.mark.parametrize("storage", ["default", "staticfiles"])
def test_both_s3_storages_are_configured_with_the_config(load_settings, storage):
    from django.utils.module_loading import import_string

    configured = load_settings(**DEPLOYED_ENV)["STORAGES"][storage]
    assert "client_config" not in configured["OPTIONS"]  # settings import no botocore
    built = import_string(configured["BACKEND"])(**configured["OPTIONS"])
    assert built.client_config is clients.client_config()
