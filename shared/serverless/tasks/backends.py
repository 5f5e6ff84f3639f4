"""``django.tasks`` backends whose results live in the database.

``SQSBackend`` (``USE_SQS=TRUE``) writes the result row and sends a message
to SQS; the WorkerFunction runs it. ``ThreadBackend`` (``USE_SQS=FALSE``, the
embedded default) writes the same row and runs the task in a background
thread of the same process once the enqueuing transaction commits: outside
the request, but without retries and lost if the process stops first.

Both accept only declared tasks (see ``registry``), so a task the worker would
refuse fails at ``enqueue()``, in front of the developer, not in the DLQ.
"""

import logging
import math
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import cached_property
from typing import Any

from django.conf import settings
from django.db import transaction
from django.tasks import Task, TaskResult, TaskResultStatus
from django.tasks.backends.base import BaseTaskBackend
from django.tasks.exceptions import InvalidTask, TaskResultDoesNotExist
from django.tasks.signals import task_enqueued
from django.utils import timezone
from django.utils.json import normalize_json

from serverless.tasks import registry, sqs
from serverless.tasks.message import TaskMessage

log = logging.getLogger(__name__)


class MessageTooLarge(InvalidTask):
    """The task's arguments do not fit in one SQS message."""


class DatabaseResultsMixin:
    """Result rows in ``serverless.TaskRecord``: shared by both backends."""

    supports_get_result = True
    supports_async_task = True
    supports_defer = True
    # SQS has no priorities; Django then rejects a non-default priority.
    supports_priority = False

    def validate_task(self, task: Task) -> None:
        super().validate_task(task)
        if task.run_after is not None:
            delay_seconds(task.run_after)

    def build_message(self, task: Task, args: list[Any], kwargs: dict[str, Any]) -> TaskMessage:
        self.validate_task(task)
        if not registry.is_declared(task):
            raise InvalidTask(
                f"{task.module_path} is not a declared task: define it in an installed app's tasks module "
                "or add its module to settings.TASK_MODULES, or the worker will refuse it"
            )
        try:
            args, kwargs = normalize_json(list(args)), normalize_json(dict(kwargs))
        except (TypeError, ValueError) as error:
            raise InvalidTask(
                f"{task.module_path}: arguments must be JSON values (pass a primary key, not an object): {error}"
            ) from None
        return TaskMessage(
            id=uuid.uuid4().hex,
            task=task.module_path,
            args=args,
            kwargs=kwargs,
            queue=task.queue_name,
            backend=self.alias,
            enqueued_at=timezone.now().isoformat(),
            run_after=task.run_after.isoformat() if task.run_after else None,
        )

    def save_record(self, message: TaskMessage):
        from serverless.models import TaskRecord

        return TaskRecord.objects.create(
            id=message.id,
            task_path=message.task,
            queue_name=message.queue,
            backend=message.backend,
            status=TaskResultStatus.READY,
            args=message.args,
            kwargs=message.kwargs,
            enqueued_at=message.enqueued_datetime,
            run_after=message.run_after_datetime,
        )

    def get_result(self, result_id: str) -> TaskResult:
        from serverless.models import TaskRecord

        try:
            record = TaskRecord.objects.get(pk=result_id)
        except TaskRecord.DoesNotExist:
            raise TaskResultDoesNotExist(result_id) from None
        try:
            task = registry.declared_task(record.task_path)
        except registry.UnknownTask:
            raise TaskResultDoesNotExist(f"{result_id} belongs to {record.task_path}, no longer a task") from None
        return record.to_task_result(task)


def delay_seconds(run_after: datetime | None) -> int:
    """Seconds until ``run_after`` as an SQS DelaySeconds; beyond 15 minutes is an error."""
    if run_after is None:
        return 0
    seconds = math.ceil((run_after - timezone.now()).total_seconds())
    if seconds > sqs.MAX_DELAY_SECONDS:
        raise InvalidTask(
            f"run_after is {seconds} s away but SQS can delay a message by at most {sqs.MAX_DELAY_SECONDS} s "
            "(15 minutes); schedule later work with an EventBridge schedule instead"
        )
    return max(seconds, 0)


