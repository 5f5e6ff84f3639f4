"""Running tasks: one SQS batch, or one message (a schedule, the ThreadBackend).

On PostgreSQL a whole SQS batch is claimed in one statement, whatever its size
(``TaskBatchProcessor``): every record is decoded first and one
``INSERT ... SELECT ... FROM jsonb_to_recordset ... ON CONFLICT`` claims all
their tasks under one lease. The claimed tasks then run one after another, and
each one's end is recorded (one ``UPDATE`` of its row) as soon as it ends,
before the next task starts. A batch of N messages costs 1 + N statements; a
third kind is needed only when some claims come back empty, to tell a task that
already succeeded from one that another attempt holds.

Each end is written at once because nothing later may decide it: a task that
leaves a transaction open (its connection is given back clean, and that task
fails, ``serverless.tasks.connections.give_back_clean``), or Lambda ending the
invocation at its timeout, would otherwise take every end still waiting to be
written with it, and SQS would run those finished tasks again.

Each SQS record succeeds or fails alone (Powertools' ``BatchProcessor``): a
malformed body, a path that is not a declared task, a task that raises, a task
another attempt holds, a value the database refuses, an end that cannot be
recorded — each makes that record a ``batchItemFailures`` entry and leaves its
neighbours alone. A record whose end could not be recorded is retried: SQS
delivers it again and it runs again once its lease has expired. After
``maxReceiveCount`` receives SQS moves a message to the dead-letter queue.

Delivery is at least once, so the result row decides: a message whose task
already succeeded is acknowledged without running it again. The claims and
their lease are ``serverless.tasks.claims``; the connection checks around a
batch and a task, ``serverless.tasks.connections``.
"""

import json
import logging
import os
import traceback
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from django.db import connection
from django.tasks import Task, TaskContext, TaskResultStatus
from django.tasks.signals import task_finished, task_started
from django.utils import timezone
from django.utils.json import normalize_json

from serverless.logging import SERVICE, logger
from serverless.tasks import registry
from serverless.tasks.claims import TaskInProgress, claim, claim_all
from serverless.tasks.connections import (
    TransactionLeftOpen,
    check_connections,
    drop_broken_connections,
    give_back_clean,
    open_atomic_blocks,
    outcome_of,
)
from serverless.tasks.message import MalformedMessage, TaskMessage

log = logging.getLogger(__name__)

LOG_KEYS = ("task_id", "task_name", "attempt")

# CloudWatch metrics (embedded metric format, written with the logs): the
# function handler flushes them after each invocation.
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "PanelApp"), service=SERVICE)


class TaskFailed(RuntimeError):
    """The task raised; the error is recorded on its result row."""


@dataclass
class Attempt:
    """A claimed task that has run: its row holds the outcome, which the database does not have yet.

    ``error`` is the exception the task raised (None on success), kept with its
    traceback for the ``task_finished`` signal.
    """

    task: Task
    record: Any  # serverless.models.TaskRecord (imported late: this module loads before the apps)
    started_at: datetime
    error: Exception | None = None


def run_message(message: TaskMessage, worker_id: str, lease_seconds: float | None = None) -> TaskResultStatus | None:
    """Run one message's task now; None when it had already succeeded (nothing ran).

    For a message on its own: a periodic task, the ThreadBackend. ``lease_seconds``
    is how long this attempt can possibly last (the Lambda's remaining time);
    without it, the queue's visibility timeout. Two statements: the claim and
    the record of its end.

    Raises ``UnknownTask`` for an undeclared path (never imported),
    ``TaskInProgress`` while another attempt holds the task, ``TaskFailed``
    when the task raised, or the database's own error.
    """
    task = registry.declared_task(message.task)
    check_connections()
    record = claim(message, worker_id, lease_seconds)
    if record is None:
        _acknowledge_duplicate()
        return None
    return execute(task, record)


def execute(task: Task, record: Any) -> TaskResultStatus:
    """Run a claimed task, record its end at once and announce it (metrics, ``task_finished``).

    The end is written before anything else runs, so no later task, however it
    behaves, and no timeout of the invocation can take it away. Raises
    ``TaskFailed`` when the task raised (its row says FAILED), or the
    database's error when the end could not be recorded (the row stays RUNNING
    until its lease expires, and SQS retries).
    """
    attempt = run_claimed(task, record)
    drop_broken_connections()
    error = record_end(attempt)
    if error is not None:
        log.error("the end of task %s could not be recorded, SQS will retry it: %s", record.id, error)
        raise error
    announce_end(attempt)
    if attempt.error is not None:
        raise TaskFailed(_failure(attempt)) from attempt.error
    return TaskResultStatus.SUCCESSFUL


