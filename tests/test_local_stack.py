"""``python -m serverless.local`` (``make run``): the stack on one machine, no AWS, no Docker."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable

import pytest

from tests.conftest import ROOT

STACK_SETTINGS = """\
from panelapp.settings import *  # noqa: F403

# The task tests' views (one enqueues add(), one an e-mail) and their tasks.
ROOT_URLCONF = "tests.test_tasks_app"
TASK_MODULES = [*TASK_MODULES, "tests.test_tasks_app"]  # noqa: F405
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def eventually(check: Callable[[], object], timeout: float = 30) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout} s")


def request(url: str, data: dict | None = None) -> tuple[int, bytes]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(url, data=body, timeout=10) as response:  # noqa: S310 (loopback)
        return response.status, response.read()


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """One stack for the module (starting it migrates and collects static files); the last test stops it."""
    tmp_path = tmp_path_factory.mktemp("stack")
    (tmp_path / "stack_settings.py").write_text(STACK_SETTINGS)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AWS_", "DATABASE_", "EMAIL_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="stack_settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT / "shared"), str(ROOT)]),
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "serverless.local", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(process.stdout), daemon=True)
    reader.start()
    url = f"http://127.0.0.1:{port}/"
    try:
        eventually(lambda: any(f"PanelApp is running at {url}" in line for line in output), timeout=90)
        yield url, process, output
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        reader.join(timeout=5)


def test_a_request_enqueues_a_task_that_the_worker_loop_completes(stack):
    url, _, _ = stack

    status, body = request(url + "enqueue/", {})
    assert status == 202
    task_id = json.loads(body)["id"]

    def finished():
        result = json.loads(request(f"{url}tasks/{task_id}/")[1])
        return result if result["status"] == "SUCCESSFUL" else None

    assert eventually(finished)["return_value"] == 3


def test_sent_emails_are_viewable_locally(stack):
    url, _, _ = stack

    status, _ = request(url + "welcome/", {"to": "new.curator@example.org"})
    assert status == 202

    page = eventually(lambda: (p := request(url + "_local/mail/")[1].decode()) and "Welcome to PanelApp" in p and p)
    assert "new.curator@example.org" in page
    assert "Your account is ready." in page


def test_pages_go_through_the_web_handler_with_static_files_from_the_local_bucket(stack):
    url, _, _ = stack

    status, page = request(url)
    assert status == 200
    [stylesheet] = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page.decode())

    assert stylesheet.startswith("http://127.0.0.1:")  # the embedded S3
    assert request(stylesheet)[0] == 200


def test_ctrl_c_stops_everything(stack):
    url, process, output = stack

    status, body = request(url + "healthz")
    assert (status, body) == (200, b"OK")

    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 0
    eventually(lambda: any("PanelApp stopped." in line for line in output), timeout=5)


def test_the_mailbox_shows_each_recipient_once_and_links_that_can_be_clicked():
    """As the SES backend sends (raw, with Destinations), read back through the embedded SES."""
    import boto3
    from moto import mock_aws
    from serverless.local import aws
    from serverless.local.server import mailbox_page

    raw = (
        "From: panelapp@localhost\r\nTo: ada@example.org\r\nSubject: Reset your password\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Choose a new password: http://127.0.0.1:8000/accounts/reset/MQ/abc-123/ <now>\r\n"
    )
    with mock_aws():
        ses = boto3.client("ses", region_name=aws.REGION)
        ses.verify_email_identity(EmailAddress="panelapp@localhost")
        ses.send_raw_email(Source="panelapp@localhost", Destinations=["ada@example.org"], RawMessage={"Data": raw})
        page = mailbox_page(aws.sent_emails()).decode()

    assert page.count("ada@example.org") == 1
    link = "http://127.0.0.1:8000/accounts/reset/MQ/abc-123/"
    assert f'<a href="{link}">{link}</a>' in page
    assert "&lt;now&gt;" in page  # the rest stays escaped text
    assert 'name="viewport"' in page and "overflow-wrap: anywhere" in page  # long links wrap on a phone
