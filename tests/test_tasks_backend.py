"""The task backends: what enqueue() sends and stores, and what it refuses."""

import json
import logging
import time
from datetime import timedelta

import pytest
from botocore.exceptions import ClientError
from django.db import transaction
from django.tasks import TaskResultStatus, default_task_backend
from django.tasks.exceptions import InvalidTask, TaskResultDoesNotExist
from django.utils import timezone
from serverless.models import TaskRecord
from serverless.tasks import backends
from serverless.tasks.backends import MessageTooLarge, SQSBackend
from serverless.tasks.message import VERSION, TaskMessage
from serverless.tasks.worker import check_queue_settings

from tests import test_tasks_app
from tests.test_tasks_app import add, explode, record_call, sqs_tasks_settings

aws, declared, queues = test_tasks_app.aws, test_tasks_app.declared, test_tasks_app.queues

pytestmark = pytest.mark.django_db


@pytest.mark.smoke
def test_enqueue_sends_a_versioned_message_and_stores_a_ready_result(queues):
    result = add.enqueue(2, b=3)

    [message] = queues.receive()
    body = json.loads(message["Body"])
    assert body["version"] == VERSION
    assert (body["id"], body["task"], body["args"], body["kwargs"]) == (result.id, add.module_path, [2], {"b": 3})
    assert result.status == TaskResultStatus.READY
    assert add.get_result(result.id).status == TaskResultStatus.READY
    assert TaskRecord.objects.get(pk=result.id).args == [2]


def test_the_message_format_round_trips():
    message = TaskMessage(id="abc", task="panels.tasks.reindex", args=[1], kwargs={"x": [2]})

    assert TaskMessage.decode(message.encode()) == message


