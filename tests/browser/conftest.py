"""Browser tests: Debian's Chromium, headless, driven by Playwright, against the real web handler.

Each test gets PanelApp served over HTTP on loopback exactly as ``make run``
serves it: every request becomes an ALB event for ``functions/web``'s
``lambda_handler`` (``serverless.local.server``). Chromium is the system's
(``apt-get install chromium``; ``bash .ci/run`` installs it), never a
browser downloaded by Playwright.
"""

import json
import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.core import mail

from tests.conftest import ROOT, load_function

if TYPE_CHECKING:
    from tests.browser.stack import LocalStack

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# Without the background-networking flags Chromium keeps calling Google's
# hosts; in a closed network those calls fail and slow every start.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Where screenshots go: docs/screenshots/ with SCREENSHOTS=docs (make screenshots), else a temporary folder.
SCREENSHOTS = ROOT / "docs" / "screenshots"

pytestmark = pytest.mark.browser


@pytest.fixture
def site(transactional_db, settings, monkeypatch) -> Iterator[str]:
    """The base URL of PanelApp served through the web Lambda handler on a free loopback port."""
    from django.db import connections
    from serverless.local.server import make_server

    # A warm Lambda keeps its one connection; here each request has a thread of
    # its own, which must close its connection or the test database stays in use.
    monkeypatch.setitem(connections["default"].settings_dict, "CONN_MAX_AGE", 0)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    web = load_function("web")
    server = make_server("127.0.0.1", 0, web.lambda_handler, sent_emails=list)
    thread = threading.Thread(target=server.serve_forever, name="site", daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{server.server_port}"
    settings.PANEL_APP_BASE_URL = base_url
    yield base_url
    server.shutdown()
    server.server_close()


@pytest.fixture
def aws_site(site, s3_server, settings, monkeypatch):
    """``site`` as ``make run`` and AWS serve it: static and media files in buckets on another origin.

    S3 is the emulator on a loopback port of its own (``s3_server``: signatures
    and POST policies checked). The settings module is evaluated for S3 as on
    Lambda (storages, CSP, upload address), the media bucket gets the local
    stack's CORS (the site's origin) and static files are collected into their
    bucket, public as ``make run`` makes it. Returns the emulator (``.client``,
    ``.endpoint``); the pages are at ``site``.
    """
    from django.core.management import call_command
    from serverless.local.aws import media_cors, public_read_policy

    from tests.test_storage_emulator import STATIC_BUCKET, configure_s3, use_s3

    s3 = use_s3(s3_server, settings, monkeypatch)
    computed = configure_s3(monkeypatch, settings, s3.endpoint)
    for name in ("SECURE_CSP", "AWS_S3_MEDIAFILES_UPLOAD_URL"):  # what the pages and the upload forms read
        if name in computed:
            setattr(settings, name, computed[name])
    s3.client.put_bucket_policy(Bucket=STATIC_BUCKET, Policy=json.dumps(public_read_policy(STATIC_BUCKET)))
    s3.client.put_bucket_cors(Bucket="panelapp-media", CORSConfiguration=media_cors(site))
    if not s3.keys(STATIC_BUCKET, "static/staticfiles.json"):  # moto's buckets outlive a module: collect once
        call_command("collectstatic", interactive=False, verbosity=0)
    return s3


@pytest.fixture(scope="module")
def local_stack(django_db_setup, django_db_blocker) -> Iterator["LocalStack"]:
    """``make run`` in a process of its own on the test database (``tests.browser.stack``), for one module.

    Starting it loads the demo data; it is flushed away at once, so each test
    arranges the world it needs, as on ``site``. Stopped with Ctrl-C after the module.
    """
    from django.core.management import call_command
    from django.db import connection

    from tests.browser.stack import LocalStack, database_url

    stack = LocalStack(database_url(connection.settings_dict))
    stack.start()
    try:
        with django_db_blocker.unblock():
            call_command("flush", interactive=False, verbosity=0)
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def stack_site(local_stack, transactional_db) -> str:
    """The base URL of the local stack, for a test whose data the stack's own processes must see (committed)."""
    return local_stack.url


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module, stopped (with its event loop) after it."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium) or set CHROMIUM=")
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        # Playwright's sync API keeps an event loop running in the test's thread;
        # Django's ORM refuses to run beside one unless told it is deliberate.
        # Only while the browser runs: elsewhere Django's check stays on.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, site):
    """A fresh browser tab (own cookies) whose relative URLs go to ``site``; fails on any page error."""
    context = browser.new_context(base_url=site)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def screenshot(tmp_path):
    """``screenshot(page, "panel")`` saves a full-page PNG (into docs/screenshots/ with SCREENSHOTS=docs)."""
    folder = SCREENSHOTS if os.environ.get("SCREENSHOTS") == "docs" else tmp_path

    def take(tab, name: str, *, width: int | None = None) -> Path:
        if width:
            tab.set_viewport_size({"width": width, "height": 900})
        path = folder / f"{name}.png"
        tab.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def delivered(settings):
    """E-mail through the production path: a queued send_email task, run by the background worker thread."""
    settings.MAILERS = {
        "default": {"BACKEND": "serverless.tasks.mail.QueuedEmailBackend"},
        "transport": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"},
    }
    settings.TASKS = {"default": {"BACKEND": "serverless.tasks.backends.ThreadBackend"}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    mail.outbox = []

    def wait_for(to: str, subject: str, timeout: float = 20) -> str:
        """The first link in the e-mail to ``to`` whose subject contains ``subject``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in list(getattr(mail, "outbox", [])):
                if to in message.to and subject in message.subject:
                    return re.search(r"https?://\S+", message.body).group(0)
            time.sleep(0.1)
        raise AssertionError(f"no e-mail to {to} about {subject!r}; sent: {[m.subject for m in mail.outbox]}")

    return wait_for


def sign_in(tab, username: str, password: str) -> None:
    tab.goto("/accounts/login/")
    tab.get_by_label("Username").fill(username)
    tab.get_by_label("Password").fill(password)
    with tab.expect_navigation():  # signed in or refused, the next step starts from the answer
        tab.get_by_role("button", name="Sign in").click()
