"""Speed of the public API on a large data set, through the real web Lambda handler.

Run: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/panelapp .venv/bin/python bench/api_speed.py``
(from the repository root). It creates a throw-away test database beside the
one named (``test_<name>``), fills it with 50 panels, one of them of 4,000
genes (about the size of upstream's largest), and sends each request through
``functions/web`` as an ALB event: the median time as a ratio to ``/version/``
(no database, a few bytes of JSON) measured the same way in the same run, the
response size and the number of queries per endpoint. Queries must not depend
on the data size (tests/api/test_query_counts.py proves it); this shows what
the time does.
"""

import copy
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "shared"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panelapp.settings")
RUNS = 15


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, setup_databases, teardown_databases

    settings.ALLOWED_HOSTS = ["*"]
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database (a test database is created beside it).")
    databases = setup_databases(verbosity=0, interactive=False)
    try:
        big, small = build()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # planner statistics, as autovacuum keeps them on a live database
        web = load_web()
        event = json.loads((ROOT / "events" / "alb_get.json").read_text())
        paths = [
            ("/api/v1/panels/", {}),
            (f"/api/v1/panels/{big}/", {}),
            (f"/api/v1/panels/{big}/", {"version": "0.1"}),
            (f"/api/v1/panels/{big}/genes/", {"confidence_level": "3"}),
            (f"/api/v1/panels/{small}/", {}),
            ("/api/v1/genes/", {}),
            ("/api/v1/genes/", {"page": "20"}),
            ("/api/v1/entities/", {"type": "rare-disease-100k"}),
            ("/api/v1/activities/", {}),
        ]

        def measure(path: str, query: dict) -> tuple[float, dict, int]:
            request = copy.deepcopy(event)
            request["path"], request["queryStringParameters"] = path, query
            times = []
            for _ in range(RUNS):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = web.lambda_handler(request, None)
                    times.append(time.perf_counter() - started)
                assert response["statusCode"] == 200, (path, response["body"][:200])
            return statistics.median(times), response, len(queries)

        baseline, _, _ = measure("/version/", {})
        print(f"baseline /version/ through the same handler: {baseline * 1000:.2f} ms")
        print(f"{'endpoint':60} {'x baseline':>10} {'median ms':>9} {'KiB':>7} {'queries':>7}")
        for path, query in paths:
            median, response, queries = measure(path, query)
            label = path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
            size = len(response["body"].encode()) / 1024
            print(f"{label:60} {median / baseline:10.1f} {median * 1000:9.1f} {size:7.0f} {queries:7}")
    finally:
        teardown_databases(databases, verbosity=0)


def build() -> tuple[int, int]:
    from accounts.models import Reviewer
    from panels import services
    from panels.models import Entity, Evidence, Gene

    from tests.panels.factories import add_gene, make_panel, make_user

    curator = make_user(Reviewer.Role.CURATOR)
    panels = [make_panel(curator, f"Panel {number:02}") for number in range(50)]
    for panel in panels:
        for number in range(20):
            add_gene(curator, panel, f"P{panel.pk}G{number}")
    big = panels[0]
    genes = Gene.objects.bulk_create(Gene(hgnc_symbol=f"BIG{i}", hgnc_id=f"HGNC:{i}") for i in range(4000))
    entities = Entity.objects.bulk_create(
        Entity(panel=big, entity_type="gene", entity_name=g.hgnc_symbol, gene=g, confidence_level=i % 4)
        for i, g in enumerate(genes)
    )
    Evidence.objects.bulk_create(Evidence(entity=e, name="Literature") for e in entities)
    services.update_panel(curator, big, disease_sub_group="4,000 genes")
    return big.pk, panels[1].pk


def load_web():
    from tests.conftest import load_function

    web = load_function("web")
    # No Lambda context here: call the adapted WSGI handler directly.
    web.lambda_handler = web.handle_event
    return web


if __name__ == "__main__":
    main()
