"""The worker's own cost per message, over calling the task directly, on PostgreSQL.

Run: ``make bench`` (or ``.venv/bin/python bench/worker_overhead.py [--root DIR] [--batches N]``).

A scratch database is created on ``BENCH_DATABASE_URL``'s server (default the
local PostgreSQL), migrated, and dropped at the end. Then, in this process:

- direct: ``noop.call()``, the task itself;
- worker: SQS batches of ten messages through ``functions/worker/app.py``'s
  ``lambda_handler`` (Powertools logging and metrics included, log lines sent
  to /dev/null as Lambda sends them to its log pipe), each message new, so
  each one is claimed, run and recorded: the idempotency and lease
  bookkeeping at full price.

Overhead per message = (batch time / 10) - direct call. The worker's cost is
one claim for the whole batch (so other deliveries see the lease) and one
durable record of each task's end, written as soon as the task ends, plus the
``SELECT 1`` health check of the batch's connection check; per message there
is also the Python around each task (Powertools' batch processing, the
``task_started``/``task_finished`` signals and their two ``django.tasks`` log
lines, metrics). A disk with a slow flush weighs on the
commits: ``--synchronous-commit off`` measures the rest alone (round trips and
Python), clearly labelled. ``--root`` measures another checkout with the same
harness (before and after).
"""

import argparse
import contextlib
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BATCH = 10


def scratch_database(server_url: str, synchronous_commit: str) -> tuple[str, callable]:
    import psycopg

    name = f"panelapp_bench_{os.getpid()}"
    admin = urlunsplit(urlsplit(server_url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
        connection.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = {synchronous_commit}')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlunsplit(urlsplit(server_url)._replace(path=f"/{name}")), drop


class Context:
    function_name = "panelapp-WorkerFunction"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:eu-west-2:123456789012:function:panelapp-WorkerFunction"
    memory_limit_in_mb = 1024

    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def batch_event(task_path: str) -> dict:
    records = []
    for _ in range(BATCH):
        body = {"version": 1, "id": uuid.uuid4().hex, "task": task_path, "args": [], "kwargs": {}}
        records.append(
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": "handle",
                "body": json.dumps(body),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-2:123456789012:panelapp",
                "awsRegion": "eu-west-2",
            }
        )
    return {"Records": records}


def measure(root: Path, batches: int) -> dict[str, float]:
    sys.path[:0] = [str(root / "shared"), str(root / "functions" / "worker"), str(Path(__file__).parent)]
    os.environ["DJANGO_SETTINGS_MODULE"] = "panelapp.settings"
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "PanelAppBench")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    settings.TASK_MODULES = [*settings.TASK_MODULES, "bench_tasks"]
    import app
    from bench_tasks import noop as noop_task

    def direct(n: int = 10_000) -> float:
        start = time.perf_counter()
        for _ in range(n):
            noop_task.call()
        return (time.perf_counter() - start) / n

    def per_message() -> float:
        event, context = batch_event(noop_task.module_path), Context()
        start = time.perf_counter()
        response = app.lambda_handler(event, context)
        elapsed = time.perf_counter() - start
        assert response == {"batchItemFailures": []}, response
        return elapsed / BATCH

    def round_trip(n: int = 200) -> float:
        """One ``SELECT 1``: the database's latency on this machine, the unit the overhead is made of."""
        from django.db import connection

        with connection.cursor() as cursor:
            start = time.perf_counter()
            for _ in range(n):
                cursor.execute("SELECT 1")
            return (time.perf_counter() - start) / n

    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
        per_message()  # warm: connection open, modules loaded
        worker, trips = [], []
        for _ in range(batches):  # interleaved, so both see the same load
            worker.append(per_message())
            trips.append(round_trip(20))
        call = min(direct() for _ in range(3))
    worker_median, trip = statistics.median(worker), statistics.median(trips)
    return {"direct": call, "worker": worker_median, "overhead": worker_median - call, "round_trip": trip}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to measure")
    parser.add_argument("--batches", type=int, default=50, help="batches of ten (median)")
    parser.add_argument(
        "--synchronous-commit",
        choices=["on", "off"],
        default="on",
        help="off leaves out the disk's flush per commit (a slow disk's fsync can dwarf everything else)",
    )
    args = parser.parse_args()
    server = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    os.environ["DATABASE_URL"], drop = scratch_database(server, args.synchronous_commit)
    try:
        result = measure(args.root.resolve(), args.batches)
    finally:
        from django.db import connections

        connections.close_all()
        drop()
    print(
        f"worker per message {result['worker'] * 1000:.3f} ms, direct call {result['direct'] * 1000:.4f} ms:"
        f" overhead {result['overhead'] * 1000:.3f} ms per message (median of {args.batches} batches of {BATCH},"
        f" synchronous_commit {args.synchronous_commit});"
        f" a SELECT 1 round trip {result['round_trip'] * 1000:.3f} ms:"
        f" overhead = {result['overhead'] / result['round_trip']:.1f} round trips"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