class SQSBackend(DatabaseResultsMixin, BaseTaskBackend):
    """Sends each task to an SQS queue; results in the database.

    OPTIONS: ``QUEUE_URLS`` (Django queue name -> SQS queue URL; a queue
    without one is looked up by name, ``default`` being ``TASK_QUEUE_NAME``)
    and ``MAX_MESSAGE_BYTES`` (the queue's MaximumMessageSize).
    """

    def __init__(self, alias: str, params: dict[str, Any]) -> None:
        super().__init__(alias, params)
        self.queue_urls: dict[str, str] = {name: url for name, url in self.options.get("QUEUE_URLS", {}).items() if url}
        self.max_message_bytes = int(self.options.get("MAX_MESSAGE_BYTES", sqs.DEFAULT_MAX_MESSAGE_BYTES))

    @cached_property
    def client(self) -> Any:
        return sqs.client()

    def queue_url(self, queue_name: str = "default") -> str:
        if queue_name not in self.queue_urls:
            response = self.client.get_queue_url(QueueName=sqs.sqs_queue_name(queue_name))
            self.queue_urls[queue_name] = response["QueueUrl"]
        return self.queue_urls[queue_name]

    def enqueue(self, task: Task, args: list[Any], kwargs: dict[str, Any]) -> TaskResult:
        message = self.build_message(task, args, kwargs)
        body = message.encode()
        size = len(body.encode())
        if size > self.max_message_bytes:
            raise MessageTooLarge(
                f"{task.module_path}: the message is {size} bytes but the queue accepts at most "
                f"{self.max_message_bytes}; pass a reference (a primary key, an S3 key) instead of the data"
            )
        delay = delay_seconds(task.run_after)
        queue_url = self.queue_url(task.queue_name)
        record = self.save_record(message)
        try:
            self.client.send_message(QueueUrl=queue_url, MessageBody=body, DelaySeconds=delay)
        except Exception:
            # Nothing was queued: leave no READY row that would never run.
            record.delete()
            raise
        result = record.to_task_result(task)
        task_enqueued.send(type(self), task_result=result)
        return result

    def check_health(self) -> None:
        """Raise unless the default queue answers (GetQueueAttributes, allowed to the web role)."""
        self.client.get_queue_attributes(QueueUrl=self.queue_url(), AttributeNames=["QueueArn"])

    def visibility_timeout_problem(self) -> str | None:
        return sqs.visibility_timeout_problem(self.queue_url(), settings.SQS_QUEUE_VISIBILITY_TIMEOUT, self.client)


class ThreadBackend(DatabaseResultsMixin, BaseTaskBackend):
    """Runs each task in a background thread after commit: the no-AWS fallback.

    One worker thread per process, so tasks run one at a time, in order, as
    they would on a single worker; ``run_after`` waits with a timer.
    OPTIONS ``{"INLINE": True}`` runs each task in the committing thread
    instead (tests: a background thread cannot see a test's transaction).
    """

    def __init__(self, alias: str, params: dict[str, Any]) -> None:
        super().__init__(alias, params)
        self.inline = bool(self.options.get("INLINE", False))

    _executor: ThreadPoolExecutor | None = None
    _lock = threading.Lock()

    @classmethod
    def executor(cls) -> ThreadPoolExecutor:
        with cls._lock:
            if cls._executor is None:
                cls._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="panelapp-task")
            return cls._executor

    def enqueue(self, task: Task, args: list[Any], kwargs: dict[str, Any]) -> TaskResult:
        message = self.build_message(task, args, kwargs)
        delay = delay_seconds(task.run_after)
        record = self.save_record(message)
        result = record.to_task_result(task)
        task_enqueued.send(type(self), task_result=result)
        transaction.on_commit(lambda: self.schedule(message, delay), using=None)
        return result

    def schedule(self, message: TaskMessage, delay: int) -> None:
        if self.inline:
            run_in_thread(message, close_connections=False)
        elif delay:
            timer = threading.Timer(delay, self.executor().submit, args=(run_in_thread, message))
            timer.daemon = True
            timer.start()
        else:
            self.executor().submit(run_in_thread, message)


def run_in_thread(message: TaskMessage, close_connections: bool = True) -> None:
    """Run one task here; its failure is recorded and logged, never raised into the caller."""
    from django.db import connections

    from serverless.tasks.worker import run_message

    try:
        run_message(message, worker_id=f"thread-{threading.get_native_id()}")
    except Exception:
        log.exception("task %s (%s) failed", message.id, message.task)
    finally:
        if close_connections:
            # This thread's own connections: nothing else would ever close them.
            connections.close_all()
