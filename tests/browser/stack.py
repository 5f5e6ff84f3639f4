"""The local stack as ``make run`` starts it, in a process of its own, on the test database.

``python -m serverless.local`` on free ports: moto plays S3 (static and media
buckets on their own origin), SQS (the task queue, which the real worker
handler drains on the real worker loop) and SES (whose sent e-mails are read
back at ``/_local/mail/``). Only the database differs from ``make run``: the
suite's test database, so a test arranges its world with the ORM and the
stack serves it. Restarting it starts a new embedded AWS: empty buckets, an
empty queue, as a developer's restart of ``make run`` leaves them.
"""

import html
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field

from tests.conftest import ROOT

# The stack starts in seconds; a loaded machine may take longer (it migrates and collects static files).
START_TIMEOUT_SECONDS = 120
# A change rebuilds the all-panels files after a 60 s pause that gathers a burst of changes; a journey
# cannot wait that long, so here a file is built when it is asked for and missing (at once).
ENVIRONMENT = {"PANEL_EXPORTS_REBUILD_ON_CHANGE": "FALSE"}
ARTICLE = re.compile(r"<article><h2>(?P<subject>.*?)</h2><p>From .*? to (?P<to>.*?)</p><pre>(?P<body>.*?)</pre>", re.S)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url(settings_dict: dict) -> str:
    """The test database as a ``DATABASE_URL`` for the stack's own settings."""
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host, port = settings_dict.get("HOST") or "127.0.0.1", settings_dict.get("PORT") or 5432
    return f"postgres://{settings_dict['USER']}{password}@{host}:{port}/{settings_dict['NAME']}"


@dataclass
class LocalStack:
    database: str
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    output: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        environ = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AWS_", "DATABASE_", "EMAIL_"))}
        environ |= ENVIRONMENT | {
            "DJANGO_SETTINGS_MODULE": "panelapp.settings",
            "DATABASE_URL": self.database,
            "PYTHONPATH": os.pathsep.join([str(ROOT / "shared"), str(ROOT)]),
        }
        self.output = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "serverless.local", "--port", str(self.port)],
            cwd=ROOT,
            env=environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=lambda: self.output.extend(self.process.stdout), daemon=True).start()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not any("PanelApp is running at" in line for line in self.output):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the local stack did not start:\n" + "".join(self.output[-40:]))
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # Ctrl-C, as a developer stops make run
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def restart(self) -> None:
        """Stop and start again on the same port: a new embedded AWS, its buckets and queue empty."""
        self.stop()
        self.start()

    def mail_link(self, to: str, subject: str, timeout: float = 30) -> str:
        """The first web link of the newest e-mail to ``to`` about ``subject``, read from the local mailbox page.

        The e-mail arrives once the worker loop has run the queued send task through SES: this waits for it.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with urllib.request.urlopen(f"{self.url}/_local/mail/", timeout=10) as response:  # noqa: S310 (loopback)
                mailbox = response.read().decode()
            for sent in ARTICLE.finditer(mailbox):  # newest first
                if subject in html.unescape(sent["subject"]) and to in html.unescape(sent["to"]):
                    return html.unescape(re.search(r'href="(https?://[^"]+)"', sent["body"]).group(1))
            time.sleep(0.3)
        raise AssertionError(f"no e-mail to {to} about {subject!r} in the local mailbox within {timeout} s")
