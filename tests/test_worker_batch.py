"""An SQS batch is claimed and recorded together, yet each record comes to its own end.

The worker claims a batch's tasks in one statement and records their ends in
one (``TaskBatchProcessor``); these are the guarantees that must survive it:
each record fails or succeeds alone, a duplicate runs once, a lease keeps a
second attempt away until it expires, and no row says SUCCESSFUL unless that is
written — when the ends cannot be recorded, every record that ran is retried.
"""

import json
import uuid
from datetime import timedelta

import pytest
from django.db import OperationalError, connection
from django.tasks import TaskResultStatus, task
from django.utils import timezone
from serverless.local.events import sqs_event
from serverless.models import TaskRecord
from serverless.tasks.message import TaskMessage

from tests.conftest import load_function
from tests.test_tasks_app import CALLS, declared, drop_own_connection, explode, record_call  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)

QUEUE_ARN = "arn:aws:sqs:eu-west-2:123456789012:panelapp"
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own behaviour")


@task
def count_task_records() -> int:
    """Needs a working database connection."""
    return TaskRecord.objects.count()


@task
def close_connection_under_django() -> str:
    """Close the driver's connection behind Django's back: Django still believes it open."""
    connection.ensure_connection()
    connection.connection.close()
    return "closed"


@task
def return_text_with_nul() -> str:
    return "a\x00b"  # valid JSON, refused by PostgreSQL's jsonb


@pytest.fixture
def tasks(declared, settings):  # noqa: F811
    settings.TASK_MODULES = [*settings.TASK_MODULES, __name__]


@pytest.fixture(scope="module")
def worker():
    return load_function("worker")


def message(task_, *args) -> TaskMessage:
    return TaskMessage(id=uuid.uuid4().hex, task=task_.module_path, args=list(args), kwargs={})


def delivery(body: str | TaskMessage, message_id: str | None = None) -> dict:
    """One message as ReceiveMessage returns it."""
    return {
        "MessageId": message_id or str(uuid.uuid4()),
        "ReceiptHandle": "handle",
        "Body": body.encode() if isinstance(body, TaskMessage) else body,
        "Attributes": {"ApproximateReceiveCount": "1"},
    }


def event(*deliveries: dict) -> dict:
    return sqs_event(list(deliveries), QUEUE_ARN, "eu-west-2")


def failed(response: dict) -> list[str]:
    return sorted(item["itemIdentifier"] for item in response["batchItemFailures"])


def existing_row(msg: TaskMessage, **fields) -> TaskRecord:
    """The task's row as the enqueuer (or another attempt, given ``fields``) left it before this delivery."""
    return TaskRecord.objects.create(
        id=msg.id,
        task_path=msg.task,
        queue_name="default",
        backend="default",
        args=msg.args,
        enqueued_at=timezone.now(),
        **fields,
    )


