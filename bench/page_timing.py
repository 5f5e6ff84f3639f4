"""What the page benchmarks share: a throw-away database, the web handler, and the timing table.

``run(build, requests, ...)`` sets Django up on a test database of its own
beside ``DATABASE_URL``'s, lets ``build`` fill it, then sends each request
through ``functions/web`` as an ALB event and prints the median time as a
ratio to ``/version/`` (no database, a few bytes of JSON) measured the same way
in the same run, with the response size and its number of queries.
"""

import copy
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "shared"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panelapp.settings")

Requests = Iterable[tuple[str, dict[str, str]]]


def run(
    build: Callable[[], Any],
    requests: Callable[[Any], Requests],
    *,
    runs: int,
    label: str,
    accept: str | None = None,
    ok: tuple[int, ...] = (200,),
) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    settings.ALLOWED_HOSTS = ["*"]
    # Every request comes from one address: the throttle still counts each (its cost is real), never refuses.
    settings.API_THROTTLE_ANON_RATE = "1000000/minute"
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database (a test database is created beside it).")
    # A database of this run's own, so it never collides with another benchmark or test run.
    database = connection.settings_dict
    database.setdefault("TEST", {})["NAME"] = f"test_{database['NAME']}_bench_{os.getpid()}"
    databases = setup_databases(verbosity=0, interactive=False)
    try:
        started = time.perf_counter()
        built = build()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # planner statistics, as autovacuum keeps them on a live database
        print(f"data built in {time.perf_counter() - started:.0f} s")
        web = load_web()
        event = json.loads((ROOT / "events" / "alb_get.json").read_text())
        if accept:
            event["headers"]["accept"] = accept

        def measure(path: str, query: dict[str, str]) -> tuple[float, dict, int]:
            from django.test.utils import CaptureQueriesContext

            request = copy.deepcopy(event)
            request["path"], request["queryStringParameters"] = path, query
            times = []
            for _ in range(runs):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = web.lambda_handler(request, None)
                    times.append(time.perf_counter() - started)
                assert response["statusCode"] in ok, (path, response["statusCode"], response["body"][:300])
            return statistics.median(times), response, len(queries)

        baseline, _, _ = measure("/version/", {})
        print(f"baseline /version/ through the same handler: {baseline * 1000:.2f} ms")
        print(f"{label:64} {'x baseline':>10} {'median ms':>9} {'KiB':>6} {'queries':>7}")
        for path, query in requests(built):
            median, response, queries = measure(path, query)
            name = path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
            size = len(response["body"].encode()) / 1024
            print(f"{name:64} {median / baseline:10.1f} {median * 1000:9.1f} {size:6.0f} {queries:7}")
    finally:
        teardown_databases(databases, verbosity=0)


def load_web():
    from tests.conftest import load_function

    web = load_function("web")
    # No Lambda context here: call the adapted WSGI handler directly.
    web.lambda_handler = web.handle_event
    return web