def test_run_after_within_fifteen_minutes_becomes_an_sqs_delay(queues):
    add.using(run_after=timezone.now() + timedelta(minutes=10)).enqueue(1, 1)

    attributes = queues.sqs.get_queue_attributes(QueueUrl=queues.url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessagesDelayed"] == "1"
    assert queues.receive() == []


def test_run_after_beyond_fifteen_minutes_is_refused_clearly(queues):
    with pytest.raises(InvalidTask, match="SQS can delay a message by at most 900 s"):
        add.using(run_after=timezone.now() + timedelta(hours=2)).enqueue(1, 1)
    assert queues.count() == 0


def test_delay_in_the_past_is_no_delay():
    assert backends.delay_seconds(timezone.now() - timedelta(minutes=5)) == 0


def test_a_message_too_large_for_sqs_fails_at_enqueue_and_stores_nothing(queues):
    with pytest.raises(MessageTooLarge, match=r"the queue accepts at most 262144"):
        add.enqueue("x" * 300_000, 1)

    assert queues.count() == 0
    assert not TaskRecord.objects.exists()


def test_arguments_that_are_not_json_fail_at_enqueue_with_a_hint(queues):
    with pytest.raises(InvalidTask, match="arguments must be JSON values"):
        add.enqueue(object(), 1)
    assert queues.count() == 0


def test_an_undeclared_task_fails_at_enqueue_not_in_the_dlq(queues, settings):
    settings.TASK_MODULES = ["serverless.tasks.maintenance"]

    with pytest.raises(InvalidTask, match="is not a declared task"):
        add.enqueue(1, 2)
    assert queues.count() == 0


def test_priorities_are_refused_because_sqs_has_none(queues):
    with pytest.raises(InvalidTask, match="priority"):
        add.using(priority=10)


def test_a_failed_send_leaves_no_result_behind(queues):
    queues.sqs.delete_queue(QueueUrl=queues.url)

    with pytest.raises(ClientError, match=r"NonExistentQueue|QueueDoesNotExist"):
        add.enqueue(1, 2)
    assert not TaskRecord.objects.exists()


def test_the_queue_url_is_looked_up_by_name_when_not_configured(queues, settings):
    settings.TASKS = sqs_tasks_settings("")

    add.enqueue(1, 2)

    assert default_task_backend.queue_url() == queues.url
    assert queues.count() == 1


def test_other_django_queues_map_to_sqs_queues_of_the_same_name(queues, settings):
    bulk_url = queues.sqs.create_queue(QueueName="bulk")["QueueUrl"]
    tasks = sqs_tasks_settings(queues.url)
    tasks["default"]["QUEUES"] = ["default", "bulk"]
    settings.TASKS = tasks

    add.using(queue_name="bulk").enqueue(1, 2)

    assert (queues.count(bulk_url), queues.count()) == (1, 0)


def test_the_sqs_client_is_created_on_first_use_only(aws):
    backend = SQSBackend("default", {"OPTIONS": {"QUEUE_URLS": {"default": "https://sqs.example/1/q"}}})

    assert "client" not in vars(backend)


def test_get_result_of_an_unknown_id_raises(queues):
    with pytest.raises(TaskResultDoesNotExist):
        add.get_result("no-such-id")


def test_check_health_asks_the_queue(queues):
    default_task_backend.check_health()

    queues.sqs.delete_queue(QueueUrl=queues.url)
    with pytest.raises(ClientError, match=r"NonExistentQueue|QueueDoesNotExist"):
        default_task_backend.check_health()


def test_health_check_reports_the_queue(client, queues):
    response = client.get("/health_check/", headers={"X-Health-Check-Token": "test-health-token"})
    assert response.json()["queue"] == "OK"

    queues.sqs.delete_queue(QueueUrl=queues.url)
    response = client.get("/health_check/", headers={"X-Health-Check-Token": "test-health-token"})
    assert response.json()["queue"] == "Error"


def test_start_up_says_clearly_when_the_visibility_timeout_differs(queues, settings, caplog):
    settings.SQS_QUEUE_VISIBILITY_TIMEOUT = 30

    with caplog.at_level(logging.ERROR):
        problem = check_queue_settings()

    assert problem.startswith("SQS_QUEUE_VISIBILITY_TIMEOUT is 30 but queue")
    assert "has VisibilityTimeout 360" in problem
    assert problem in caplog.text


def test_start_up_is_quiet_when_the_visibility_timeout_matches(queues):
    assert check_queue_settings() is None


@pytest.mark.smoke
@pytest.mark.django_db(transaction=True)
def test_without_sqs_a_task_runs_in_the_background_after_commit(declared, settings):
    settings.TASKS = {"default": {"BACKEND": "serverless.tasks.backends.ThreadBackend"}}

    with transaction.atomic():
        result = record_call.enqueue("threaded")
        time.sleep(0.2)
        assert record_call.get_result(result.id).status == TaskResultStatus.READY  # not before commit

    deadline = time.monotonic() + 10
    while not (finished := record_call.get_result(result.id)).is_finished and time.monotonic() < deadline:
        time.sleep(0.05)
    assert finished.status == TaskResultStatus.SUCCESSFUL
    assert finished.return_value == "threaded"
    assert finished.worker_ids[0].startswith("thread-")


def test_inline_thread_backend_runs_tasks_on_commit_inside_a_test_transaction(
    declared, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "serverless.tasks.backends.ThreadBackend", "OPTIONS": {"INLINE": True}}}

    with django_capture_on_commit_callbacks(execute=True):
        succeeded = record_call.enqueue("inline")
        failed = explode.enqueue("inline failure")

    assert record_call.get_result(succeeded.id).return_value == "inline"
    assert explode.get_result(failed.id).status == TaskResultStatus.FAILED


def test_the_admin_lists_task_results_with_filters(admin_client, declared):
    now = timezone.now()
    for status in ("SUCCESSFUL", "FAILED"):
        TaskRecord.objects.create(
            id=status.lower(), task_path=add.module_path, status=status, enqueued_at=now, queue_name="default"
        )

    response = admin_client.get("/admin/serverless/taskrecord/", {"status__exact": "FAILED"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list.values_list("id", flat=True)) == ["failed"]
    assert {spec.title for spec in response.context["cl"].filter_specs} >= {"status", "task", "queue"}


def test_the_admin_runs_selected_tasks_again_as_new_tasks(admin_client, queues):
    failed = add.enqueue(2, 2)
    queues.receive()  # the first run's message is gone
    TaskRecord.objects.filter(pk=failed.id).update(status="FAILED")

    response = admin_client.post(
        "/admin/serverless/taskrecord/", {"action": "enqueue_again", "_selected_action": [failed.id]}, follow=True
    )

    assert "Enqueued 1 task(s)." in response.content.decode()
    [again] = TaskRecord.objects.exclude(pk=failed.id)
    assert (again.task_path, again.args, again.status) == (add.module_path, [2, 2], "READY")
