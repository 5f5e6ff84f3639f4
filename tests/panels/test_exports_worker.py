"""The exports end to end: a panel change queues a build on SQS, the WorkerFunction builds into S3 (moto)."""

import json
import uuid

import boto3
import pytest
import requests
from accounts.models import Reviewer
from django.tasks import TaskResultStatus
from panels import exports
from panels.models import ExportFile
from panels.tasks import build_exports
from serverless.models import TaskRecord
from serverless.tasks import sqs as sqs_module
from serverless.tasks.message import TaskMessage

from tests.conftest import load_function
from tests.panels.factories import add_gene, make_panel, make_user
from tests.test_storage_emulator import MEDIA_BUCKET
from tests.test_tasks_app import REGION, Queues, sqs_tasks_settings

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queues(s3, settings, monkeypatch):
    """The task queue pair on the same moto server as the media bucket, panel changes queueing builds at once."""
    settings.AWS_ENDPOINT_URL = s3.endpoint
    settings.AWS_REGION = REGION
    sqs_module.client.cache_clear()
    client = boto3.client("sqs", endpoint_url=s3.endpoint, region_name=REGION)
    suffix = uuid.uuid4().hex[:8]
    dlq_url = client.create_queue(QueueName=f"panelapp-dlq-{suffix}")["QueueUrl"]
    dlq_arn = client.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = client.create_queue(
        QueueName=f"panelapp-{suffix}",
        Attributes={
            "VisibilityTimeout": "360",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5}),
        },
    )["QueueUrl"]
    settings.SQS_QUEUE_VISIBILITY_TIMEOUT = 360
    settings.TASKS = sqs_tasks_settings(url)
    settings.PANEL_EXPORTS_REBUILD_ON_CHANGE = True
    monkeypatch.setattr(exports, "REBUILD_DELAY_SECONDS", 0)  # SQS would hold the message a minute
    yield Queues(sqs=client, url=url, dlq_url=dlq_url)
    sqs_module.client.cache_clear()


@pytest.fixture(scope="module")
def worker():
    return load_function("worker")


def test_panel_changes_queue_one_build_that_the_worker_runs_into_s3(queues, worker, lambda_context, s3, client):
    curator = make_user(Reviewer.Role.CURATOR)
    panel = make_panel(curator, "Hereditary ataxia")
    add_gene(curator, panel, "ATXN1")
    add_gene(curator, panel, "ATXN2")

    event = queues.receive_event()
    (record,) = event["Records"]  # three versions, one build
    assert TaskMessage.decode(record["body"]).task == "panels.tasks.build_exports"

    assert worker.lambda_handler(event, lambda_context) == {"batchItemFailures": []}

    assert TaskRecord.objects.get(task_path="panels.tasks.build_exports").status == TaskResultStatus.SUCCESSFUL
    response = client.get("/panels/download_genes/")
    assert response.status_code == 302
    body = requests.get(response["Location"], timeout=10).content.decode()
    assert [line.split("\t")[0] for line in body.splitlines()[1:]] == ["ATXN1", "ATXN2"]


def test_a_redelivered_build_message_writes_nothing_new(queues, worker, lambda_context, s3):
    curator = make_user(Reviewer.Role.CURATOR)
    add_gene(curator, make_panel(curator), "BRCA1")
    event = queues.receive_event()
    worker.lambda_handler(event, lambda_context)
    files = {e.kind: (e.name, e.built_at) for e in ExportFile.objects.all()}
    keys = s3.keys(MEDIA_BUCKET, "media/exports/")

    # SQS delivers the same message again, and a second build is queued by hand: neither changes anything.
    assert worker.lambda_handler(event, lambda_context) == {"batchItemFailures": []}
    build_exports.enqueue()
    assert worker.lambda_handler(queues.receive_event(), lambda_context) == {"batchItemFailures": []}

    assert {e.kind: (e.name, e.built_at) for e in ExportFile.objects.all()} == files
    assert s3.keys(MEDIA_BUCKET, "media/exports/") == keys


def test_a_build_that_failed_half_way_is_completed_by_its_retry(queues, worker, lambda_context, s3, monkeypatch):
    curator = make_user(Reviewer.Role.CURATOR)
    add_gene(curator, make_panel(curator), "PALB2")
    event = queues.receive_event()
    real_store = exports.store_once
    calls = []

    def fail_on_the_third_file(name, content):
        calls.append(name)
        if len(calls) == 3:
            raise ConnectionError("S3 went away")
        return real_store(name, content)

    monkeypatch.setattr(exports, "store_once", fail_on_the_third_file)
    response = worker.lambda_handler(event, lambda_context)
    assert [item["itemIdentifier"] for item in response["batchItemFailures"]] == [event["Records"][0]["messageId"]]
    assert not ExportFile.objects.exclude(name="").exists()

    monkeypatch.setattr(exports, "store_once", real_store)
    assert worker.lambda_handler(event, lambda_context) == {"batchItemFailures": []}  # SQS's retry

    assert ExportFile.objects.exclude(name="").count() == 4
    for export in ExportFile.objects.all():
        assert f"media/{export.name}" in s3.keys(MEDIA_BUCKET, "media/exports/")
