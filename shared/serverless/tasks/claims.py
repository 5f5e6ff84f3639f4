"""Claims: a task's row marked RUNNING for one attempt, under a lease, before the task runs.

Delivery is at least once, so the row decides what a delivery may do: a task
that already succeeded is not run again, and while one attempt's lease runs no
other attempt may start (a RUNNING row past its lease means that worker died:
a Lambda timeout). On PostgreSQL one ``INSERT ... SELECT ... FROM
jsonb_to_recordset ... ON CONFLICT ... RETURNING`` claims a whole SQS batch;
elsewhere (SQLite) each message is claimed in a transaction of its own.
"""

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DataError, IntegrityError, connection, transaction
from django.tasks import TaskResultStatus
from django.utils import timezone

from serverless.tasks.connections import outcome_of, reconnecting
from serverless.tasks.message import TaskMessage


class TaskInProgress(RuntimeError):
    """Another attempt holds this task right now (a duplicate delivery): SQS delivers it again later."""


_NOT_CLAIMED = object()  # the row exists and was left alone: succeeded, or another attempt's lease runs


def claim(message: TaskMessage, worker_id: str, lease_seconds: float | None = None) -> Any:
    """Mark the task's row RUNNING for this attempt, creating it if the enqueuer's is not visible.

    Returns the row, or None when the task already succeeded; raises
    ``TaskInProgress`` while another attempt holds an unexpired lease (a
    RUNNING row past its lease means that worker died: a Lambda timeout).
    """
    [claimed] = claim_all([message], worker_id, lease_seconds)
    if isinstance(claimed, Exception):
        raise claimed
    return claimed


def claim_all(messages: Sequence[TaskMessage], worker_id: str, lease_seconds: float | None = None) -> list[Any]:
    """``claim`` for many messages at once, in order: each a row, None (already succeeded) or an exception.

    On PostgreSQL one statement claims them all, plus one query when some
    are left unclaimed. The exception, per message, is ``TaskInProgress``
    (another attempt's lease runs) or the database's error. A value the
    database refuses (``DataError``: a NUL character, a number JSON cannot
    hold) makes the statement claim message by message, so that only its
    message fails, as if each were alone.

    A task id that comes twice is claimed once (one statement cannot update a
    row twice); the later message shares the first one's outcome, except that
    when the first is claimed, the later is ``TaskInProgress``: SQS delivers it
    again, and by then the first has succeeded.
    """
    now = timezone.now()
    lease = settings.SQS_QUEUE_VISIBILITY_TIMEOUT if lease_seconds is None else lease_seconds
    lease_expires_at = now + timedelta(seconds=lease)
    first: dict[str, int] = {}
    for position, message in enumerate(messages):
        first.setdefault(message.id, position)
    unique = [messages[position] for position in first.values()]
    if connection.vendor == "postgresql":
        outcomes = _claim_together(unique, worker_id, now, lease_expires_at)
    else:
        outcomes = [
            outcome_of(lambda m=m: _claim_in_a_transaction(m, worker_id, now, lease_expires_at)) for m in unique
        ]
    _explain_unclaimed(unique, outcomes)
    by_id = dict(zip(first, outcomes, strict=True))
    claimed: list[Any] = []
    for position, message in enumerate(messages):
        outcome = by_id[message.id]
        if position != first[message.id] and not (outcome is None or isinstance(outcome, Exception)):
            outcome = TaskInProgress(f"task {message.id} is delivered twice in this batch: the first delivery runs it")
        claimed.append(outcome)
    return claimed


def _explain_unclaimed(messages: Sequence[TaskMessage], claimed: list[Any]) -> None:
    """Replace each ``_NOT_CLAIMED`` by None (the task succeeded) or ``TaskInProgress``: one query for all."""
    from serverless.models import TaskRecord

    unclaimed = [position for position, outcome in enumerate(claimed) if outcome is _NOT_CLAIMED]
    if not unclaimed:
        return
    ids = [messages[position].id for position in unclaimed]
    try:
        rows = reconnecting(
            lambda: list(TaskRecord.objects.filter(pk__in=ids).values_list("pk", "status", "worker_ids"))
        )
        states = {pk: (status, worker_ids) for pk, status, worker_ids in rows}
    except Exception as error:
        states, failure = {}, error
    else:
        failure = None
    for position in unclaimed:
        task_id = messages[position].id
        status, worker_ids = states.get(task_id, (None, []))
        if status == TaskResultStatus.SUCCESSFUL:
            claimed[position] = None
        elif failure is not None:
            claimed[position] = failure
        else:
            claimed[position] = TaskInProgress(f"task {task_id} is already running (attempt by {worker_ids[-1:]})")


