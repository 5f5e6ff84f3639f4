"""Running tasks: one SQS record, one SQS batch, or one scheduled event.

Each SQS record is handled alone (Powertools' ``BatchProcessor``): whatever
goes wrong with it — a malformed body, a path that is not a declared task, a
task that raises, a dropped database connection — makes that record a
``batchItemFailures`` entry and leaves its neighbours alone. SQS delivers it
again after the visibility timeout and, after ``maxReceiveCount`` receives,
moves it to the dead-letter queue.

Delivery is at least once, so the result row decides: a message whose task
already succeeded is acknowledged without running it again.
"""

import json
import logging
import os
import traceback
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections, connection, connections, transaction
from django.tasks import Task, TaskContext, TaskResultStatus
from django.tasks.signals import task_finished, task_started
from django.utils import timezone
from django.utils.json import normalize_json

from serverless.logging import SERVICE, logger
from serverless.tasks import registry
from serverless.tasks.message import MalformedMessage, TaskMessage

log = logging.getLogger(__name__)

LOG_KEYS = ("task_id", "task_name", "attempt")

# CloudWatch metrics (embedded metric format, written with the logs): the
# function handler flushes them after each invocation.
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "PanelApp"), service=SERVICE)


class TaskInProgress(RuntimeError):
    """Another worker is running this task right now (a duplicate delivery)."""


class TaskFailed(RuntimeError):
    """The task raised; the error is recorded on its result row."""


def run_message(
    message: TaskMessage, worker_id: str, lease_seconds: float | None = None, *, check_connections_first: bool = True
) -> TaskResultStatus | None:
    """Run one message's task; None when it had already succeeded (nothing ran).

    ``lease_seconds`` is how long this attempt can possibly last (the Lambda's
    remaining time); without it, the queue's visibility timeout. The database
    sees two statements per message: the claim and the record of its end.
    ``check_connections_first=False`` when the caller checked them for the
    whole batch (``handle_record``).

    Raises ``UnknownTask`` for an undeclared path (never imported),
    ``TaskFailed`` when the task raised, or the database's own error.
    """
    task = registry.declared_task(message.task)
    if check_connections_first:
        check_connections()
    record = _reconnecting(lambda: claim(message, worker_id, lease_seconds))
    if record is None:
        log.info("task already succeeded: duplicate delivery acknowledged without running it")
        metrics.add_metric(name="TaskDuplicatesSkipped", unit=MetricUnit.Count, value=1)
        return None
    return execute(task, record)


def check_connections() -> None:
    """Close connections that are broken or past CONN_MAX_AGE, as Django does around a request.

    Once per SQS batch (``check_connections_once_per_invocation``): each check
    makes the next query start with a ``SELECT 1`` health check. Skipped inside
    a transaction: a task run inline (``ThreadBackend`` with ``INLINE``, in a
    test) must not close the caller's connection under it.
    """
    if not any(conn.in_atomic_block for conn in connections.all(initialized_only=True)):
        close_old_connections()


_checked_invocation: str | None = None


def check_connections_once_per_invocation(lambda_context: Any) -> None:
    """``check_connections`` on the first record of each invocation (one batch), not on every record."""
    global _checked_invocation
    invocation = getattr(lambda_context, "aws_request_id", None)
    if invocation is None or invocation != _checked_invocation:
        check_connections()
        _checked_invocation = invocation


def _reconnecting(operation: Callable[[], Any]) -> Any:
    """``operation()``, once more on a new connection if the current one turned out broken.

    What a per-message health check would catch, for the price of nothing when
    the connection is fine: a connection closed under us (a task that broke
    it, an idle proxy session dropped) costs this one retry instead of a
    ``SELECT 1`` before every statement.
    """
    try:
        return operation()
    except (InterfaceError, OperationalError):
        if connection.in_atomic_block or (connection.connection is not None and connection.is_usable()):
            raise
        connection.close()
        return operation()


