"""HGNC's whole complete set (45,000 rows) through the worker: chunk tasks, O(1) queries each, a rerun writes nothing.

bench/import_speed.py measures the same path (rows per second, memory); this proves its shape.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from panels.imports import jobs
from panels.imports.models import ImportJob
from panels.imports.tasks import run_import
from panels.models import Gene
from serverless.models import TaskRecord
from serverless.tasks.message import TaskMessage

from tests.imports.conftest import MEDIA_BUCKET
from tests.imports.files import synthetic_hgnc

pytestmark = pytest.mark.django_db(transaction=True)
ROWS = 45_000
QUERIES_PER_CHUNK_TASK = 16  # task bookkeeping, chunk and job rows, one read, one insert, one upsert


def import_through_the_worker(media, queues, worker, context, content: bytes) -> dict[str, list[int]]:
    """Queue the import as an upload would, run every message alone; the queries each task made, by task."""
    media.put_object(Bucket=MEDIA_BUCKET, Key="media/imports/hgnc_complete_set.txt", Body=content)
    job = jobs.create_job("genes", source="s3://panelapp-media/media/imports/hgnc_complete_set.txt",
                          file_name="hgnc_complete_set.txt")  # fmt: skip
    run_import.enqueue(str(job.pk))
    queries: dict[str, list[int]] = {}
    while messages := queues.receive():
        for message in messages:
            task = TaskMessage.decode(message["Body"]).task.rsplit(".", 1)[-1]
            with CaptureQueriesContext(connection) as captured:
                event = _event(queues, message)
                assert worker.lambda_handler(event, context) == {"batchItemFailures": []}
            queues.sqs.delete_message(QueueUrl=queues.url, ReceiptHandle=message["ReceiptHandle"])
            queries.setdefault(task, []).append(len(captured))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.SUCCEEDED, job.errors[:3]
    return queries


def _event(queues, message: dict) -> dict:
    from serverless.local.events import sqs_event

    arn = queues.sqs.get_queue_attributes(QueueUrl=queues.url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return sqs_event([message], arn, "eu-west-2")


def test_hgnc_s_whole_set_imports_in_chunk_tasks_of_constant_queries_and_a_rerun_writes_nothing(
    media, queues, worker, lambda_context, settings
):
    content = synthetic_hgnc(ROWS)
    chunks = -(-ROWS // settings.IMPORT_GENE_CHUNK_ROWS)

    first = import_through_the_worker(media, queues, worker, lambda_context, content)

    assert Gene.objects.count() == ROWS
    assert len(first["import_gene_chunk"]) == chunks == 23
    assert max(first["import_gene_chunk"]) <= QUERIES_PER_CHUNK_TASK
    assert TaskRecord.objects.filter(task_path__endswith="import_gene_chunk", status="SUCCESSFUL").count() == chunks

    with CaptureQueriesContext(connection) as rerun:
        again = import_through_the_worker(media, queues, worker, lambda_context, content)

    writes = [q["sql"] for q in rerun if q["sql"].startswith(('INSERT INTO "panels_gene"', 'UPDATE "panels_gene"'))]
    assert writes == []
    assert max(again["import_gene_chunk"]) <= QUERIES_PER_CHUNK_TASK
