"""E-mail leaves through a task, never inside a request.

The ``default`` mailer is ``QueuedEmailBackend``: every ``send_mail()``, ours
or Django's own (password reset, error reports), enqueues ``send_email`` in
milliseconds. The worker then talks to the mail server through the
``transport`` mailer (SMTP from the seeds' variables, Amazon SES, or the
console locally), retrying through SQS when it is down. Because a succeeded
task is never run again, a redelivered message does not send the e-mail twice.
"""

from typing import Any

from django.core.mail import EmailMessage, EmailMultiAlternatives, mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.tasks import task

# The MAILERS alias that really delivers; "default" only queues.
TRANSPORT = "transport"


@task
def send_email(
    subject: str,
    body: str,
    to: list[str],
    *,
    from_email: str | None = None,
    html_body: str | None = None,
    cc: list[str] | None = None,
    bcc: list[str] | None = None,
    reply_to: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> int:
    """Send one message through the transport mailer; returns how many were sent."""
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=from_email,
        to=to,
        cc=cc,
        bcc=bcc,
        reply_to=reply_to,
        headers=headers,
    )
    if html_body:
        message.attach_alternative(html_body, "text/html")
    # A failure must raise (and be retried), never be swallowed.
    return mailers[TRANSPORT].send_messages([message]) or 0


def task_arguments(message: EmailMessage) -> dict[str, Any]:
    """The JSON-safe arguments of ``send_email`` that rebuild ``message``."""
    if message.attachments:
        # Task messages are capped at SQS's 256 KiB; files belong in media, linked.
        raise ValueError("queued e-mail cannot carry attachments: store the file and send a link to it")
    html = [content for content, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"]
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "to": list(message.to),
        "from_email": message.from_email,
        "html_body": str(html[0]) if html else None,
        "cc": list(message.cc) or None,
        "bcc": list(message.bcc) or None,
        "reply_to": list(message.reply_to) or None,
        "headers": {str(k): str(v) for k, v in message.extra_headers.items()} or None,
    }


class QueuedEmailBackend(BaseEmailBackend):
    """The default mailer: hands each message to the ``send_email`` task.

    A message that cannot be queued raises: silently losing mail is worse.
    """

    def send_messages(self, email_messages: list[EmailMessage]) -> int:
        queued = 0
        for message in email_messages:
            if message.recipients():
                send_email.enqueue(**task_arguments(message))
                queued += 1
        return queued
