"""A task's behaviour never decides its neighbours' outcomes: each record's end is durable on its own.

Two ways a batch used to lose what its good tasks had done: a task that left a
transaction open swallowed the ends recorded after it (the connection was later
closed, rolling them back), and an invocation killed at its timeout lost the
ends of every task that had finished before the kill, so SQS ran them again.
Each end is now recorded as soon as its task ends, on a connection the task
is made to give back clean.
"""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.tasks import task
from django.utils import timezone
from serverless.models import TaskRecord

from tests.test_tasks_app import CALLS, declared, record_call  # noqa: F401 (a fixture)
from tests.test_worker_batch import count_task_records, delivery, event, failed, message

pytestmark = pytest.mark.django_db(transaction=True)


class Killed(BaseException):
    """Stands for Lambda ending the invocation at its timeout: nothing of the worker runs after it."""


KILL_NEXT_RUN: list[bool] = []


@task
def leave_autocommit_off() -> str:
    """Turns autocommit off, writes, and returns: its write is never committed."""
    connection.set_autocommit(False)
    TaskRecord.objects.filter(task_path="nothing").update(queue_name="leaked")
    return "left open"


@task
def leave_an_atomic_block_open() -> str:
    transaction.atomic().__enter__()
    TaskRecord.objects.count()
    return "left open"


@task
def begin_behind_django() -> str:
    """Starts a transaction with SQL, behind Django's back: Django still believes itself in autocommit."""
    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
        cursor.execute("SELECT 1")
    return "left open"


@task
def killed_once(label: str) -> str:
    CALLS.append(label)
    if not KILL_NEXT_RUN:
        KILL_NEXT_RUN.append(True)
        raise Killed
    return label


@pytest.fixture
def tasks(declared, settings):  # noqa: F811
    settings.TASK_MODULES = [*settings.TASK_MODULES, __name__, "tests.test_worker_batch"]
    KILL_NEXT_RUN.clear()


@pytest.fixture
def worker():
    from tests.conftest import load_function

    return load_function("worker")


def statuses_after_reconnecting(*messages) -> list[str]:
    """What a later invocation sees: the connection is closed (rolling back anything uncommitted) and reopened."""
    connection.close()
    rows = dict(TaskRecord.objects.filter(pk__in=[m.id for m in messages]).values_list("pk", "status"))
    return [rows.get(m.id) for m in messages]


@pytest.mark.parametrize("leak", [leave_autocommit_off, leave_an_atomic_block_open, begin_behind_django])
def test_a_task_that_leaves_a_transaction_open_fails_alone_and_its_neighbours_ends_are_committed(
    tasks, worker, lambda_context, leak
):
    first, leaking, last = message(count_task_records), message(leak), message(count_task_records)
    batch = event(delivery(first, "first"), delivery(leaking, "leaks"), delivery(last, "last"))

    response = worker.lambda_handler(batch, lambda_context)

    assert failed(response) == ["leaks"]
    assert statuses_after_reconnecting(first, leaking, last) == ["SUCCESSFUL", "FAILED", "SUCCESSFUL"]
    [error] = TaskRecord.objects.get(pk=leaking.id).errors
    assert error["exception_class_path"] == "serverless.tasks.connections.TransactionLeftOpen"
    assert "rolled back" in error["traceback"]


def test_the_connection_a_leaking_task_leaves_is_clean_for_the_next_task(tasks, worker, lambda_context):
    leaking, after = message(leave_autocommit_off), message(record_call, "after")

    worker.lambda_handler(event(delivery(leaking, "leaks"), delivery(after, "after")), lambda_context)

    assert connection.get_autocommit() and not connection.in_atomic_block
    assert TaskRecord.objects.filter(queue_name="leaked").count() == 0


def test_the_neighbours_of_a_leaking_task_are_acknowledged_on_redelivery_without_running_again(
    tasks, worker, lambda_context
):
    before, leaking, after = (
        message(record_call, "before"),
        message(leave_autocommit_off),
        message(record_call, "after"),
    )
    batch = event(delivery(before, "before"), delivery(leaking, "leaks"), delivery(after, "after"))
    worker.lambda_handler(batch, lambda_context)
    connection.close()
    TaskRecord.objects.filter(pk=leaking.id).update(lease_expires_at=timezone.now() - timedelta(seconds=1))

    redelivered = worker.lambda_handler(batch, lambda_context)

    assert failed(redelivered) == ["leaks"]
    assert CALLS == ["before", "after"]


def test_tasks_that_ended_before_the_invocation_was_killed_keep_their_ends_and_do_not_run_again(
    tasks, worker, lambda_context
):
    before, killed, after = (
        message(record_call, "before"),
        message(killed_once, "killed"),
        message(record_call, "after"),
    )
    batch = event(delivery(before, "before"), delivery(killed, "killed"), delivery(after, "after"))

    with pytest.raises(Killed):
        worker.lambda_handler(batch, lambda_context)

    assert statuses_after_reconnecting(before, killed, after) == ["SUCCESSFUL", "RUNNING", "RUNNING"]
    # SQS delivers the whole batch again once its visibility timeout has passed, by then the leases have expired.
    TaskRecord.objects.filter(status="RUNNING").update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    redelivered = worker.lambda_handler(batch, lambda_context)

    assert redelivered == {"batchItemFailures": []}
    assert CALLS == ["before", "killed", "killed", "after"]
    assert statuses_after_reconnecting(before, killed, after) == ["SUCCESSFUL"] * 3
