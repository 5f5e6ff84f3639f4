"""The local front door: HTTP requests in, ALB events to the real web handler.

Each request becomes the event the ALB would send (multi-value headers, the
body base64-encoded unless it is text), goes through
``functions/web/app.py``'s ``lambda_handler``, and the handler's answer is
written back as the ALB would. ``/_local/mail/`` is the one page served here
directly: the e-mails sent through the embedded SES.
"""

import base64
import email
import email.policy
import html
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from serverless.local.events import LambdaContext, alb_event

log = logging.getLogger(__name__)

MAIL_PATH = "/_local/mail/"

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def response_headers(response: dict[str, Any]) -> list[tuple[str, str]]:
    if response.get("multiValueHeaders"):
        return [(name, value) for name, values in response["multiValueHeaders"].items() for value in values]
    return list((response.get("headers") or {}).items())


def response_body(response: dict[str, Any]) -> bytes:
    body = response.get("body") or ""
    return base64.b64decode(body) if response.get("isBase64Encoded") else body.encode()


def recipients(destinations: list[str]) -> list[str]:
    """Each recipient once: moto lists a raw message's ``Destinations`` and its To header both."""
    return list(dict.fromkeys(destinations))


def mailbox_page(messages: list[Any]) -> bytes:
    """The sent e-mails, newest first, their links clickable (confirmation, password reset)."""
    from django.utils.html import urlize

    items = []
    for sent in reversed(messages):
        parsed = email.message_from_string(sent.raw_data, policy=email.policy.default)
        part = parsed.get_body(preferencelist=("plain", "html"))
        text = part.get_content() if part is not None else ""
        items.append(
            "<article><h2>{}</h2><p>From {} to {}</p><pre>{}</pre></article>".format(
                html.escape(str(parsed["subject"] or "(no subject)")),
                html.escape(str(parsed["from"] or sent.source)),
                html.escape(", ".join(recipients(sent.destinations))),
                urlize(text, autoescape=True),
            )
        )
    body = "".join(items) or "<p>No e-mail sent yet.</p>"
    title = f"{len(messages)} e-mail(s) sent locally"
    # Readable on a phone too: long links wrap instead of widening the page.
    head = (
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<style>pre { white-space: pre-wrap; overflow-wrap: anywhere; }</style>"
    )
    return f"<!doctype html><title>{title}</title>{head}<h1>{title}</h1>{body}".encode()


def make_server(host: str, port: int, handler: Handler, sent_emails: Callable[[], list[Any]]) -> ThreadingHTTPServer:
    # One request at a time through Django, as one Lambda environment serves one event.
    lock = threading.Lock()

    class RequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def handle_one(self) -> None:
            if self.path.split("?", 1)[0] == MAIL_PATH:
                self.reply(200, [("Content-Type", "text/html; charset=utf-8")], mailbox_page(sent_emails()))
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = [*self.headers.items(), ("X-Forwarded-For", self.client_address[0])]
            headers += [("X-Forwarded-Proto", "http"), ("X-Forwarded-Port", str(self.server.server_port))]
            event = alb_event(self.command, self.path, headers, body)
            with lock:
                response = handler(event, LambdaContext(function_name="panelapp-WebFunction"))
            self.reply(response.get("statusCode", 502), response_headers(response), response_body(response))

        def reply(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers:
                if name.lower() not in {"content-length", "connection", "transfer-encoding"}:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = handle_one

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("%s " + format, self.client_address[0], *args)

    server = ThreadingHTTPServer((host, port), RequestHandler)
    server.daemon_threads = True
    return server
