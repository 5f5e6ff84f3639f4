"""Every page and API endpoint at the real PanelApp's volume, through the real web handler, against the demo data.

Run: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/panelapp .venv/bin/python bench/volume.py --scale 0.1``
(from the repository root), or ``--database NAME`` to measure a database
``manage.py build_volume`` already filled (on the server of ``DATABASE_URL``).
Without ``--database`` it builds the volume at ``--scale`` into a throw-away
database; the demo data (``panels.demo``) always goes into another. Each
request goes through ``functions/web`` as an ALB event and as an API Gateway
HTTP API (v2) event. It prints, per endpoint: the median time on each
database and their ratio (volume ÷ demo, same run), a deep page's time ÷ its
first page's, the body's size against the ALB's 1 MB and API Gateway's
6 MB, and the queries it ran. The endpoints (tests/volume/endpoints.py) open
the largest panel, the largest super panel, old versions of both and the
busiest panel's history. The table also goes to ``--json``.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "shared"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panelapp.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="a database build_volume filled (else one is built at --scale)")
    parser.add_argument("--scale", type=float, default=0.1, help="when building: times the real volume")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="requests per endpoint, event shape and database")
    parser.add_argument("--json", default=str(ROOT / "var" / "bench-volume.json"), help="where the table goes")
    options = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL server (the demo database is created beside it).")
    settings.ALLOWED_HOSTS = ["*"]
    # Every request comes from one address: the throttle still counts each (its cost is real), never refuses.
    settings.API_THROTTLE_ANON_RATE = "1000000/minute"
    settings.PANEL_EXPORTS_REBUILD_ON_CHANGE = False
    original, scratch = connection.settings_dict["NAME"], []
    try:
        demo_db = scratch_database(f"bench_volume_demo_{os.getpid()}", scratch)
        from panels import demo

        demo.load()
        if options.database:
            volume_db, built = options.database, {"database": options.database}
        else:
            volume_db = scratch_database(f"bench_volume_{os.getpid()}", scratch)
            from panels import volume

            started = time.perf_counter()
            built = volume.build(scale=options.scale, seed=options.seed, log=lambda line: print("  built", line))
            built = {**built.as_json(), "build_seconds": round(time.perf_counter() - started)}
            print(f"volume built at scale {options.scale} in {built['build_seconds']} s")
        web = load_web()
        results = {
            label: measure_all(web, name, options.runs) for label, name in (("demo", demo_db), ("volume", volume_db))
        }
        table = report(results)
        out = Path(options.json)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"built": built, "runs": options.runs, "rows": table}, indent=2))
        print(f"written to {out}")
    finally:
        use_database(original)
        for name in scratch:
            drop_database(name)


def scratch_database(name: str, scratch: list) -> str:
    """A fresh database on the same server, migrated and in use; dropped at the end."""
    from django.core.management import call_command
    from django.db import connection

    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    scratch.append(name)
    use_database(name)
    call_command("migrate", verbosity=0)
    return name


def use_database(name: str) -> None:
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = name


def drop_database(name: str) -> None:
    from django.db import connection

    connection.close()
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def load_web():
    from tests.conftest import load_function

    web = load_function("web")
    return web.handle_event  # no Lambda context here: the adapted WSGI handler directly


def measure_all(handle, database: str, runs: int) -> dict[str, Any]:
    from django.db import connection

    from tests.volume.endpoints import EVENTS, Endpoint, endpoints, targets

    use_database(database)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics, as autovacuum keeps them on a live database
    found = targets()
    print(f"{database}: {json.dumps({k: v for k, v in found.items()})}")
    measured = {"targets": found, "endpoints": {}}
    version = Endpoint("version", "/version/")
    measured["baseline_ms"] = time_one(handle, EVENTS["alb"](version), runs * 3)[0] * 1000
    for endpoint in endpoints(found):
        row: dict[str, Any] = {"url": endpoint.url, "deep": endpoint.deep, "grows_with": endpoint.grows_with}
        for kind, event in EVENTS.items():
            seconds, response, queries = time_one(handle, event(endpoint), runs)
            row[kind] = {
                "ms": round(seconds * 1000, 1),
                "status": response["statusCode"],
                "bytes": len(response.get("body", "").encode()),
                "queries": queries,
            }
        measured["endpoints"][endpoint.name] = row
        print(f"  {endpoint.name}: {row['alb']['ms']} ms, {row['alb']['bytes']} bytes", flush=True)
    return measured


def time_one(handle, event: dict, runs: int) -> tuple[float, dict, int]:
    from django.db import connection

    times, count = [], 0
    handle(event, None)  # warm: the first request of a kind imports its views and templates
    for _ in range(runs):
        statements = []

        def record(execute, sql, params, many, context, statements=statements):
            statements.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            started = time.perf_counter()
            response = handle(event, None)
            times.append(time.perf_counter() - started)
        count = len(statements)
    return statistics.median(times), response, count


def report(results: dict[str, dict]) -> list[dict[str, Any]]:
    from tests.volume.endpoints import ALB_LIMIT, HTTP_API_LIMIT

    demo, volume = results["demo"]["endpoints"], results["volume"]["endpoints"]
    print()
    print(
        f"/version/ through the same handler: demo database {results['demo']['baseline_ms']:.1f} ms, "
        f"volume database {results['volume']['baseline_ms']:.1f} ms"
    )
    header = (
        f"{'endpoint':40} {'demo ms':>8} {'vol ms':>8} {'vol/demo':>8} {'deep/1st':>8} "
        f"{'vol KB':>8} {'ALB 1MB':>7} {'HTTP 6MB':>8} {'queries':>7} {'status':>6}"
    )
    print(header)
    rows = []
    for name, row in volume.items():
        alb, http = row["alb"], row["http_api"]
        demo_ms = demo[name]["alb"]["ms"]
        first = name.split(", last page")[0]
        deep_ratio = alb["ms"] / volume[first]["alb"]["ms"] if row["deep"] and first in volume else None
        out = {
            "endpoint": name,
            "url": row["url"],
            "demo_ms": demo_ms,
            "volume_ms": alb["ms"],
            "volume_ms_http_api": http["ms"],
            "volume_over_demo": round(alb["ms"] / demo_ms, 1) if demo_ms else None,
            "deep_over_first": round(deep_ratio, 1) if deep_ratio else None,
            "bytes_alb": alb["bytes"],
            "bytes_http_api": http["bytes"],
            "fits_alb": alb["bytes"] <= ALB_LIMIT,
            "fits_http_api": http["bytes"] <= HTTP_API_LIMIT,
            "queries_demo": demo[name]["alb"]["queries"],
            "queries_volume": alb["queries"],
            "status": [alb["status"], http["status"]],
        }
        rows.append(out)
        print(
            f"{name[:40]:40} {demo_ms:8.1f} {alb['ms']:8.1f} {out['volume_over_demo'] or 0:8.1f} "
            f"{(f'{deep_ratio:.1f}' if deep_ratio else '-'):>8} {alb['bytes'] / 1000:8.0f} "
            f"{'ok' if out['fits_alb'] else 'OVER':>7} {'ok' if out['fits_http_api'] else 'OVER':>8} "
            f"{out['queries_demo']:>3}/{alb['queries']:<3} {alb['status']:>6}"
        )
    return rows


if __name__ == "__main__":
    main()