def _acknowledge_duplicate() -> None:
    log.info("task already succeeded: duplicate delivery acknowledged without running it")
    metrics.add_metric(name="TaskDuplicatesSkipped", unit=MetricUnit.Count, value=1)


def _failure(attempt: Attempt) -> str:
    error = attempt.error
    return f"{attempt.record.task_path} raised {type(error).__name__}: {error}"


# --- Running and recording --------------------------------------------------------------


def run_claimed(task: Task, record: Any) -> Attempt:
    """Run a claimed task (``task_started``, its context, a JSON return value); its end is left to ``record_end``.

    Never raises for the task's own failure: the row becomes FAILED with the
    exception's class and traceback appended to its errors, and the exception
    is kept on the attempt.
    """
    result = record.to_task_result(task)
    started_at = timezone.now()
    task_started.send(sender=type(task.get_backend()), task_result=result)
    blocks = open_atomic_blocks()
    try:
        try:
            if task.takes_context:
                value = task.call(TaskContext(task_result=result), *record.args, **record.kwargs)
            else:
                value = task.call(*record.args, **record.kwargs)
            value = normalize_json(value)
        finally:
            left_open = give_back_clean(blocks)
        if left_open is not None:
            raise TransactionLeftOpen(left_open)
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
        return Attempt(task=task, record=record, started_at=started_at, error=error)
    record.status = TaskResultStatus.SUCCESSFUL
    record.return_value = value
    record.finished_at = timezone.now()
    return Attempt(task=task, record=record, started_at=started_at)


def record_end(attempt: Attempt) -> Exception | None:
    """Write the attempt's end (one ``UPDATE`` of its row): None once written, else the error that stopped it.

    On a connection retried once if the task broke it. Only the columns an
    attempt's end changes are written: never the arguments, and not the worker
    ids an attempt that took over after an expired lease may have appended (a
    failure's error is appended to the row's errors in place).
    """
    if connection.vendor != "postgresql":
        columns = ["status", "errors" if attempt.error is not None else "return_value", "finished_at"]
        result = outcome_of(lambda: attempt.record.save(update_fields=columns))
    else:
        result = outcome_of(lambda: _update_end(attempt))
    return result if isinstance(result, Exception) else None


# An end as one plain statement: the ORM's save() costs more Python than the round trip.
END_SQL = "UPDATE {table} SET status = %s, finished_at = %s, {outcome} WHERE id = %s"


def _update_end(attempt: Attempt) -> None:
    from serverless.models import TaskRecord

    record = attempt.record
    if attempt.error is None:
        outcome, value = "return_value = %s::jsonb", record.return_value
    else:
        outcome, value = "errors = errors || jsonb_build_array(%s::jsonb)", record.errors[-1]
    sql = END_SQL.format(table=connection.ops.quote_name(TaskRecord._meta.db_table), outcome=outcome)
    with connection.cursor() as cursor:
        cursor.execute(sql, [record.status, record.finished_at, json.dumps(value), record.id])


def announce_end(attempt: Attempt) -> None:
    """Once its end is recorded: the task's metrics and ``task_finished`` (Django's receiver logs it).

    A failure's signal is sent while its exception is being handled, as Django's
    own backends do, so the receiver logs the task's traceback.
    """
    succeeded = attempt.error is None
    metrics.add_metric(name="TasksSucceeded" if succeeded else "TasksFailed", unit=MetricUnit.Count, value=1)
    seconds = (attempt.record.finished_at - attempt.started_at).total_seconds()
    metrics.add_metric(name="TaskDuration", unit=MetricUnit.Milliseconds, value=round(seconds * 1000, 1))
    sender, result = type(attempt.task.get_backend()), attempt.record.to_task_result(attempt.task)
    if succeeded:
        task_finished.send(sender=sender, task_result=result)
        return
    error = attempt.error
    task_traceback = error.__traceback__
    try:
        raise error
    except Exception:
        error.__traceback__ = task_traceback  # the task's frames, not this one
        task_finished.send(sender=sender, task_result=result)


