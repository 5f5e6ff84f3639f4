"""The WorkerFunction on moto's SQS: batches, partial failures, retries, the DLQ."""

import json
import sys
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.tasks import TaskResultStatus
from django.utils import timezone
from serverless.local.worker import poll_once
from serverless.models import TaskRecord
from serverless.tasks.message import TaskMessage

from tests import test_tasks_app
from tests.conftest import load_event, load_function
from tests.test_tasks_app import (
    CALLS,
    add,
    drop_own_connection,
    explode,
    record_call,
    report_attempt,
    unserialisable,
)

aws, declared, queues = test_tasks_app.aws, test_tasks_app.declared, test_tasks_app.queues

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def worker():
    return load_function("worker")


def failed_ids(response: dict) -> list[str]:
    return [item["itemIdentifier"] for item in response["batchItemFailures"]]


def message_body(**fields) -> str:
    return json.dumps({"version": 1, "args": [], "kwargs": {}, "id": "f" * 32, **fields})


@pytest.mark.smoke
def test_a_task_enqueued_by_a_view_is_run_by_the_worker_and_succeeds(client, settings, queues, worker, lambda_context):
    settings.ROOT_URLCONF = "tests.test_tasks_app"

    response = client.post("/enqueue/", data={"a": 20, "b": 22}, content_type="application/json")
    assert response.status_code == 202
    task_id = response.json()["id"]
    event = queues.receive_event()
    assert [TaskMessage.decode(record["body"]).id for record in event["Records"]] == [task_id]

    assert worker.lambda_handler(event, lambda_context) == {"batchItemFailures": []}

    record = TaskRecord.objects.get(pk=task_id)
    assert record.status == TaskResultStatus.SUCCESSFUL
    assert record.return_value == 42
    assert record.worker_ids == [lambda_context.aws_request_id]
    assert add.get_result(task_id).return_value == 42
    assert client.get(f"/tasks/{task_id}/").json() == {
        "id": task_id,
        "status": "SUCCESSFUL",
        "attempts": 1,
        "return_value": 42,
    }


@pytest.mark.smoke
def test_one_poison_message_fails_alone_and_its_neighbours_run_once(queues, worker, lambda_context):
    for label in ("first", "second"):
        record_call.enqueue(label)
    poison = explode.enqueue("poison")
    record_call.enqueue("third")

    event = queues.receive_event()
    response = worker.lambda_handler(event, lambda_context)

    poison_message = next(r["messageId"] for r in event["Records"] if TaskMessage.decode(r["body"]).id == poison.id)
    assert failed_ids(response) == [poison_message]
    assert sorted(CALLS) == ["first", "second", "third"]
    assert TaskRecord.objects.filter(task_path=record_call.module_path, status="SUCCESSFUL").count() == 3


@pytest.mark.smoke
def test_a_duplicate_delivery_of_a_succeeded_task_does_not_run_it_again(queues, worker, lambda_context):
    result = record_call.enqueue("once")
    event = queues.receive_event()

    first = worker.lambda_handler(event, lambda_context)
    second = worker.lambda_handler(event, lambda_context)  # SQS delivered it again

    assert first == second == {"batchItemFailures": []}
    assert CALLS == ["once"]
    assert record_call.get_result(result.id).attempts == 1


@pytest.mark.smoke
def test_an_undeclared_import_path_is_refused_and_never_imported(queues, worker, lambda_context, capsys):
    assert "this" not in sys.modules  # the standard library's Zen: prints when imported
    refused = [
        queues.send_raw(message_body(task="this.s")),
        queues.send_raw(message_body(id="e" * 32, task="os.system", args=["touch /tmp/pwned"])),
    ]

    response = worker.lambda_handler(queues.receive_event(), lambda_context)

    assert sorted(failed_ids(response)) == sorted(refused)
    assert "this" not in sys.modules
    assert not TaskRecord.objects.exists()
    assert "is not a declared task" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("not json at all", "body is not JSON"),
        (json.dumps({"version": 2, "id": "x", "task": "a.b", "args": [], "kwargs": {}}), "unsupported message version"),
        (json.dumps({"version": 1, "task": "serverless.tasks.maintenance.clear_sessions"}), "missing fields"),
        (json.dumps({"version": 1, "id": "x", "task": "a.b", "args": {}, "kwargs": {}}), "invalid fields: args"),
    ],
)
def test_a_malformed_message_fails_alone_with_its_reason_logged(queues, worker, lambda_context, capsys, body, reason):
    good = record_call.enqueue("good")
    bad = queues.send_raw(body)

    response = worker.lambda_handler(queues.receive_event(), lambda_context)

    assert failed_ids(response) == [bad]
    assert CALLS == ["good"]
    assert record_call.get_result(good.id).status == TaskResultStatus.SUCCESSFUL
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert any("malformed task message" in line["message"] and reason in line["message"] for line in logged)