# One round trip for a whole batch: insert each row RUNNING, or take over an
# existing one unless it succeeded or another attempt's lease still runs (then
# no row comes back for it). The row locks taken by ON CONFLICT serialise
# concurrent deliveries; ids must be unique within the statement.
CLAIM_SQL = """
INSERT INTO {table} AS t (
    id, task_path, queue_name, backend, status, args, kwargs, return_value, errors, worker_ids,
    enqueued_at, run_after, started_at, last_attempted_at, finished_at, lease_expires_at
)
SELECT
    m.id, m.task_path, m.queue_name, m.backend, %(running)s, m.args, m.kwargs, NULL,
    '[]'::jsonb, %(worker_ids)s::jsonb, COALESCE(m.enqueued_at, %(now)s), m.run_after, %(now)s, %(now)s, NULL,
    %(lease_expires_at)s
FROM jsonb_to_recordset(%(messages)s::jsonb) AS m(
    id text, task_path text, queue_name text, backend text, args jsonb, kwargs jsonb,
    enqueued_at timestamptz, run_after timestamptz
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


def _claim_together(
    messages: Sequence[TaskMessage], worker_id: str, now: datetime, lease_expires_at: datetime
) -> list[Any]:
    """Each message's row, ``_NOT_CLAIMED`` or the exception that stopped its claim, in order."""
    if not messages:
        return []
    try:
        rows = reconnecting(lambda: _claim_rows(messages, worker_id, now, lease_expires_at))
    except (DataError, IntegrityError) as error:
        if len(messages) == 1:
            return [error]
        return [outcome for m in messages for outcome in _claim_together([m], worker_id, now, lease_expires_at)]
    except Exception as error:
        return [error] * len(messages)
    by_id = {row.id: row for row in rows}
    return [by_id.get(message.id, _NOT_CLAIMED) for message in messages]


def _claim_rows(messages: Sequence[TaskMessage], worker_id: str, now: datetime, lease_expires_at: datetime) -> list:
    from serverless.models import TaskRecord

    sql = CLAIM_SQL.format(table=connection.ops.quote_name(TaskRecord._meta.db_table))
    params = {
        "messages": json.dumps(
            [
                {
                    "id": message.id,
                    "task_path": message.task,
                    "queue_name": message.queue,
                    "backend": message.backend,
                    "args": message.args,
                    "kwargs": message.kwargs,
                    "enqueued_at": _isoformat(message.enqueued_datetime),
                    "run_after": _isoformat(message.run_after_datetime),
                }
                for message in messages
            ]
        ),
        "worker_ids": json.dumps([worker_id]),
        "now": now,
        "lease_expires_at": lease_expires_at,
        "running": TaskResultStatus.RUNNING,
        "successful": TaskResultStatus.SUCCESSFUL,
    }
    # raw() applies the JSON fields' decoding to the returned rows.
    return list(TaskRecord.objects.raw(sql, params))


def _isoformat(moment: datetime | None) -> str | None:
    """As PostgreSQL reads it: Python's own rendering of a timestamp Python could parse."""
    return None if moment is None else moment.isoformat()


def _claim_in_a_transaction(message: TaskMessage, worker_id: str, now: datetime, lease_expires_at: datetime) -> Any:
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
            return _NOT_CLAIMED
        if record.status == TaskResultStatus.RUNNING and record.lease_expires_at and record.lease_expires_at > now:
            return _NOT_CLAIMED
        record.lease_expires_at = lease_expires_at
        record.status = TaskResultStatus.RUNNING
        record.started_at = record.started_at or now
        record.last_attempted_at = now
        record.worker_ids = [*record.worker_ids, worker_id]
        record.save(update_fields=["lease_expires_at", "status", "started_at", "last_attempted_at", "worker_ids"])
    return record
