"""Speed of importing HGNC's complete set (45,000 rows) through the chunked worker tasks.

Run: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/panelapp .venv/bin/python bench/import_speed.py``
(from the repository root). It creates a throw-away test database beside the
one named, puts a synthetic 45,000-row HGNC file in an emulated media bucket
(moto, in-process, with the task queue), queues the import as an upload would
and then runs every queued message through ``functions/worker``'s handler, as
the SQS event source mapping would, until the queue is empty. Three runs:

1. a first import into an empty gene table (every gene created);
2. the same file again (nothing changes, nothing is written);
3. a new release of the file (every gene updated), with 20 panels of 200
   genes each, which then get one new version each.

For each it prints rows per second, database round trips (queries) per row and
per chunk task, and the peak Python memory of the worker while it ran
(tracemalloc), the number to compare with the WorkerFunction's MemorySize.
"""

import json
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "shared"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panelapp.settings")
for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
    os.environ[name] = "testing"  # moto's, never real credentials
os.environ.pop("AWS_ENDPOINT_URL", None)
ROWS = int(os.environ.get("BENCH_ROWS", "45000"))
BUCKET, REGION = "panelapp-media", "eu-west-2"


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases
    from moto import mock_aws

    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database (a test database is created beside it).")
    databases = setup_databases(verbosity=0, interactive=False)
    try:
        with mock_aws():
            queue = configure_aws()
            worker = load_worker()
            from tests.imports.files import synthetic_hgnc

            print(f"{ROWS} HGNC rows, chunks of {chunk_rows()} rows")
            print(f"{'run':34} {'seconds':>8} {'rows/s':>8} {'queries':>8} {'q/row':>7} {'q/chunk':>8}")
            first = synthetic_hgnc(ROWS)
            report("1. first import (all created)", run(queue, worker, first))
            report("2. same file again (no change)", run(queue, worker, first))
            make_panels()
            report("3. new release (all updated)", run(queue, worker, synthetic_hgnc(ROWS, modified="2024-07-01")))
            # tracemalloc slows Python down, so memory has a run of its own: a first import of another release.
            reset_genes()
            traced = run(queue, worker, synthetic_hgnc(ROWS, modified="2024-08-01"), measure_memory=True)
            report("4. first import again, traced", traced)
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"peak Python memory of the worker's tasks (tracemalloc): {traced['peak'] / 2**20:.0f} MiB;")
            print(f"peak RSS of this whole process (worker, moto's S3 and SQS, the file): {rss:.0f} MiB")
    finally:
        teardown_databases(databases, verbosity=0)


def chunk_rows() -> int:
    from django.conf import settings

    return settings.IMPORT_GENE_CHUNK_ROWS


def configure_aws():
    import boto3
    from django.conf import settings
    from django.test.utils import override_settings

    from tests.test_tasks_app import Queues, sqs_tasks_settings

    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="panelapp", Attributes={"VisibilityTimeout": "360"})["QueueUrl"]
    # override_settings, not assignment: it tells Django to rebuild its storages and task backends.
    override_settings(
        USE_S3=True,
        AWS_S3_MEDIAFILES_BUCKET_NAME=BUCKET,
        STORAGES={
            **settings.STORAGES,
            "default": {
                "BACKEND": "serverless.storage.s3.MediaStorage",
                "OPTIONS": {"bucket_name": BUCKET, "location": "media", "region_name": REGION},
            },
        },
        TASKS=sqs_tasks_settings(url),
        MAILERS={"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}},
    ).enable()
    return Queues(sqs=sqs, url=url, dlq_url="")


def load_worker():
    from tests.conftest import load_function

    return load_function("worker")


def reset_genes() -> None:
    """Back to an empty gene table (and no panels), for a first import measured again."""
    from panels.models import Gene, Panel

    Panel.objects.all().delete()
    Gene.objects.all().delete()


def make_panels() -> None:
    """20 panels of 200 genes each among the imported ones: run 3 gives each one new version."""
    from accounts.models import Reviewer
    from panels import services
    from panels.models import Entity, Evidence, Gene

    from tests.panels.factories import make_panel, make_user

    curator = make_user(Reviewer.Role.CURATOR)
    genes = list(Gene.objects.order_by("pk")[:4000])
    for number in range(20):
        panel = make_panel(curator, f"Bench panel {number}")
        entities = Entity.objects.bulk_create(
            Entity(panel=panel, entity_type="gene", entity_name=g.hgnc_symbol, gene=g)
            for g in genes[number * 200 : (number + 1) * 200]
        )
        Evidence.objects.bulk_create(Evidence(entity=e, name="Literature") for e in entities)
        services.update_panel(curator, panel, disease_sub_group="200 genes")


def run(queue, worker, content: bytes, *, measure_memory: bool = False) -> dict:
    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from panels.imports import jobs
    from panels.imports.models import ImportJob
    from panels.imports.tasks import run_import
    from serverless.local.events import LambdaContext, sqs_event
    from uploads.models import Upload

    owner, _ = get_user_model().objects.get_or_create(username="bench-curator")
    name = default_storage.save("uploads/bench/hgnc_complete_set.txt", ContentFile(content))
    upload = Upload.objects.create(
        owner=owner, name=name, original_name="hgnc_complete_set.txt", content_type="text/plain",
        max_size=len(content), size=len(content),
    )  # fmt: skip
    job = jobs.create_job("genes", source=name, file_name=upload.original_name, user=owner, upload=upload)
    run_import.enqueue(str(job.pk))
    arn = queue.sqs.get_queue_attributes(QueueUrl=queue.url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    context = LambdaContext("panelapp-WorkerFunction", timeout_seconds=900)
    if measure_memory:
        tracemalloc.start()
    started = time.perf_counter()
    chunk_queries, task_seconds = [], {}
    with CaptureQueriesContext(connection) as queries:
        while messages := queue.receive():
            for message in messages:  # one record per invocation, so each task's queries are its own
                before, clock = len(queries), time.perf_counter()
                body = json.loads(message["Body"])
                response = worker.lambda_handler(sqs_event([message], arn, REGION), context)
                task = body["task"].rsplit(".", 1)[-1]
                task_seconds[task] = task_seconds.get(task, 0) + time.perf_counter() - clock
                assert response == {"batchItemFailures": []}, response
                queue.sqs.delete_message(QueueUrl=queue.url, ReceiptHandle=message["ReceiptHandle"])
                if body["task"].endswith("import_gene_chunk"):
                    chunk_queries.append(len(queries) - before)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if measure_memory else 0
    tracemalloc.stop()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.SUCCEEDED, (job.status, job.chunks_done, job.chunks_total, job.errors[:3])
    return {
        "seconds": seconds,
        "queries": len(queries),
        "chunk_queries": max(chunk_queries),
        "peak": peak,
        "summary": job.summary,
        "versions": len(job.changes),
        "task_seconds": task_seconds,
    }


def report(label: str, result: dict) -> None:
    rows_per_second = ROWS / result["seconds"]
    per_row = result["queries"] / ROWS
    print(
        f"{label:34} {result['seconds']:8.1f} {rows_per_second:8.0f} {result['queries']:8} {per_row:7.3f}"
        f" {result['chunk_queries']:8}"
    )
    counts = {k: v for k, v in result["summary"].items() if isinstance(v, int)}
    print(f"{'':34} {counts}, panels given a new version: {result['versions']}")
    print(f"{'':34} seconds by task: " + ", ".join(f"{k} {v:.1f}" for k, v in result["task_seconds"].items()))


if __name__ == "__main__":
    main()
