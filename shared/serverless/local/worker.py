"""The local SQS event source mapping: receive, invoke the worker, delete.

What Lambda does for the WorkerFunction, on a loop: receive up to ten
messages, call the handler with an SQS event, delete the messages that did
not come back in ``batchItemFailures``, and leave the rest for the queue to
redeliver after the visibility timeout (and to move to the DLQ after
``maxReceiveCount`` receives). A handler that raises fails the whole batch.
"""

import logging
import threading
from collections.abc import Callable
from typing import Any

from serverless.local.events import LambdaContext, sqs_event

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any], Any], dict[str, Any] | None]


def poll_once(sqs: Any, queue_url: str, handler: Handler, *, wait_seconds: int = 1, batch_size: int = 10) -> int:
    """One receive-invoke-delete round; returns how many messages were received."""
    response = sqs.receive_message(
        QueueUrl=queue_url,
        MaxNumberOfMessages=batch_size,
        WaitTimeSeconds=wait_seconds,
        AttributeNames=["All"],
        MessageAttributeNames=["All"],
    )
    messages = response.get("Messages", [])
    if not messages:
        return 0
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    event = sqs_event(messages, queue_arn, sqs.meta.region_name)
    try:
        result = handler(event, LambdaContext(function_name="panelapp-WorkerFunction", timeout_seconds=300)) or {}
    except Exception:
        log.exception("worker invocation failed: the whole batch of %d will be redelivered", len(messages))
        return len(messages)
    failed = {item["itemIdentifier"] for item in result.get("batchItemFailures", [])}
    done = [message for message in messages if message["MessageId"] not in failed]
    if done:
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(index), "ReceiptHandle": m["ReceiptHandle"]} for index, m in enumerate(done)],
        )
    return len(messages)


class WorkerLoop(threading.Thread):
    """Polls until ``stop()``; each round waits at most ``wait_seconds`` for messages."""

    def __init__(self, sqs: Any, queue_url: str, handler: Handler, wait_seconds: int = 1) -> None:
        super().__init__(name="local-worker", daemon=True)
        self.sqs, self.queue_url, self.handler, self.wait_seconds = sqs, queue_url, handler, wait_seconds
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                poll_once(self.sqs, self.queue_url, self.handler, wait_seconds=self.wait_seconds)
            except Exception:
                log.exception("local worker could not poll %s", self.queue_url)
                self.stopping.wait(1)

    def stop(self) -> None:
        self.stopping.set()