def test_a_task_that_raises_is_recorded_failed_and_left_for_sqs_to_retry(queues, worker, lambda_context):
    result = explode.enqueue("disk full")
    event = queues.receive_event()

    response = worker.lambda_handler(event, lambda_context)

    assert failed_ids(response) == [event["Records"][0]["messageId"]]
    failed = explode.get_result(result.id)
    assert failed.status == TaskResultStatus.FAILED
    assert [error.exception_class_path for error in failed.errors] == ["builtins.RuntimeError"]
    assert "RuntimeError: disk full" in failed.errors[0].traceback
    assert queues.count() == 1  # not deleted: redelivered after the visibility timeout

    event["Records"][0]["attributes"]["ApproximateReceiveCount"] = "2"
    worker.lambda_handler(event, lambda_context)
    assert explode.get_result(result.id).attempts == 2
    assert len(explode.get_result(result.id).errors) == 2


def test_a_return_value_that_is_not_json_fails_the_task(queues, worker, lambda_context):
    result = unserialisable.enqueue()

    response = worker.lambda_handler(queues.receive_event(), lambda_context)

    assert len(response["batchItemFailures"]) == 1
    assert unserialisable.get_result(result.id).status == TaskResultStatus.FAILED


def test_a_task_taking_context_sees_its_attempt(queues, worker, lambda_context):
    result = report_attempt.enqueue()

    worker.lambda_handler(queues.receive_event(), lambda_context)

    assert report_attempt.get_result(result.id).return_value == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="terminates its own PostgreSQL backend")
def test_a_dropped_database_connection_fails_that_item_only(queues, worker, lambda_context):
    dropped = drop_own_connection.enqueue()
    record_call.enqueue("after")

    event = queues.receive_event()
    response = worker.lambda_handler(event, lambda_context)

    dropped_message = next(r["messageId"] for r in event["Records"] if TaskMessage.decode(r["body"]).id == dropped.id)
    assert failed_ids(response) == [dropped_message]
    assert CALLS == ["after"]
    assert drop_own_connection.get_result(dropped.id).status == TaskResultStatus.FAILED


def test_worker_logs_are_json_with_task_id_name_and_attempt(queues, worker, lambda_context, capsys):
    result = add.enqueue(1, 2)

    worker.lambda_handler(queues.receive_event(), lambda_context)

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    task_lines = [line for line in lines if line.get("task_id") == result.id]
    assert task_lines, lines
    assert all(line["task_name"] == add.module_path and line["attempt"] == 1 for line in task_lines)
    assert any("SUCCESSFUL" in line["message"] for line in task_lines)


def test_poison_message_lands_in_the_dlq_after_max_receives_and_redrive_brings_it_back(
    queues, worker, settings, capsys
):
    queues.sqs.set_queue_attributes(QueueUrl=queues.url, Attributes={"VisibilityTimeout": "1"})
    settings.SQS_QUEUE_VISIBILITY_TIMEOUT = 1
    result = explode.enqueue("always")

    deadline = time.monotonic() + 30
    while queues.count(queues.dlq_url) == 0 and time.monotonic() < deadline:
        poll_once(queues.sqs, queues.url, worker.lambda_handler, wait_seconds=1)

    assert queues.count(queues.dlq_url) == 1
    assert queues.count() == 0
    assert explode.get_result(result.id).attempts == 5

    capsys.readouterr()
    call_command("task_dlq", "list")
    listing = capsys.readouterr().out
    assert "1 message(s) in the dead-letter queue" in listing
    assert result.id in listing and explode.module_path in listing
    assert "attempts=5" in listing and "RuntimeError: always" in listing
    assert queues.count(queues.dlq_url) == 1  # listing consumed nothing

    call_command("task_dlq", "redrive")
    assert "redrove 1 message(s)" in capsys.readouterr().out
    assert queues.count(queues.dlq_url) == 0
    assert [TaskMessage.decode(m["Body"]).id for m in queues.receive()] == [result.id]


