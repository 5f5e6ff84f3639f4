"""The worker's own bookkeeping: one statement claims an SQS batch, whatever its size, and one records each end.

Each end is written as soon as its task ends (nothing a later task does, and no
timeout, can take it away), so a batch of N messages costs 1 + N statements.
"""

import re
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.tasks import TaskResultStatus
from django.utils import timezone
from serverless.local.events import sqs_event
from serverless.models import TaskRecord
from serverless.tasks.message import TaskMessage

from tests.conftest import load_function
from tests.test_tasks_app import CALLS, add, declared, explode, record_call  # noqa: F401 (declared is a fixture)
from tests.test_worker_batch import existing_row

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement claim is PostgreSQL's"),
]

QUEUE_ARN = "arn:aws:sqs:eu-west-2:123456789012:panelapp"


@pytest.fixture(scope="module")
def worker():
    return load_function("worker")


def batch(*messages: TaskMessage) -> dict:
    return sqs_event(
        [
            {
                "MessageId": str(uuid.uuid4()),
                "ReceiptHandle": "handle",
                "Body": m.encode(),
                "Attributes": {"ApproximateReceiveCount": "1"},
            }
            for m in messages
        ],
        QUEUE_ARN,
        "eu-west-2",
    )


def message(task, *args) -> TaskMessage:
    return TaskMessage(id=uuid.uuid4().hex, task=task.module_path, args=list(args), kwargs={})


@pytest.mark.parametrize("size", [1, 10])
def test_a_batch_is_one_claim_and_one_record_of_each_end(
    declared,  # noqa: F811
    worker,
    lambda_context,
    django_assert_num_queries,
    size,
):
    event = batch(*(message(add, n, n) for n in range(size)))

    with django_assert_num_queries(1 + size) as captured:
        assert worker.lambda_handler(event, lambda_context) == {"batchItemFailures": []}

    claim, *ends = (q["sql"].lstrip() for q in captured.captured_queries)
    assert claim.startswith("INSERT") and "jsonb_to_recordset" in claim and "ON CONFLICT" in claim
    assert all(end.startswith("UPDATE") and "WHERE" in end for end in ends)
    assert TaskRecord.objects.filter(status=TaskResultStatus.SUCCESSFUL).count() == size


def assigned_columns(update: str) -> list[str]:
    without_values = re.sub(r"'(?:[^']|'')*'", "''", update)
    assignments = without_values.split(" SET ", 1)[1].split(" WHERE ", 1)[0]
    return sorted(part.split(" = ")[0].strip().strip('"') for part in assignments.split(", "))


@pytest.mark.parametrize(
    ("task", "columns"),
    [(add, ["finished_at", "return_value", "status"]), (explode, ["errors", "finished_at", "status"])],
    ids=["success", "failure"],
)
def test_the_record_of_an_end_assigns_only_what_the_attempt_changed(
    declared,  # noqa: F811
    worker,
    lambda_context,
    django_assert_num_queries,
    task,
    columns,
):
    msg = message(task, 1, 2) if task is add else message(task, "boom")

    with django_assert_num_queries(2) as captured:
        worker.lambda_handler(batch(msg), lambda_context)

    assert assigned_columns(captured.captured_queries[1]["sql"]) == columns


def test_a_duplicate_of_a_succeeded_task_costs_two_queries_and_runs_nothing(
    declared,  # noqa: F811
    worker,
    lambda_context,
    django_assert_num_queries,
):
    done = message(record_call, "once")
    worker.lambda_handler(batch(done), lambda_context)

    with django_assert_num_queries(2):
        assert worker.lambda_handler(batch(done), lambda_context) == {"batchItemFailures": []}
    assert CALLS == ["once"]


def test_a_claim_takes_over_the_row_the_enqueuer_wrote(declared, worker, lambda_context, django_assert_num_queries):  # noqa: F811
    queued = message(record_call, "queued")
    existing_row(queued)

    with django_assert_num_queries(2):
        worker.lambda_handler(batch(queued), lambda_context)

    record = TaskRecord.objects.get(pk=queued.id)
    assert record.status == TaskResultStatus.SUCCESSFUL
    assert record.worker_ids == [lambda_context.aws_request_id]
    assert CALLS == ["queued"]


def test_claims_that_come_back_empty_cost_one_more_query_for_the_whole_batch(
    declared,  # noqa: F811
    worker,
    lambda_context,
    django_assert_num_queries,
):
    done, held = message(record_call, "done"), message(record_call, "held")
    worker.lambda_handler(batch(done), lambda_context)
    existing_row(
        held,
        status=TaskResultStatus.RUNNING,
        lease_expires_at=timezone.now() + timedelta(minutes=5),
        worker_ids=["other-worker"],
    )
    fresh = [message(add, n, n) for n in range(8)]

    with django_assert_num_queries(2 + len(fresh)) as captured:
        response = worker.lambda_handler(batch(done, held, *fresh), lambda_context)

    assert len(response["batchItemFailures"]) == 1  # held: SQS delivers it again
    claim, lookup, *ends = (q["sql"].lstrip() for q in captured.captured_queries)
    assert claim.startswith("INSERT") and lookup.startswith("SELECT")
    assert len(ends) == len(fresh) and all(end.startswith("UPDATE") for end in ends)
    assert CALLS == ["done"]


def test_a_batch_with_nothing_to_run_costs_no_statement(worker, lambda_context, django_assert_num_queries):
    event = batch(TaskMessage(id="x" * 32, task="os.system", args=["true"], kwargs={}))
    event["Records"].append({**event["Records"][0], "messageId": "garbled", "body": "not json"})

    with django_assert_num_queries(0):
        response = worker.lambda_handler(event, lambda_context)

    assert len(response["batchItemFailures"]) == 2