# --- SQS batches ----------------------------------------------------------------------------


@dataclass
class Delivery:
    """One SQS record of a batch, decoded and claimed before any task of the batch runs."""

    message_id: str
    receive_count: int
    message: TaskMessage | None = None
    task: Task | None = None
    record: Any = None  # the claimed row; None when the task already succeeded
    refused: Exception | None = None  # why it cannot run now


class TaskBatchProcessor(BatchProcessor):
    """Powertools' ``BatchProcessor``, with a batch's tasks claimed together before any runs.

    ``_prepare`` decodes every record and claims all their tasks in one
    statement; Powertools then calls ``run`` for each record, in order, and
    keeps each record's failure to itself; each run records its own end before
    the next starts. (Extending ``_prepare`` is how Powertools documents custom
    processors.)
    """

    def __init__(self) -> None:
        # raise_on_entire_batch_failure=False: even an all-failed batch is reported
        # item by item, so the retry and DLQ accounting stays per message.
        super().__init__(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        self._deliveries: dict[str, list[Delivery]] = {}

    def _prepare(self) -> None:
        super()._prepare()
        context = getattr(self, "lambda_context", None)
        deliveries = [_decode(record) for record in self.records]
        runnable = [delivery for delivery in deliveries if delivery.refused is None]
        if runnable:
            try:
                check_connections()
                claims = claim_all([d.message for d in runnable], _worker_id(context), _remaining(context))
            except Exception as error:  # each record fails alone (and is logged) when its turn comes
                claims = [error] * len(runnable)
            for delivery, claimed in zip(runnable, claims, strict=True):
                if isinstance(claimed, Exception):
                    delivery.refused = claimed
                else:
                    delivery.record = claimed
        self._deliveries = {}
        for delivery in deliveries:
            self._deliveries.setdefault(delivery.message_id, []).append(delivery)

    def run(self, record: SQSRecord) -> None:
        """The record handler: run this record's claimed task; any exception makes it a batch item failure."""
        delivery = self._deliveries[record.message_id].pop(0)
        if isinstance(delivery.refused, MalformedMessage):
            log.error(
                "malformed task message %s refused: %s",
                record.message_id,
                delivery.refused,
                extra={"attempt": delivery.receive_count},
            )
            metrics.add_metric(name="TaskMessagesRefused", unit=MetricUnit.Count, value=1)
            raise delivery.refused
        message = delivery.message
        logger.append_keys(task_id=message.id, task_name=message.task, attempt=delivery.receive_count)
        try:
            try:
                self._run(delivery, record)
            except registry.UnknownTask as error:
                log.error("task message %s refused: %s", record.message_id, error)
                metrics.add_metric(name="TaskMessagesRefused", unit=MetricUnit.Count, value=1)
                raise
            except TaskFailed as error:
                log.warning("attempt %s failed, SQS will retry: %s", delivery.receive_count, error)
                raise
            except TaskInProgress as error:
                log.warning("%s: SQS will deliver this message again later", error)
                raise
            except Exception:
                log.exception("task message %s could not be run, SQS will retry", record.message_id)
                raise
        finally:
            logger.remove_keys(list(LOG_KEYS))

    def _run(self, delivery: Delivery, record: SQSRecord) -> None:
        if delivery.refused is not None:
            raise delivery.refused
        if delivery.record is None:
            _acknowledge_duplicate()
            return
        execute(delivery.task, delivery.record)


def _decode(record: dict[str, Any]) -> Delivery:
    """The record's message and declared task, or why it is refused (a task never imported from a message)."""
    sqs_record = SQSRecord(record)
    delivery = Delivery(message_id=sqs_record.message_id, receive_count=receive_count(sqs_record))
    try:
        delivery.message = TaskMessage.decode(sqs_record.body)
        delivery.task = registry.declared_task(delivery.message.task)
    except (MalformedMessage, registry.UnknownTask) as error:
        delivery.refused = error
    return delivery


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
    processor = TaskBatchProcessor()
    response = process_partial_response(
        event={**event, "Records": runnable}, record_handler=processor.run, processor=processor, context=context
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
