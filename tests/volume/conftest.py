"""Two volume builds, small and four times larger, each measured through the web handler and rolled back.

Every test of this directory reads the measurements; none touches the
database, so the builds never leak into another test. A build lives in one
transaction: the handler's requests run inside it (their connection is kept
open, as Django's test client keeps it) and it is rolled back when measured.

Each query is measured by the plan PostgreSQL takes at the real volume,
where the big tables are far too large to read whole: sequential scans
discouraged. A build's tables hold a few hundred rows (the small build's
entity table is about one page of the entity lists), and there reading the
whole table is rightly the cheapest plan, so the plan taken at this size
would count every row whatever the query asks. A query that must read every
row (a count, a sort of the whole table, a filter no index serves) still
does under the discouraged plan, through an index or a sequential scan.
"""

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, transaction
from django.test.utils import override_settings
from panels import volume

from tests.conftest import load_function
from tests.volume.endpoints import EVENTS, Endpoint, body_bytes, endpoints, targets

SCALES = {"small": 0.01, "large": 0.04}
SEED = 3
# The tables that grow with the volume: a list must not read them whole.
BIG_TABLES = frozenset(
    {
        "panels_activity",
        "panels_entity",
        "panels_evaluation",
        "panels_evidence",
        "panels_gene",
        "panels_historicalsnapshot",
    }
)
SCAN_NODES = {"Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan"}


@dataclass
class Measurement:
    status: int
    size: int  # body bytes through the ALB
    http_api_size: int  # body bytes through API Gateway's HTTP API
    queries: int
    rows_read: dict[str, int]  # rows each big table's scans read (EXPLAIN ANALYZE at_volume), over every query
    seq_scans: set[str]  # big tables scanned whole even with sequential scans discouraged


@dataclass
class Build:
    scale: float
    targets: dict[str, Any]
    endpoints: dict[str, Endpoint]
    measured: dict[str, Measurement]


@pytest.fixture(scope="session")
def builds(django_db_setup, django_db_blocker) -> dict[str, Build]:
    web = load_function("web")
    hosts = ["testserver", ".elb.amazonaws.com", ".execute-api.eu-west-2.amazonaws.com"]
    result = {}
    # The handler must not close the connection the build's transaction lives on.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with (
            django_db_blocker.unblock(),
            override_settings(
                ALLOWED_HOSTS=hosts, API_THROTTLE_ANON_RATE="1000000/minute", PANEL_EXPORTS_REBUILD_ON_CHANGE=False
            ),
        ):
            for label, scale in SCALES.items():
                with transaction.atomic():
                    volume.build(scale=scale, seed=SEED)
                    found = targets()
                    listed = {endpoint.name: endpoint for endpoint in endpoints(found)}
                    measured = {name: measure(web, endpoint) for name, endpoint in listed.items()}
                    result[label] = Build(scale, found, listed, measured)
                    transaction.set_rollback(True)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return result


def measure(web, endpoint: Endpoint) -> Measurement:
    statements: list[str] = []

    def record(execute, sql, params, many, context):
        statements.append(connection.ops.compose_sql(sql, params) if params and not many else sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = web.handle_event(EVENTS["alb"](endpoint), None)
    http_api = web.handle_event(EVENTS["http_api"](endpoint), None)
    rows: dict[str, int] = {}
    seq_scans: set[str] = set()
    for sql in statements:
        if not sql.lstrip().upper().startswith("SELECT") or not any(table in sql for table in BIG_TABLES):
            continue
        plan = at_volume(sql)
        for table, read in rows_read(plan).items():
            rows[table] = rows.get(table, 0) + read
        seq_scans |= whole_table_scans(plan)
    return Measurement(
        status=response["statusCode"],
        size=body_bytes(response),
        http_api_size=body_bytes(http_api),
        queries=len(statements),
        rows_read=rows,
        seq_scans=seq_scans,
    )


def at_volume(sql: str) -> dict:
    """The query run as the real volume would run it: EXPLAIN ANALYZE with sequential scans discouraged."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        plan = cursor.fetchone()[0]
        cursor.execute("SET LOCAL enable_seqscan = on")
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]


def nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", ()):
        yield from nodes(child)


def rows_read(plan: dict) -> dict[str, int]:
    """Rows each big table's scans returned or filtered out, over all their loops."""
    read: dict[str, int] = {}
    for node in nodes(plan):
        table = node.get("Relation Name")
        if node["Node Type"] in SCAN_NODES and table in BIG_TABLES:
            loops = node.get("Actual Loops", 1)
            count = (node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)) * loops
            read[table] = read.get(table, 0) + round(count)
    return read


def whole_table_scans(plan: dict) -> set[str]:
    """Big tables read sequentially though sequential scans were discouraged: no index serves the query."""
    scanned = (n["Relation Name"] for n in nodes(plan) if n["Node Type"] == "Seq Scan")
    return {table for table in scanned if table in BIG_TABLES}