def claim(message: TaskMessage, worker_id: str, lease_seconds: float | None = None):
    """Mark the task's row RUNNING for this attempt, creating it if the enqueuer's is not visible.

    Returns the row, or None when the task already succeeded; raises
    ``TaskInProgress`` while another attempt holds an unexpired lease (a
    RUNNING row past its lease means that worker died: a Lambda timeout).
    """
    from serverless.models import TaskRecord

    now = timezone.now()
    lease = settings.SQS_QUEUE_VISIBILITY_TIMEOUT if lease_seconds is None else lease_seconds
    lease_expires_at = now + timedelta(seconds=lease)
    if connection.vendor == "postgresql":
        record = _claim_in_one_statement(message, worker_id, now, lease_expires_at)
    else:
        record = _claim_in_a_transaction(message, worker_id, now, lease_expires_at)
    if record is not None:
        return record
    status, worker_ids = TaskRecord.objects.filter(pk=message.id).values_list("status", "worker_ids").get()
    if status == TaskResultStatus.SUCCESSFUL:
        return None
    raise TaskInProgress(f"task {message.id} is already running (attempt by {worker_ids[-1:]})")


# One round trip: insert the row RUNNING, or take over an existing one unless it
# succeeded or another attempt's lease still runs (then no row comes back).
# The row lock taken by ON CONFLICT serialises concurrent deliveries.
CLAIM_SQL = """
INSERT INTO {table} AS t (
    id, task_path, queue_name, backend, status, args, kwargs, return_value, errors, worker_ids,
    enqueued_at, run_after, started_at, last_attempted_at, finished_at, lease_expires_at
) VALUES (
    %(id)s, %(task_path)s, %(queue_name)s, %(backend)s, %(running)s, %(args)s::jsonb, %(kwargs)s::jsonb, NULL,
    '[]'::jsonb, %(worker_ids)s::jsonb, %(enqueued_at)s, %(run_after)s, %(now)s, %(now)s, NULL, %(lease_expires_at)s
)
ON CONFLICT (id) DO UPDATE SET
    status = EXCLUDED.status,
    started_at = COALESCE(t.started_at, EXCLUDED.started_at),
    last_attempted_at = EXCLUDED.last_attempted_at,
    lease_expires_at = EXCLUDED.lease_expires_at,
    worker_ids = t.worker_ids || EXCLUDED.worker_ids
WHERE t.status <> %(successful)s
    AND NOT (t.status = %(running)s AND t.lease_expires_at IS NOT NULL AND t.lease_expires_at > %(now)s)
RETURNING t.*
"""


def _claim_in_one_statement(message: TaskMessage, worker_id: str, now, lease_expires_at):
    from serverless.models import TaskRecord

    sql = CLAIM_SQL.format(table=connection.ops.quote_name(TaskRecord._meta.db_table))
    params = {
        "id": message.id,
        "task_path": message.task,
        "queue_name": message.queue,
        "backend": message.backend,
        "args": json.dumps(message.args),
        "kwargs": json.dumps(message.kwargs),
        "worker_ids": json.dumps([worker_id]),
        "enqueued_at": message.enqueued_datetime or now,
        "run_after": message.run_after_datetime,
        "now": now,
        "lease_expires_at": lease_expires_at,
        "running": TaskResultStatus.RUNNING,
        "successful": TaskResultStatus.SUCCESSFUL,
    }
    # raw() applies the JSON fields' decoding to the returned row.
    return next(iter(TaskRecord.objects.raw(sql, params)), None)


def _claim_in_a_transaction(message: TaskMessage, worker_id: str, now, lease_expires_at):
    """The same claim for databases without ``INSERT ... ON CONFLICT ... RETURNING`` semantics we rely on (SQLite)."""
    from serverless.models import TaskRecord

    with transaction.atomic():
        record, _ = TaskRecord.objects.select_for_update().get_or_create(
            pk=message.id,
            defaults={
                "task_path": message.task,
                "queue_name": message.queue,
                "backend": message.backend,
                "args": message.args,
                "kwargs": message.kwargs,
                "enqueued_at": message.enqueued_datetime or now,
                "run_after": message.run_after_datetime,
            },
        )
        if record.status == TaskResultStatus.SUCCESSFUL:
            return None
        if record.status == TaskResultStatus.RUNNING and record.lease_expires_at and record.lease_expires_at > now:
            return None
        record.lease_expires_at = lease_expires_at
        record.status = TaskResultStatus.RUNNING
        record.started_at = record.started_at or now
        record.last_attempted_at = now
        record.worker_ids = [*record.worker_ids, worker_id]
        record.save(update_fields=["lease_expires_at", "status", "started_at", "last_attempted_at", "worker_ids"])
    return record


