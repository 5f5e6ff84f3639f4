"""The SQS side: a lazily created client, queue URLs, and the queue's settings.

Nothing here talks to AWS at import: the client is built on first use (it is
the slowest part of a cold start that has no message to send), and queue URLs
come from the environment, falling back to one ``GetQueueUrl`` call per queue.
"""

import logging
from functools import cache
from typing import Any

from django.conf import settings

log = logging.getLogger(__name__)

# Longest delivery delay SQS accepts (DelaySeconds): 15 minutes.
MAX_DELAY_SECONDS = 900
# SQS's long-standing default MaximumMessageSize; the template keeps the queue at it.
DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024


@cache
def client(region: str | None = None, endpoint_url: str | None = None) -> Any:
    """One boto3 SQS client per process (clients are thread-safe)."""
    from serverless import clients

    return clients.client(
        "sqs",
        region_name=region or settings.AWS_REGION,
        endpoint_url=endpoint_url if endpoint_url is not None else settings.AWS_ENDPOINT_URL,
    )


def sqs_queue_name(django_queue: str) -> str:
    """Django's ``default`` queue is the ``TASK_QUEUE_NAME`` queue; others map by name."""
    return settings.TASK_QUEUE_NAME if django_queue == "default" else django_queue


def visibility_timeout_problem(queue_url: str, expected: int, sqs: Any) -> str | None:
    """Describe how the queue's VisibilityTimeout differs from ``expected``, or None if it matches."""
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["VisibilityTimeout"])["Attributes"]
    actual = int(attributes["VisibilityTimeout"])
    if actual == expected:
        return None
    return (
        f"SQS_QUEUE_VISIBILITY_TIMEOUT is {expected} but queue {queue_url} has VisibilityTimeout {actual}: "
        "set them to the same value, or tasks still running will be delivered again (duplicates) or "
        "failed ones retried later than expected"
    )
