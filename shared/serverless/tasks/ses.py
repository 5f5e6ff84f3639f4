"""An e-mail backend for Amazon SES, on boto3's ``sesv2`` (``EMAIL_BACKEND=serverless.tasks.ses.EmailBackend``).

It sends Django's own MIME rendering unchanged (``Content.Raw``), so
attachments, alternatives and headers come out exactly as with SMTP. Thirty
lines on a client we already ship, with the worker's IAM role instead of SMTP
credentials, rather than another dependency to keep in step with Django's
mail API.
"""

import email.policy
from typing import Any

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage


class EmailBackend(BaseEmailBackend):
    def __init__(self, *, configuration_set: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.configuration_set = configuration_set
        self.client = None

    def open(self) -> bool:
        if self.client is not None:
            return False
        import boto3

        self.client = boto3.client("sesv2", region_name=settings.AWS_REGION, endpoint_url=settings.AWS_ENDPOINT_URL)
        return True

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