@pytest.mark.smoke
def test_each_record_of_a_mixed_batch_comes_to_its_own_end(tasks, worker, lambda_context):
    ours = lambda_context.aws_request_id
    good, raises = message(record_call, "good"), message(explode, "boom")
    done, twice = message(record_call, "done"), message(record_call, "twice")
    held, abandoned = message(record_call, "held"), message(record_call, "abandoned")
    existing_row(done, status=TaskResultStatus.SUCCESSFUL, worker_ids=["earlier"], return_value="done")
    existing_row(
        held,
        status=TaskResultStatus.RUNNING,
        worker_ids=["other"],
        lease_expires_at=timezone.now() + timedelta(minutes=5),
    )
    existing_row(
        abandoned,
        status=TaskResultStatus.RUNNING,
        worker_ids=["dead"],
        lease_expires_at=timezone.now() - timedelta(seconds=1),
    )
    batch = event(
        delivery("not json", "malformed"),
        delivery(json.dumps({"version": 1, "id": "u" * 32, "task": "os.system", "args": [], "kwargs": {}}), "unknown"),
        delivery(raises, "raises"),
        delivery(done, "done"),
        delivery(twice, "twice-first"),
        delivery(twice, "twice-again"),
        delivery(held, "held"),
        delivery(abandoned, "abandoned"),
        delivery(good, "good"),
    )

    response = worker.lambda_handler(batch, lambda_context)

    assert failed(response) == ["held", "malformed", "raises", "twice-again", "unknown"]
    assert sorted(CALLS) == ["abandoned", "good", "twice"]
    rows = {row.id: row for row in TaskRecord.objects.all()}
    assert set(rows) == {good.id, raises.id, done.id, twice.id, held.id, abandoned.id}  # none for the refused
    assert (rows[good.id].status, rows[good.id].return_value, rows[good.id].worker_ids) == (
        "SUCCESSFUL",
        "good",
        [ours],
    )
    assert rows[raises.id].status == "FAILED"
    assert [error["exception_class_path"] for error in rows[raises.id].errors] == ["builtins.RuntimeError"]
    assert (rows[done.id].status, rows[done.id].worker_ids) == ("SUCCESSFUL", ["earlier"])
    assert (rows[twice.id].status, rows[twice.id].worker_ids) == ("SUCCESSFUL", [ours])
    assert (rows[held.id].status, rows[held.id].worker_ids) == ("RUNNING", ["other"])
    assert (rows[abandoned.id].status, rows[abandoned.id].worker_ids) == ("SUCCESSFUL", ["dead", ours])


def test_a_task_delivered_twice_in_one_batch_runs_once_and_its_redelivery_is_acknowledged(
    tasks, worker, lambda_context
):
    twice = message(record_call, "twice")
    batch = event(delivery(twice, "first"), delivery(twice, "again"))

    assert failed(worker.lambda_handler(batch, lambda_context)) == ["again"]
    redelivered = event(delivery(twice, "again"))
    assert worker.lambda_handler(redelivered, lambda_context) == {"batchItemFailures": []}

    assert CALLS == ["twice"]
    assert TaskRecord.objects.get(pk=twice.id).worker_ids == [lambda_context.aws_request_id]


def test_a_succeeded_task_delivered_twice_in_one_batch_is_acknowledged_twice_without_running(
    tasks, worker, lambda_context
):
    done = message(record_call, "done")
    existing_row(done, status=TaskResultStatus.SUCCESSFUL, worker_ids=["earlier"])

    response = worker.lambda_handler(event(delivery(done, "first"), delivery(done, "again")), lambda_context)

    assert response == {"batchItemFailures": []}
    assert CALLS == []
    assert TaskRecord.objects.get(pk=done.id).worker_ids == ["earlier"]


def test_one_lease_covers_every_task_of_the_batch_for_the_invocation_s_remaining_time(tasks, worker, lambda_context):
    messages = [message(record_call, str(n)) for n in range(3)]
    before = timezone.now()

    worker.lambda_handler(event(*(delivery(m) for m in messages)), lambda_context)

    remaining = timedelta(seconds=lambda_context.get_remaining_time_in_millis() / 1000)
    leases = set(TaskRecord.objects.values_list("lease_expires_at", flat=True))
    assert len(leases) == 1
    assert before + remaining <= leases.pop() <= timezone.now() + remaining + timedelta(seconds=1)


@postgresql_only
def test_a_task_after_one_that_broke_the_connection_gets_a_working_one(tasks, worker, lambda_context):
    dropping, counting = message(drop_own_connection), message(count_task_records)
    batch = event(delivery(dropping, "drops"), delivery(counting, "counts"))

    response = worker.lambda_handler(batch, lambda_context)

    assert failed(response) == ["drops"]
    assert TaskRecord.objects.get(pk=dropping.id).status == "FAILED"
    assert (TaskRecord.objects.get(pk=counting.id).status, TaskRecord.objects.get(pk=counting.id).return_value) == (
        "SUCCESSFUL",
        2,
    )