def test_redrive_keeps_messages_the_worker_would_refuse_again(queues, capsys):
    queues.sqs.send_message(QueueUrl=queues.dlq_url, MessageBody="not json")

    call_command("task_dlq", "redrive")

    captured = capsys.readouterr()
    assert "redrove 0 message(s); 1 left" in captured.out
    assert "malformed" in captured.err
    assert queues.count(queues.dlq_url) == 1


def test_dlq_command_without_a_dlq_url_says_so(settings):
    from django.core.management.base import CommandError

    settings.TASK_DLQ_URL = ""
    with pytest.raises(CommandError, match="TASK_DLQ_URL"):
        call_command("task_dlq", "list")


def test_the_sample_sqs_batch_event_runs(declared, worker, lambda_context):
    event = load_event("sqs_batch.json")
    assert len(event["Records"]) >= 2

    assert worker.lambda_handler(event, lambda_context) == {"batchItemFailures": []}

    assert set(TaskRecord.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


def test_a_schedule_runs_prune_task_results(declared, worker, lambda_context, settings):
    settings.TASK_RESULT_RETENTION_DAYS = 30
    now = timezone.now()
    common = {"task_path": add.module_path, "queue_name": "default", "backend": "default", "enqueued_at": now}
    TaskRecord.objects.create(id="old", status="SUCCESSFUL", finished_at=now - timedelta(days=31), **common)
    TaskRecord.objects.create(id="old-failed", status="FAILED", finished_at=now - timedelta(days=40), **common)
    TaskRecord.objects.create(id="recent", status="SUCCESSFUL", finished_at=now - timedelta(days=1), **common)
    TaskRecord.objects.create(id="waiting", status="READY", **common)

    response = worker.lambda_handler(load_event("schedule_prune_task_results.json"), lambda_context)

    assert response["status"] == "SUCCESSFUL"
    run = TaskRecord.objects.get(pk=response["task_id"])
    assert run.return_value == 2
    assert set(TaskRecord.objects.values_list("id", flat=True)) == {"recent", "waiting", run.id}


def test_a_schedule_runs_clear_sessions(declared, worker, lambda_context):
    from django.contrib.sessions.models import Session

    Session.objects.create(session_key="expired", session_data="", expire_date=timezone.now() - timedelta(days=1))
    Session.objects.create(session_key="live", session_data="", expire_date=timezone.now() + timedelta(days=1))

    worker.lambda_handler(load_event("schedule_clear_sessions.json"), lambda_context)

    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]