def execute(task: Task, record) -> TaskResultStatus:
    result = record.to_task_result(task)
    sender = type(task.get_backend())
    task_started.send(sender=sender, task_result=result)
    try:
        if task.takes_context:
            value = task.call(TaskContext(task_result=result), *record.args, **record.kwargs)
        else:
            value = task.call(*record.args, **record.kwargs)
        value = normalize_json(value)
    except Exception as error:
        record.status = TaskResultStatus.FAILED
        record.finished_at = timezone.now()
        exception_type = type(error)
        record.add_error(
            {
                "exception_class_path": f"{exception_type.__module__}.{exception_type.__qualname__}",
                "traceback": "".join(traceback.format_exception(error)),
            }
        )
        _finish(record, sender, task)
        raise TaskFailed(f"{record.task_path} raised {exception_type.__name__}: {error}") from error
    record.status = TaskResultStatus.SUCCESSFUL
    record.return_value = value
    record.finished_at = timezone.now()
    _finish(record, sender, task)
    return TaskResultStatus.SUCCESSFUL


def _finish(record, sender: type, task: Task) -> None:
    # Only the columns this attempt changed; a task that broke the connection must not also lose its outcome.
    changed = ["status", "return_value" if record.status == TaskResultStatus.SUCCESSFUL else "errors", "finished_at"]
    _reconnecting(lambda: record.save(update_fields=changed))
    succeeded = record.status == TaskResultStatus.SUCCESSFUL
    metrics.add_metric(name="TasksSucceeded" if succeeded else "TasksFailed", unit=MetricUnit.Count, value=1)
    seconds = (record.finished_at - record.last_attempted_at).total_seconds()
    metrics.add_metric(name="TaskDuration", unit=MetricUnit.Milliseconds, value=round(seconds * 1000, 1))
    # Sent inside the except block on failure, so Django's receiver logs the traceback.
    task_finished.send(sender=sender, task_result=record.to_task_result(task))


def handle_record(record: SQSRecord, lambda_context: Any = None) -> None:
    """Process one SQS record; any exception makes it a batch item failure."""
    attempt = receive_count(record)
    try:
        message = TaskMessage.decode(record.body)
    except MalformedMessage as error:
        log.error("malformed task message %s refused: %s", record.message_id, error, extra={"attempt": attempt})
        metrics.add_metric(name="TaskMessagesRefused", unit=MetricUnit.Count, value=1)
        raise
    logger.append_keys(task_id=message.id, task_name=message.task, attempt=attempt)
    try:
        try:
            check_connections_once_per_invocation(lambda_context)
            run_message(
                message,
                worker_id=_worker_id(lambda_context),
                lease_seconds=_remaining(lambda_context),
                check_connections_first=False,
            )
        except registry.UnknownTask as error:
            log.error("task message %s refused: %s", record.message_id, error)
            metrics.add_metric(name="TaskMessagesRefused", unit=MetricUnit.Count, value=1)
            raise
        except TaskFailed as error:
            log.warning("attempt %s failed, SQS will retry: %s", attempt, error)
            raise
        except TaskInProgress as error:
            log.warning("%s: SQS will deliver this message again later", error)
            raise
        except Exception:
            log.exception("task message %s could not be run, SQS will retry", record.message_id)
            raise
    finally:
        logger.remove_keys(list(LOG_KEYS))


def receive_count(record: SQSRecord) -> int:
    """How many times SQS has delivered the record (1 when the attribute is absent or garbled)."""
    attributes = record.raw_event.get("attributes")
    count = attributes.get("ApproximateReceiveCount") if isinstance(attributes, dict) else None
    return int(count) if isinstance(count, str) and count.isdigit() else 1