@postgresql_only
def test_the_ends_are_recorded_on_a_new_connection_when_a_task_closed_it_unnoticed(tasks, worker, lambda_context):
    messages = [message(record_call, "before"), message(close_connection_under_django), message(record_call, "after")]

    response = worker.lambda_handler(event(*(delivery(m) for m in messages)), lambda_context)

    assert response == {"batchItemFailures": []}
    assert set(TaskRecord.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


def refuse_updates(execute, sql, params, many, context):
    """The database goes away just as the ends are written (the connection itself still answers)."""
    if sql.lstrip().startswith("UPDATE") and "finished_at" in sql:  # not the claim's (SQLite's claim updates too)
        raise OperationalError("server closed the connection unexpectedly")
    return execute(sql, params, many, context)


@pytest.mark.smoke
def test_when_the_ends_cannot_be_recorded_every_record_that_ran_is_retried_and_none_claims_success(
    tasks, worker, lambda_context
):
    first, second, raises = message(record_call, "first"), message(record_call, "second"), message(explode, "boom")
    done = message(record_call, "done")
    existing_row(done, status=TaskResultStatus.SUCCESSFUL, worker_ids=["earlier"])
    batch = event(
        delivery(first, "first"), delivery(second, "second"), delivery(raises, "raises"), delivery(done, "done")
    )

    with connection.execute_wrapper(refuse_updates):
        response = worker.lambda_handler(batch, lambda_context)

    assert failed(response) == ["first", "raises", "second"]  # "done" ran nothing and stays acknowledged
    ran = TaskRecord.objects.filter(pk__in=[first.id, second.id, raises.id])
    assert set(ran.values_list("status", flat=True)) == {"RUNNING"}  # their lease runs out, then SQS retries
    assert TaskRecord.objects.get(pk=raises.id).errors == []

    ran.update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    retried = worker.lambda_handler(batch, lambda_context)

    assert failed(retried) == ["raises"]
    assert CALLS == ["first", "second", "first", "second"]
    assert set(TaskRecord.objects.filter(pk__in=[first.id, second.id]).values_list("status", flat=True)) == {
        "SUCCESSFUL"
    }


@postgresql_only
def test_a_return_value_the_database_refuses_fails_only_its_own_record(tasks, worker, lambda_context):
    refused, neighbour = message(return_text_with_nul), message(record_call, "neighbour")

    response = worker.lambda_handler(event(delivery(refused, "refused"), delivery(neighbour, "ok")), lambda_context)

    assert failed(response) == ["refused"]
    assert TaskRecord.objects.get(pk=refused.id).status == "RUNNING"  # retried once its lease runs out
    assert TaskRecord.objects.get(pk=neighbour.id).status == "SUCCESSFUL"


@postgresql_only
def test_arguments_the_database_refuses_fail_only_their_own_record(tasks, worker, lambda_context):
    refused, neighbour = message(record_call, "a\x00b"), message(record_call, "neighbour")

    response = worker.lambda_handler(event(delivery(refused, "refused"), delivery(neighbour, "ok")), lambda_context)

    assert failed(response) == ["refused"]
    assert CALLS == ["neighbour"]
    assert list(TaskRecord.objects.values_list("pk", flat=True)) == [neighbour.id]


def test_a_failed_task_is_logged_once_finished_with_its_id_and_its_own_traceback(tasks, worker, lambda_context, capsys):
    raises = message(explode, "boom")

    worker.lambda_handler(event(delivery(raises)), lambda_context)

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"level"')]
    [finished] = [line for line in lines if line.get("location", "").startswith("log_task_finished")]
    assert finished["level"] == "ERROR" and finished["task_id"] == raises.id
    assert "state=FAILED" in finished["message"]
    assert "raise RuntimeError(reason)" in finished["exception"] and "RuntimeError: boom" in finished["exception"]
    assert "announce_end" not in finished["exception"]  # the task's frames, not the worker's
