"""An e-mail backend for Amazon SES, on boto3's ``sesv2`` (``EMAIL_BACKEND=serverless.tasks.ses.EmailBackend``).

The deployed default: it needs no credentials (the worker's IAM role signs each
call) and, in a VPC without NAT, reaches SES through the stack's ``email``
interface endpoint. It sends Django's own MIME rendering unchanged
(``Content.Raw``), so attachments, alternatives and headers come out exactly as
with SMTP. Thirty lines on a client we already ship rather than another
dependency to keep in step with Django's mail API.
"""

import email.policy
from typing import Any

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage

from serverless import clients


class MailPathBroken(Exception):
    """SES answered, but mail would not go out (e.g. the day's sending quota is used up)."""


class EmailBackend(BaseEmailBackend):
    def __init__(self, *, configuration_set: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.configuration_set = configuration_set
        self.client = None

    def open(self) -> bool:
        if self.client is not None:
            return False
        self.client = clients.client("sesv2", region_name=settings.AWS_REGION, endpoint_url=settings.AWS_ENDPOINT_URL)
        return True

    def check_health(self) -> None:
        """Raise unless SES is reachable, lets this role in and has sending quota left (the health check).

        ``GetSendQuota`` is free, needs only ``ses:GetSendQuota`` and travels the same path
        (endpoint, role, region) as ``SendEmail``; opening a client alone proves nothing.
        """
        quota = clients.client(
            "ses", region_name=settings.AWS_REGION, endpoint_url=settings.AWS_ENDPOINT_URL
        ).get_send_quota()
        if quota["Max24HourSend"] >= 0 and quota["SentLast24Hours"] >= quota["Max24HourSend"]:
            raise MailPathBroken(f"the SES sending quota of {quota['Max24HourSend']:.0f} messages a day is used up")

    def close(self) -> None:
        self.client = None

    def send_messages(self, email_messages: list[EmailMessage]) -> int:
        if not email_messages:
            return 0
        created = self.open()
        sent = 0
        try:
            for message in email_messages:
                recipients = message.recipients()
                if not recipients:
                    continue
                request: dict[str, Any] = {
                    "FromEmailAddress": message.from_email or settings.DEFAULT_FROM_EMAIL,
                    # Every recipient, Bcc included; the MIME headers still show only To and Cc.
                    "Destination": {"ToAddresses": recipients},
                    "Content": {"Raw": {"Data": message.message(policy=email.policy.SMTP).as_bytes()}},
                }
                if self.configuration_set:
                    request["ConfigurationSetName"] = self.configuration_set
                self.client.send_email(**request)
                sent += 1
        finally:
            if created:
                self.close()
        return sent