def split_records(records: list[Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """The records a batch processor can run, and the message ids of those it cannot.

    SQS never sends a record without a ``messageId`` or a string ``body``, but
    a hand-made or damaged event can. A record with a usable ``messageId`` but
    no body is failed alone (SQS retries it, then dead-letters it); one without
    a ``messageId`` cannot even be named in ``batchItemFailures``, where an
    unknown identifier would fail the whole batch, so it is logged and dropped.
    """
    runnable, failed = [], []
    for position, record in enumerate(records):
        message_id = record.get("messageId") if isinstance(record, dict) else None
        if not isinstance(message_id, str) or not message_id:
            log.error("SQS record %s has no messageId and is dropped: %.200r", position, record)
            metrics.add_metric(name="TaskMessagesRefused", unit=MetricUnit.Count, value=1)
        elif not isinstance(record.get("body"), str):
            log.error("malformed task message %s refused: the record has no body", message_id)
            metrics.add_metric(name="TaskMessagesRefused", unit=MetricUnit.Count, value=1)
            failed.append(message_id)
        else:
            runnable.append(record)
    return runnable, failed


def handle_sqs_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Run a batch, answering ``{"batchItemFailures": [...]}`` (empty when all succeeded)."""
    runnable, failed = split_records(event["Records"])
    failures = [{"itemIdentifier": message_id} for message_id in failed]
    if not runnable:
        return {"batchItemFailures": failures}
    # raise_on_entire_batch_failure=False: even an all-failed batch is reported
    # item by item, so the retry and DLQ accounting stays per message.
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    response = process_partial_response(
        event={**event, "Records": runnable}, record_handler=handle_record, processor=processor, context=context
    )
    return {"batchItemFailures": failures + response["batchItemFailures"]}


def run_periodic(name: str, context: Any) -> dict[str, Any]:
    """Run the named periodic task now (an EventBridge schedule), recording its result row."""
    task = registry.periodic_task(name)
    message = TaskMessage(
        id=f"{name}-{_worker_id(context)}"[:64],
        task=task.module_path,
        queue="periodic",
        enqueued_at=timezone.now().isoformat(),
    )
    logger.append_keys(task_id=message.id, task_name=message.task, attempt=1)
    try:
        status = run_message(message, worker_id=_worker_id(context), lease_seconds=_remaining(context))
    finally:
        logger.remove_keys(list(LOG_KEYS))
    return {"periodic_task": name, "task_id": message.id, "status": status or TaskResultStatus.SUCCESSFUL}


def handle_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The WorkerFunction's entry point: an SQS batch or a scheduled ``{"periodic_task": name}``."""
    if isinstance(event, dict) and isinstance(event.get("Records"), list):
        return handle_sqs_event(event, context)
    if isinstance(event, dict) and "periodic_task" in event:
        name = event["periodic_task"]
        try:
            return run_periodic(name, context) if isinstance(name, str) else _refuse(f"periodic_task {name!r}")
        except registry.UnknownPeriodicTask as error:
            return _refuse(str(error))
    # Raising would only make Lambda retry the same event: say so once and acknowledge it.
    return _refuse('unrecognised worker event: expected SQS "Records" or {"periodic_task": "<name>"}')


def _refuse(problem: str) -> dict[str, Any]:
    """Acknowledge an event that can never run (logged as an error), so it is not retried."""
    log.error("worker event refused: %s", problem)
    metrics.add_metric(name="TaskMessagesRefused", unit=MetricUnit.Count, value=1)
    return {"batchItemFailures": [], "refused": problem}


def _worker_id(context: Any) -> str:
    return getattr(context, "aws_request_id", None) or "local"


def _remaining(context: Any) -> float | None:
    """Seconds this invocation has left: no attempt of it can last longer."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return remaining() / 1000 + 1 if remaining else None


def check_queue_settings() -> str | None:
    """At start-up: say clearly (an ERROR log) if the queue's VisibilityTimeout is not the configured one.

    Not fatal: a worker that refused to start would send every message to the
    DLQ; a mismatch only makes retries early or late. Returns the problem.
    """
    from django.tasks import default_task_backend

    check = getattr(default_task_backend, "visibility_timeout_problem", None)
    if check is None:
        return None
    try:
        problem = check()
    except Exception as error:
        log.warning("could not compare SQS_QUEUE_VISIBILITY_TIMEOUT with the queue: %s", error)
        return None
    if problem:
        log.error(problem)
    return problem
