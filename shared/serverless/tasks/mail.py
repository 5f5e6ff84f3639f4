"""E-mail leaves through a task, never inside a request.

A request enqueues ``send_email`` (milliseconds); the worker talks to the
mail server (SMTP or Amazon SES, as ``MAILERS`` says), retrying through SQS
when it is down. Because a succeeded task is never run again, a redelivered
message does not send the e-mail twice.
"""

from django.core.mail import EmailMultiAlternatives, mailers
from django.tasks import task


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
    """Send one message through the default mailer; returns how many were sent."""
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
    return mailers.default.send_messages([message]) or 0
