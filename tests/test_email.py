"""E-mail goes out through the send_email task: over SMTP (the seeds' variables) or Amazon SES."""

import base64
import email
import os
import socketserver
import subprocess
import sys
from email import policy

import boto3
import pytest
from django.tasks import TaskResultStatus
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from serverless.tasks.mail import send_email

from tests import test_tasks_app
from tests.conftest import ROOT, load_function

aws, declared, queues = test_tasks_app.aws, test_tasks_app.declared, test_tasks_app.queues


class SMTPSink(socketserver.ThreadingTCPServer):
    """Just enough of an SMTP server to receive what Django sends, and remember it."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), SMTPSession)
        self.messages: list[tuple[str, list[str], email.message.EmailMessage]] = []
        self.logins: list[str] = []


class SMTPSession(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 sink ESMTP")
        sender, recipients = "", []
        while line := self.rfile.readline():
            command = line.decode().rstrip("\r\n")
            verb = command.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.reply("250-sink")
                self.reply("250 AUTH PLAIN")
            elif verb == "AUTH":
                self.server.logins.append(base64.b64decode(command.split()[2]).decode())
                self.reply("235 2.7.0 Authentication successful")
            elif verb == "MAIL":
                sender, recipients = command.split(":", 1)[1].strip(" <>"), []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip(" <>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = b"".join(iter(self.rfile.readline, b".\r\n"))
                self.server.messages.append((sender, recipients, email.message_from_bytes(data, policy=policy.default)))
                self.reply("250 OK queued")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("250 OK")


@pytest.fixture
def smtp_sink():
    import threading

    sink = SMTPSink()
    thread = threading.Thread(target=sink.serve_forever, daemon=True)
    thread.start()
    yield sink
    sink.shutdown()
    sink.server_close()


def send_in_a_process_configured_by(environment: dict[str, str]) -> None:
    """Build the settings from the environment, as a Lambda does, and run the task's code."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("EMAIL_", "DJANGO_", "AWS_LAMBDA"))}
    env.update(environment, PYTHONPATH=f"{ROOT / 'shared'}", DJANGO_SETTINGS_MODULE="panelapp.settings")
    script = (
        "import django; django.setup()\n"
        "from serverless.tasks.mail import send_email\n"
        "send_email.call('Panel signed off', 'Version 2.0 is out.', ['curator@example.org'],"
        " bcc=['audit@example.org'])\n"
    )
    subprocess.run([sys.executable, "-c", script], env=env, check=True, cwd=ROOT, timeout=60)


def test_send_email_goes_through_smtp_configured_by_the_seed_variables(smtp_sink):
    send_in_a_process_configured_by(
        {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_sink.server_address[1]),
            "EMAIL_USE_TLS": "False",
            "DEFAULT_FROM_EMAIL": "panelapp@example.org",
        }
    )

    [(sender, recipients, message)] = smtp_sink.messages
    assert sender == "panelapp@example.org"
    assert recipients == ["curator@example.org", "audit@example.org"]
    assert message["Subject"] == "Panel signed off"
    assert "Bcc" not in message
    assert smtp_sink.logins == []  # no user or password: no SMTP authentication


def test_smtp_credentials_are_used_when_given(smtp_sink):
    send_in_a_process_configured_by(
        {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_sink.server_address[1]),
            "EMAIL_USE_TLS": "False",
            "EMAIL_HOST_USER": "mailer",
            "EMAIL_HOST_PASSWORD": "s3cret",
        }
    )

    assert smtp_sink.logins == ["\0mailer\0s3cret"]


@pytest.mark.django_db(transaction=True)
def test_an_enqueued_email_is_sent_by_the_worker_not_the_request(queues, settings, smtp_sink, lambda_context):
    settings.MAILERS = {
        "transport": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": smtp_sink.server_address[1], "use_tls": False},
        }
    }

    result = send_email.enqueue("Review requested", "Please review BRCA1.", ["expert@example.org"])
    assert smtp_sink.messages == []  # enqueueing sent nothing

    load_function("worker").lambda_handler(queues.receive_event(), lambda_context)

    assert send_email.get_result(result.id).return_value == 1
    assert [message["Subject"] for _, _, message in smtp_sink.messages] == ["Review requested"]


@pytest.fixture
def ses(aws, settings):
    settings.MAILERS = {"transport": {"BACKEND": "serverless.tasks.ses.EmailBackend"}}
    settings.DEFAULT_FROM_EMAIL = "panelapp@example.org"
    client = boto3.client("ses", region_name="eu-west-2")
    client.verify_email_identity(EmailAddress="panelapp@example.org")
    return ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-2"]


@pytest.mark.smoke
def test_send_email_goes_through_amazon_ses(ses):
    sent = send_email.call(
        "Panel signed off",
        "Version 2.0 is out.",
        ["curator@example.org"],
        html_body="<p>Version <b>2.0</b> is out.</p>",
        bcc=["audit@example.org"],
    )

    assert sent == 1
    [raw] = ses.sent_messages
    assert raw.source == "panelapp@example.org"
    assert set(raw.destinations) >= {"curator@example.org", "audit@example.org"}
    message = email.message_from_string(raw.raw_data, policy=policy.default)
    assert message["Subject"] == "Panel signed off"
    assert "Bcc" not in message
    assert "<b>2.0</b>" in message.get_body(preferencelist=("html",)).get_content()


@pytest.mark.django_db(transaction=True)
def test_an_ses_rejection_fails_the_task_so_sqs_retries_it(queues, ses, settings, lambda_context):
    settings.DEFAULT_FROM_EMAIL = "unverified@example.org"
    result = send_email.enqueue("Hello", "Body", ["curator@example.org"])

    response = load_function("worker").lambda_handler(queues.receive_event(), lambda_context)

    assert len(response["batchItemFailures"]) == 1
    failed = send_email.get_result(result.id)
    assert failed.status == TaskResultStatus.FAILED
    assert "MessageRejected" in failed.errors[0].traceback
    assert ses.sent_messages == []


@pytest.fixture
def queued_mail(settings):
    """The production mailers: default queues, transport delivers (here into mail.outbox)."""
    settings.MAILERS = {
        "default": {"BACKEND": "serverless.tasks.mail.QueuedEmailBackend"},
        "transport": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"},
    }


@pytest.mark.django_db(transaction=True)
def test_send_mail_in_a_request_only_queues_the_message(queues, queued_mail, lambda_context, mailoutbox):
    from django.core.mail import EmailMultiAlternatives

    message = EmailMultiAlternatives("Password reset", "Follow the link.", to=["curator@example.org"])
    message.attach_alternative("<p>Follow the link.</p>", "text/html")
    assert message.send() == 1
    assert mailoutbox == []  # nothing delivered inside the request

    load_function("worker").lambda_handler(queues.receive_event(), lambda_context)

    [delivered] = mailoutbox
    assert (delivered.subject, delivered.to) == ("Password reset", ["curator@example.org"])
    assert delivered.alternatives[0].content == "<p>Follow the link.</p>"


def test_a_queued_message_with_an_attachment_is_refused_clearly(queued_mail):
    from django.core.mail import EmailMessage

    message = EmailMessage("Panel export", "Attached.", to=["curator@example.org"])
    message.attach("panel.tsv", "gene\tconfidence\n", "text/tab-separated-values")
    with pytest.raises(ValueError, match="cannot carry attachments"):
        message.send()
