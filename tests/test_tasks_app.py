"""Tasks and views the task tests declare (a module of code, not of tests).

Listed in ``settings.TASK_MODULES`` by the tests (and by the local stack test's
settings), like an app's ``tasks`` module; its views enqueue the way real
views do.
"""

import json
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from django.http import HttpRequest, JsonResponse
from django.tasks import task
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from moto import mock_aws
from serverless.local.events import sqs_event
from serverless.tasks import sqs as sqs_module

# Every call of ``record_call``, in order: how tests count executions.
CALLS: list[str] = []


@task
def add(a: int, b: int) -> int:
    return a + b


@task
def record_call(label: str) -> str:
    CALLS.append(label)
    return label


@task
def explode(reason: str) -> None:
    raise RuntimeError(reason)


@task(takes_context=True)
def report_attempt(context) -> int:
    return context.attempt


@task
def unserialisable() -> object:
    return object()


@csrf_exempt
def enqueue_add(request: HttpRequest) -> JsonResponse:
    payload = json.loads(request.body or b"{}")
    result = add.enqueue(payload.get("a", 1), payload.get("b", 2))
    return JsonResponse({"id": result.id, "status": result.status}, status=202)


def task_status(request: HttpRequest, result_id: str) -> JsonResponse:
    result = add.get_result(result_id)
    body = {"id": result.id, "status": result.status, "attempts": result.attempts}
    if result.is_finished and not result.errors:
        body["return_value"] = result.return_value
    return JsonResponse(body)


@csrf_exempt
def welcome(request: HttpRequest) -> JsonResponse:
    from serverless.tasks.mail import send_email

    result = send_email.enqueue("Welcome to PanelApp", "Your account is ready.", [request.POST["to"]])
    return JsonResponse({"id": result.id}, status=202)


urlpatterns = [
    path("enqueue/", enqueue_add),
    path("welcome/", welcome),
    path("tasks/<str:result_id>/", task_status),
    path("", include("panelapp.urls")),
]


@task
def drop_own_connection() -> None:
    """Lose the database connection mid-task, as a proxy or failover would."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")


# --- Fixtures the task tests import ---------------------------------------------

REGION = "eu-west-2"


@dataclass
class Queues:
    sqs: Any
    url: str
    dlq_url: str

    def count(self, url: str | None = None) -> int:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=url or self.url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])

    def receive(self, url: str | None = None) -> list[dict[str, Any]]:
        return self.sqs.receive_message(
            QueueUrl=url or self.url, MaxNumberOfMessages=10, AttributeNames=["All"], WaitTimeSeconds=0
        ).get("Messages", [])

    def receive_event(self) -> dict[str, Any]:
        """What the event source mapping would invoke the worker with for the visible messages."""
        arn = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return sqs_event(self.receive(), arn, REGION)

    def send_raw(self, body: str) -> str:
        return self.sqs.send_message(QueueUrl=self.url, MessageBody=body)["MessageId"]


@pytest.fixture
def aws(monkeypatch):
    """moto in-process, with dummy credentials and no endpoint override."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    sqs_module.client.cache_clear()
    with mock_aws():
        yield
    sqs_module.client.cache_clear()


@pytest.fixture
def declared(settings):
    """Declare this module's tasks, as an app's tasks module would be."""
    settings.TASK_MODULES = [*settings.TASK_MODULES, __name__]
    CALLS.clear()


def sqs_tasks_settings(queue_url: str) -> dict[str, Any]:
    return {
        "default": {
            "BACKEND": "serverless.tasks.backends.SQSBackend",
            "QUEUES": ["default"],
            "OPTIONS": {"QUEUE_URLS": {"default": queue_url}},
        }
    }


@pytest.fixture
def queues(aws, declared, settings) -> Queues:
    """The template's queue pair in moto (maxReceiveCount 5), the SQS backend pointed at it."""
    client = boto3.client("sqs", region_name=REGION)
    dlq_url = client.create_queue(QueueName="panelapp-dlq")["QueueUrl"]
    dlq_arn = client.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5})
    url = client.create_queue(QueueName="panelapp", Attributes={"VisibilityTimeout": "360", "RedrivePolicy": redrive})[
        "QueueUrl"
    ]
    settings.SQS_QUEUE_VISIBILITY_TIMEOUT = 360
    settings.TASK_DLQ_URL = dlq_url
    settings.TASKS = sqs_tasks_settings(url)
    return Queues(sqs=client, url=url, dlq_url=dlq_url)
