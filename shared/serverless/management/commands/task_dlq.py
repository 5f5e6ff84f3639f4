"""List the task dead-letter queue, or move its messages back to the task queue.

    manage.py task_dlq list [--limit N]
    manage.py task_dlq redrive [--limit N] [--id TASK_OR_MESSAGE_ID ...]

``list`` shows each message's task, its last recorded error and attempts,
then makes the messages visible again at once: listing consumes nothing.
``redrive`` sends each message back to the queue it came from, unchanged (same
task id, so a redriven task that meanwhile succeeded is not run twice), and
deletes it from the DLQ only once the send succeeded. Messages the worker
would refuse again (malformed, or naming no declared task) stay in the DLQ.

SQS's own StartMessageMoveTask would move everything server-side, but it
cannot select messages nor skip the hopeless ones, and moto lacks it; this
receive/send/delete loop needs only ReceiveMessage, ChangeMessageVisibility
and DeleteMessage on the DLQ and SendMessage on the queue.
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.tasks import task_backends

from serverless.tasks import registry, sqs
from serverless.tasks.message import MalformedMessage, TaskMessage

# Long enough to finish one page of work before the messages reappear.
LISTING_VISIBILITY_SECONDS = 60


@dataclass
class DeadLetter:
    message: dict[str, Any]
    task: TaskMessage | None
    problem: str  # why the worker would refuse it again, or ""

    @property
    def receipt(self) -> str:
        return self.message["ReceiptHandle"]


class Command(BaseCommand):
    help = "List the task dead-letter queue (task, error, attempts) or redrive it to the task queue."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["list", "redrive"])
        parser.add_argument("--limit", type=int, default=100, help="at most this many messages (default 100)")
        parser.add_argument("--id", action="append", dest="ids", default=[], help="only this task or message id")

    def handle(self, *args: Any, action: str, limit: int, ids: list[str], **options: Any) -> None:
        dlq_url = settings.TASK_DLQ_URL
        if not dlq_url:
            raise CommandError("TASK_DLQ_URL is not set: it must name the task dead-letter queue")
        self.sqs = sqs.client()
        letters = self.receive(dlq_url, limit)
        if ids:
            wanted = set(ids)
            keep = [d for d in letters if d.message["MessageId"] in wanted or (d.task and d.task.id in wanted)]
            self.release(dlq_url, [d for d in letters if d not in keep])
            letters = keep
        if action == "list":
            self.show(letters)
            self.release(dlq_url, letters)
        else:
            self.redrive(dlq_url, letters)

    def receive(self, queue_url: str, limit: int) -> list[DeadLetter]:
        letters: list[DeadLetter] = []
        while len(letters) < limit:
            response = self.sqs.receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=min(10, limit - len(letters)),
                VisibilityTimeout=LISTING_VISIBILITY_SECONDS,
                AttributeNames=["All"],
                WaitTimeSeconds=0,
            )
            messages = response.get("Messages", [])
            if not messages:
                break
            letters.extend(self.inspect(message) for message in messages)
        return letters

    @staticmethod
    def inspect(message: dict[str, Any]) -> DeadLetter:
        try:
            task = TaskMessage.decode(message["Body"])
        except MalformedMessage as error:
            return DeadLetter(message, None, f"malformed: {error}")
        try:
            registry.declared_task(task.task)
        except registry.UnknownTask as error:
            return DeadLetter(message, task, f"refused: {error}")
        return DeadLetter(message, task, "")

    def show(self, letters: list[DeadLetter]) -> None:
        from serverless.models import TaskRecord

        ids = [d.task.id for d in letters if d.task]
        records = TaskRecord.objects.in_bulk(ids)
        self.stdout.write(f"{len(letters)} message(s) in the dead-letter queue")
        for letter in letters:
            record = records.get(letter.task.id) if letter.task else None
            receives = letter.message.get("Attributes", {}).get("ApproximateReceiveCount", "?")
            self.stdout.write(
                "\t".join(
                    [
                        letter.message["MessageId"],
                        letter.task.id if letter.task else "-",
                        letter.task.task if letter.task else "-",
                        f"attempts={record.attempts if record else receives}",
                        f"status={record.status if record else '-'}",
                        letter.problem or (record.last_error if record else "no result recorded"),
                    ]
                )
            )

    def redrive(self, dlq_url: str, letters: list[DeadLetter]) -> None:
        moved, kept = 0, []
        for letter in letters:
            if letter.problem:
                kept.append(letter)
                self.stderr.write(f"kept {letter.message['MessageId']}: {letter.problem}")
                continue
            queue_url = self.queue_url(letter.task)
            self.sqs.send_message(QueueUrl=queue_url, MessageBody=letter.message["Body"])
            self.sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=letter.receipt)
            moved += 1
        self.release(dlq_url, kept)
        self.stdout.write(f"redrove {moved} message(s); {len(kept)} left in the dead-letter queue")

    @staticmethod
    def queue_url(task: TaskMessage) -> str:
        backend = task_backends[task.backend if task.backend in settings.TASKS else "default"]
        if not hasattr(backend, "queue_url"):
            raise CommandError(f"the {backend.alias!r} task backend does not use SQS (USE_SQS is false)")
        return backend.queue_url(task.queue)

    def release(self, queue_url: str, letters: list[DeadLetter]) -> None:
        """Make received messages visible again straight away."""
        for letter in letters:
            self.sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=letter.receipt, VisibilityTimeout=0)