def test_a_schedule_discards_uploads_never_confirmed(declared, worker, lambda_context, django_user_model):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from uploads.models import Upload

    owner = django_user_model.objects.create_user("curator")
    stale, fresh = (
        Upload.objects.create(
            owner=owner,
            name=default_storage.save(f"uploads/{name}.tsv", ContentFile(b"g")),
            original_name=f"{name}.tsv",
            content_type="text/tab-separated-values",
            max_size=1024,
        )
        for name in ("stale", "fresh")
    )
    Upload.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(days=2))

    response = worker.lambda_handler(load_event("schedule_discard_abandoned_uploads.json"), lambda_context)

    assert response["status"] == "SUCCESSFUL"
    assert list(Upload.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not default_storage.exists(stale.name) and default_storage.exists(fresh.name)
    default_storage.delete(fresh.name)


def test_a_retried_schedule_invocation_runs_once(declared, worker, lambda_context):
    event = load_event("schedule_clear_sessions.json")

    first = worker.lambda_handler(event, lambda_context)
    worker.lambda_handler(event, lambda_context)  # Lambda's async retry keeps the request id

    assert TaskRecord.objects.get(pk=first["task_id"]).attempts == 1


def test_an_unknown_periodic_task_is_refused_with_a_clear_error_and_acknowledged(worker, lambda_context, capsys):
    response = worker.lambda_handler({"periodic_task": "reboot"}, lambda_context)

    assert response["batchItemFailures"] == []
    assert response["refused"].startswith("unknown periodic task 'reboot' (known: clear_sessions, discard_abandoned")
    assert "worker event refused: unknown periodic task 'reboot'" in capsys.readouterr().out


@pytest.mark.parametrize(
    "event", [{"hello": "world"}, ["Records"], None, "text", {"Records": "x"}, {"periodic_task": ["clear_sessions"]}]
)
def test_an_event_that_is_neither_a_batch_nor_a_schedule_is_logged_and_acknowledged(
    worker, lambda_context, capsys, event
):
    response = worker.lambda_handler(event, lambda_context)

    assert response["batchItemFailures"] == []
    assert "worker event refused" in capsys.readouterr().out
    assert not TaskRecord.objects.exists()


def test_a_delivery_while_the_task_runs_elsewhere_fails_without_running_it(queues, worker, lambda_context):
    result = record_call.enqueue("busy")
    TaskRecord.objects.filter(pk=result.id).update(
        status="RUNNING", lease_expires_at=timezone.now() + timedelta(seconds=30), worker_ids=["other-worker"]
    )

    response = worker.lambda_handler(queues.receive_event(), lambda_context)

    assert len(response["batchItemFailures"]) == 1
    assert CALLS == []


def test_a_task_left_running_by_a_dead_worker_runs_again(queues, worker, lambda_context):
    result = record_call.enqueue("rescued")
    expired = timezone.now() - timedelta(seconds=1)  # that worker's Lambda has timed out
    TaskRecord.objects.filter(pk=result.id).update(status="RUNNING", lease_expires_at=expired, worker_ids=["dead"])

    response = worker.lambda_handler(queues.receive_event(), lambda_context)

    assert response == {"batchItemFailures": []}
    assert CALLS == ["rescued"]
    assert record_call.get_result(result.id).worker_ids == ["dead", lambda_context.aws_request_id]


def test_an_attempt_is_leased_for_the_invocation_s_remaining_time(queues, worker, lambda_context):
    result = record_call.enqueue("leased")
    before = timezone.now()

    worker.lambda_handler(queues.receive_event(), lambda_context)

    lease = TaskRecord.objects.get(pk=result.id).lease_expires_at
    remaining = lambda_context.get_remaining_time_in_millis() / 1000
    assert before + timedelta(seconds=remaining) <= lease <= timezone.now() + timedelta(seconds=remaining + 1)


def test_each_invocation_publishes_task_metrics(queues, worker, lambda_context, capsys):
    add.enqueue(1, 1)
    explode.enqueue("metric")
    queues.send_raw("not json")

    worker.lambda_handler(queues.receive_event(), lambda_context)

    [emf] = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    assert emf["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "PanelApp"
    assert (emf["TasksSucceeded"], emf["TasksFailed"], emf["TaskMessagesRefused"]) == ([1.0], [1.0], [1.0])
    assert "TaskDuration" in emf


# --- Damaged batches: each bad record fails (or is dropped) alone, neighbours run once ------


def test_an_empty_batch_is_acknowledged(worker, lambda_context):
    assert worker.lambda_handler({"Records": []}, lambda_context) == {"batchItemFailures": []}


@pytest.mark.parametrize("bad_record", ["a string", 42, None, ["list"], {"body": "{}"}, {"messageId": ""}])
def test_a_record_without_a_message_id_is_dropped_and_its_neighbours_run_once(
    queues, worker, lambda_context, capsys, bad_record
):
    record_call.enqueue("neighbour")
    event = queues.receive_event()
    event["Records"].insert(0, bad_record)

    response = worker.lambda_handler(event, lambda_context)

    assert response == {"batchItemFailures": []}  # nothing to name: an unknown id would fail the whole batch
    assert CALLS == ["neighbour"]
    assert "has no messageId and is dropped" in capsys.readouterr().out


@pytest.mark.parametrize("body", [None, 5, {"version": 1}])
def test_a_record_without_a_string_body_fails_alone(queues, worker, lambda_context, body):
    record_call.enqueue("neighbour")
    event = queues.receive_event()
    event["Records"].append({**event["Records"][0], "messageId": "no-body", "body": body})

    response = worker.lambda_handler(event, lambda_context)

    assert failed_ids(response) == ["no-body"]
    assert CALLS == ["neighbour"]


def test_a_record_with_garbled_attributes_still_runs(queues, worker, lambda_context):
    record_call.enqueue("garbled")
    event = queues.receive_event()
    event["Records"][0]["attributes"] = "not an object"

    assert worker.lambda_handler(event, lambda_context) == {"batchItemFailures": []}
    assert CALLS == ["garbled"]
