"""A 40,000-row panel file and a 50,000-row reviews file through the worker: the longest task of each against 60 s.

Run: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/panelapp .venv/bin/python bench/import_parts.py``
(from the repository root). As ``bench/import_speed.py``: a throw-away test
database, moto's S3 and SQS in-process, every queued message run alone
through ``functions/worker``'s handler until the queue is empty. The panel
file creates 130 panels shaped like upstream's whole-site download (a few
panels of thousands of genes, a long tail); the reviews file then reviews
genes on them by 25 reviewers, 5 of them curators (whose ratings are
decisions and give their panels a version). ``BENCH_SCALE`` (default 1)
shrinks both files for a quick try.
"""

import json
import os
import sys
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent)]
import import_speed  # noqa: E402  (sets up the paths and moto's credentials)

SCALE = float(os.environ.get("BENCH_SCALE", "1"))
PANEL_ROWS = int(40_000 * SCALE)
REVIEW_ROWS = int(50_000 * SCALE)
LARGEST = [4000, 3000, 2500, 2000, 1500]  # upstream's largest panels hold about 4,000 genes
REVIEWERS, CURATORS = 25, 5
WORKER_TIMEOUT = 60


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
            queue = import_speed.configure_aws()
            worker = import_speed.load_worker()
            panel_content = panel_file()
            print(f"panel file: {PANEL_ROWS:,} rows, {len(panel_content) / 2**20:.1f} MiB")
            report(run(queue, worker, "panels", panel_content, "all_panels.tsv"))
            review_content = reviews_file()
            print(f"reviews file: {REVIEW_ROWS:,} rows, {len(review_content) / 2**20:.1f} MiB")
            report(run(queue, worker, "reviews", review_content, "reviews.tsv"))
    finally:
        teardown_databases(databases, verbosity=0)


def panel_sizes() -> list[int]:
    sizes = [max(1, int(size * SCALE)) for size in LARGEST]
    tail = PANEL_ROWS - sum(sizes)
    count = 125
    sizes += [tail // count + (1 if n < tail % count else 0) for n in range(count)]
    return sizes


def panel_file() -> bytes:
    from panels.models import Gene

    from tests.imports.files import gene_row
    from tests.imports.files import panel_file as build

    sizes = panel_sizes()
    Gene.objects.bulk_create(
        Gene(hgnc_symbol=f"BG{n}", hgnc_id=f"HGNC:{900000 + n}", gene_name=f"bench gene {n}")
        for n in range(len(sizes) * 37 + max(sizes))
    )
    rows = []
    for number, size in enumerate(sizes):
        start = number * 37  # panels share genes, as real ones do
        rows += [gene_row(f"BG{start + n}", panel=f"Bench panel {number:03}") for n in range(size)]
    return build(*rows)


def reviews_file() -> bytes:
    from accounts.models import Reviewer
    from panels.models import Entity

    from tests.imports.files import review_row
    from tests.imports.files import reviews_file as build
    from tests.panels.factories import make_user

    names = []
    for n in range(REVIEWERS):
        role = Reviewer.Role.CURATOR if n < CURATORS else Reviewer.Role.REVIEWER
        names.append(make_user(role, f"bench-reviewer-{n}").get_username())
    entities = list(Entity.objects.order_by("pk").values_list("entity_name", "panel__name"))
    rows = []
    ratings = ("GREEN", "AMBER", "RED")
    for n in range(REVIEW_ROWS):
        symbol, panel = entities[n % len(entities)]
        rounds = n // len(entities)  # a second pass reviews each gene again, by the next reviewer
        reviewer = names[(n + rounds) % REVIEWERS]
        rows.append(review_row(symbol, panel, reviewer, Rate=ratings[n % 3], Comments=f"Bench review {n}."))
    return build(*rows)


def run(queue, worker, kind: str, content: bytes, file_name: str) -> dict:
    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from panels.imports import jobs
    from panels.imports.models import ImportJob
    from panels.imports.tasks import run_import
    from serverless.local.events import LambdaContext, sqs_event
    from uploads.models import Upload

    owner, _ = get_user_model().objects.get_or_create(username="bench-curator")
    name = default_storage.save(f"uploads/bench/{file_name}", ContentFile(content))
    upload = Upload.objects.create(
        owner=owner, name=name, original_name=file_name, content_type="text/tab-separated-values",
        max_size=len(content), size=len(content),
    )  # fmt: skip
    job = jobs.create_job(kind, source=name, file_name=file_name, user=owner, upload=upload)
    run_import.enqueue(str(job.pk))
    arn = queue.sqs.get_queue_attributes(QueueUrl=queue.url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    context = LambdaContext("panelapp-WorkerFunction", timeout_seconds=900)
    started = time.perf_counter()
    tasks: dict[str, list[float]] = {}
    while messages := queue.receive():
        for message in messages:
            task = json.loads(message["Body"])["task"].rsplit(".", 1)[-1]
            clock = time.perf_counter()
            response = worker.lambda_handler(sqs_event([message], arn, import_speed.REGION), context)
            tasks.setdefault(task, []).append(time.perf_counter() - clock)
            assert response == {"batchItemFailures": []}, response
            queue.sqs.delete_message(QueueUrl=queue.url, ReceiptHandle=message["ReceiptHandle"])
    job.refresh_from_db()
    assert job.status == ImportJob.Status.SUCCEEDED, (job.status, job.errors[:3])
    rows = list(job.parts.values_list("rows", flat=True))
    return {
        "kind": kind,
        "seconds": time.perf_counter() - started,
        "tasks": tasks,
        "parts": len(rows),
        "largest_part": max(rows),
        "versions": sum(1 for change in job.changes if change["changed"]),
    }


def report(result: dict) -> None:
    print(
        f"  {result['kind']}: {result['seconds']:.1f} s in all, {result['parts']} parts "
        f"(largest {result['largest_part']:,} rows), {result['versions']} panel versions"
    )
    longest = 0.0
    for task, seconds in result["tasks"].items():
        longest = max(longest, max(seconds))
        print(f"    {task:22} x{len(seconds):<4} total {sum(seconds):7.1f} s  longest {max(seconds):5.1f} s")
    print(f"  longest task {longest:.1f} s of the worker's {WORKER_TIMEOUT} s ({100 * longest / WORKER_TIMEOUT:.0f}%)")


if __name__ == "__main__":
    main()
