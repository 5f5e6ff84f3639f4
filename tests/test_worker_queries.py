"""The worker's own bookkeeping is two statements per message, whatever the batch size."""

import uuid

import pytest
from django.db import connection
from django.tasks import TaskResultStatus
from django.utils import timezone
from serverless.local.events import sqs_event
from serverless.models import TaskRecord
from serverless.tasks.message import TaskMessage

from tests.conftest import load_function
from tests.test_tasks_app import CALLS, add, declared, record_call  # noqa: F401 (declared is a fixture)

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
def test_each_message_is_one_claim_and_one_record_of_its_end(
    declared,  # noqa: F811
    worker,
    lambda_context,
    django_assert_num_queries,
    size,
):
    event = batch(*(message(add, n, n) for n in range(size)))

    with django_assert_num_queries(2 * size) as captured:
        assert worker.lambda_handler(event, lambda_context) == {"batchItemFailures": []}

    claims, ends = captured.captured_queries[0::2], captured.captured_queries[1::2]
    assert all(q["sql"].lstrip().startswith("INSERT") and "ON CONFLICT" in q["sql"] for q in claims)
    assert all(q["sql"].startswith("UPDATE") for q in ends)
    assert TaskRecord.objects.filter(status=TaskResultStatus.SUCCESSFUL).count() == size


def test_the_record_of_an_end_updates_only_what_the_attempt_changed(
    declared,  # noqa: F811
    worker,
    lambda_context,
    django_assert_num_queries,
):
    with django_assert_num_queries(2) as captured:
        worker.lambda_handler(batch(message(add, 1, 2)), lambda_context)

    update = captured.captured_queries[1]["sql"]
    assigned = update.split(" SET ", 1)[1].split(" WHERE ", 1)[0]
    assert sorted(part.split(" = ")[0].strip('"') for part in assigned.split(", ")) == [
        "finished_at",
        "return_value",
        "status",
    ]


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
    TaskRecord.objects.create(
        id=queued.id,
        task_path=queued.task,
        queue_name="default",
        backend="default",
        args=["queued"],
        enqueued_at=timezone.now(),
    )

    with django_assert_num_queries(2):
        worker.lambda_handler(batch(queued), lambda_context)

    record = TaskRecord.objects.get(pk=queued.id)
    assert record.status == TaskResultStatus.SUCCESSFUL
    assert record.worker_ids == [lambda_context.aws_request_id]
    assert CALLS == ["queued"]
