"""Cold start and warm requests of the web function, side by side with its peers, as ratios.

Run: ``make bench`` (or ``.venv/bin/python bench/cold_start.py [--runs N] [--root DIR]``).

Every sample is a fresh interpreter of the benchmark's own virtualenv
(``.venvs/bench``: only ``requirements.txt`` plus the two peers, nothing the
tests install), started with the web function's environment from the template
(secret ARNs included) against a local moto server (``bench/lambda_env.py``).
Each one times, from its first line:

- init: building the handler (what the Lambda init phase runs);
- first: the first ALB event through it (``events/alb_get.json``), for two
  requests: ``/version/`` (no database, which even the bare hello answers)
  and ``/panels/``, a page a user opens (the database, a scratch one migrated
  for the run; templates; static URLs from the manifest the layer ships);
- warm: the mean of later identical events (best of three rounds);
- CPU: the process's own CPU time for init and first request, which other
  work on a shared machine disturbs far less than wall time (but which leaves
  out waiting, e.g. for the secrets).

These handlers answer the same event, measured interleaved in one run:

- hello: a bare Django "hello" view behind apig-wsgi (the floor: Django itself);
- hello with a database: the same, with PostgreSQL configured, which loads
  psycopg and Django's backend as every app with a model does at setup (the
  floor of any Django app on PostgreSQL);
- ours: ``functions/web/app.py``, as deployed, initialised on demand (what an
  environment started for a waiting request runs);
- ours, SnapStart: the init Lambda snapshots runs untimed, then
  ``before_snapshot``; timed is what a restored environment runs,
  ``after_restore`` and the first request (the memory restore itself is
  Lambda's and cannot be measured here);
- serverless-wsgi and Mangum: the same PanelApp, wrapped by each peer instead,
  initialised on demand and, like ours, restored from a SnapStart snapshot of
  their init (compared with ours restored);
- serverless-wsgi and Mangum on the bare hello: the adapters alone, against
  apig-wsgi's hello.

Absolute times on a shared machine mean little, so the table gives ratios to
runs measured alongside. ``--baseline DIR`` (repeatable) adds other checkouts
of ours (e.g. ``git archive`` of older commits) to the same run: before and after.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lambda_env import ROOT, local_aws, web_environment

BENCH_PYTHON = ROOT / ".venvs" / "bench" / "bin" / "python"

# Before the clock starts: the event and a context, the same for everyone.
PRELUDE = """
import json, os, sys, time
event = json.load(open(os.path.join(sys.argv[1], "events", "alb_get.json")))
event["path"], event["headers"]["accept"] = sys.argv[2], sys.argv[3]
class Context:
    function_name = "panelapp-WebFunction"; function_version = "$LATEST"; memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:eu-west-2:123456789012:function:panelapp-WebFunction"
    aws_request_id = "6f1c2a4e-1b2c-4d5e-8f90-a1b2c3d4e5f6"
    def get_remaining_time_in_millis(self): return 30000
context = Context()
start, start_cpu = time.perf_counter(), time.process_time()
"""

# After the handler is built: time the first event, then warm ones.
MEASURE = """
init, init_cpu = time.perf_counter() - start, time.process_time() - start_cpu
response = handler(event, context)
first = time.perf_counter() - start - init
cold_cpu = time.process_time() - start_cpu
assert response["statusCode"] == 200, response
def per_call(n=int(sys.argv[4])):
    t = time.perf_counter()
    for _ in range(n):
        handler(event, context)
    return (time.perf_counter() - t) / n
warm = min(per_call() for _ in range(3))
result = {"init": init, "first": first, "cold_cpu": cold_cpu, "first_cpu": cold_cpu - init_cpu, "warm": warm}
print("RESULT " + json.dumps(result), flush=True)
"""

HELLO_APP = """
from django.conf import settings
settings.configure(
    ROOT_URLCONF="__main__", ALLOWED_HOSTS=["*"], SECRET_KEY="s" * 50, INSTALLED_APPS=[], MIDDLEWARE=[],
)
import django
django.setup()
from django.http import HttpResponse
from django.urls import path
urlpatterns = [path("version/", lambda request: HttpResponse("hello"))]
"""

# The same hello with a PostgreSQL database configured: any app with a model loads the
# driver and Django's backend at setup (Options asks the backend for its name limit).
HELLO_WITH_DATABASE = HELLO_APP.replace(
    "MIDDLEWARE=[],", 'MIDDLEWARE=[], DATABASES={"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "x"}},'
)

OURS = """
sys.path[:0] = [os.path.join(sys.argv[1], "shared"), os.path.join(sys.argv[1], "functions", "web")]
"""

HANDLERS = {
    "hello": HELLO_APP
    + """
from django.core.wsgi import get_wsgi_application
from apig_wsgi import make_lambda_handler
handler = make_lambda_handler(get_wsgi_application(), binary_support=True)
""",
    "hello-db": HELLO_WITH_DATABASE
    + """
from django.db import connection
connection.ops.max_name_length()
from django.core.wsgi import get_wsgi_application
from apig_wsgi import make_lambda_handler
handler = make_lambda_handler(get_wsgi_application(), binary_support=True)
""",
    "ours": OURS
    + """
import app
handler = app.lambda_handler
""",
    # The init Lambda snapshots (AWS_LAMBDA_INITIALIZATION_TYPE=snap-start) runs untimed,
    # then before_snapshot; the clock restarts for what a restored environment runs:
    # after_restore (secrets read again) and the first request.
    "ours-snapstart": OURS
    + """
os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"] = "snap-start"
import app
from serverless import snapstart
snapstart.before_snapshot()
start, start_cpu = time.perf_counter(), time.process_time()
snapstart.after_restore()
handler = app.lambda_handler
""",
    "serverless-wsgi": OURS
    + """
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panelapp.settings")
from panelapp.wsgi import application
import serverless_wsgi
def handler(event, context):
    return serverless_wsgi.handle_request(application, event, context)
""",
    "mangum": OURS
    + """
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panelapp.settings")
from django.core.asgi import get_asgi_application
from mangum import Mangum
handler = Mangum(get_asgi_application(), lifespan="off")
""",
    # The peers under SnapStart too: their init (django.setup(), the handler) in the
    # snapshot, untimed; what they load on the first request after a restore, timed.
    "serverless-wsgi-snapstart": OURS
    + """
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panelapp.settings")
from panelapp.wsgi import application
import serverless_wsgi
def handler(event, context):
    return serverless_wsgi.handle_request(application, event, context)
start, start_cpu = time.perf_counter(), time.process_time()
""",
    "mangum-snapstart": OURS
    + """
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panelapp.settings")
from django.core.asgi import get_asgi_application
from mangum import Mangum
handler = Mangum(get_asgi_application(), lifespan="off")
start, start_cpu = time.perf_counter(), time.process_time()
""",
    # The adapters alone: each peer wrapping the bare hello, against apig-wsgi's "hello".
    "serverless-wsgi-hello": HELLO_APP
    + """
from django.core.wsgi import get_wsgi_application
import serverless_wsgi
application = get_wsgi_application()
def handler(event, context):
    return serverless_wsgi.handle_request(application, event, context)
""",
    "mangum-hello": HELLO_APP
    + """
from django.core.asgi import get_asgi_application
from mangum import Mangum
handler = Mangum(get_asgi_application(), lifespan="off")
""",
}

LABELS = {
    "hello": "bare Django + apig-wsgi hello",
    "hello-db": "the same hello, PostgreSQL configured (psycopg and the backend loaded)",
    "ours": "**ours** (`functions/web/app.py`), on-demand init",
    "ours-snapstart": "ours, SnapStart restore (`after_restore` + first request)",
    "serverless-wsgi": "serverless-wsgi, same app",
    "mangum": "Mangum, same app (ASGI)",
    "serverless-wsgi-snapstart": "serverless-wsgi, same app, SnapStart restore (first request)",
    "mangum-snapstart": "Mangum, same app, SnapStart restore (first request)",
    "serverless-wsgi-hello": "serverless-wsgi, bare hello",
    "mangum-hello": "Mangum, bare hello (ASGI)",
}


# The two requests: what the floor can answer, and a page a user opens (database,
# templates, static URLs). (path, Accept, warm calls per round)
VERSION = ("/version/", "application/json", 100)
PAGE = ("/panels/", "text/html", 10)
# Who answers the page: the hello has no such page.
PAGE_HANDLERS = ("ours", "ours-snapstart", "serverless-wsgi", "mangum", "serverless-wsgi-snapstart", "mangum-snapstart")


def sample(python: Path, root: Path, name: str, environ: dict[str, str], request=VERSION) -> dict[str, float]:
    code = PRELUDE + HANDLERS[name.partition(" ")[0]] + MEASURE
    path, accept, warm_calls = request
    result = subprocess.run(
        [str(python), "-c", code, str(root), path, accept, str(warm_calls)],
        env=environ,
        capture_output=True,
        text=True,
        check=False,
    )
    for line in result.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line.removeprefix("RESULT "))
    raise RuntimeError(f"{name} failed on {path}:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")


@contextmanager
def page_database(python: Path, root: Path) -> Iterator[dict[str, str]]:
    """A migrated scratch database and the static files manifest the page needs; their variables.

    The database is on ``BENCH_DATABASE_URL``'s server (default the local
    PostgreSQL) and dropped at the end; the manifest is built as the layer
    build does (``serverless.storage.manifest``), so pages name hashed files.
    """
    import psycopg

    server = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    name = f"panelapp_bench_cold_{os.getpid()}"
    admin = urlunsplit(urlsplit(server)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        with tempfile.TemporaryDirectory() as scratch:
            manifest = Path(scratch) / "staticfiles.json"
            local = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(root / "shared")}
            database_url = urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
            for command in (["-m", "django", "migrate", "--settings", "panelapp.settings", "-v0"],
                            ["-m", "serverless.storage.manifest", str(manifest)]):  # fmt: skip
                subprocess.run(
                    [str(python), *command],
                    env={**local, "DATABASE_URL": database_url},
                    check=True,
                    stdout=subprocess.DEVNULL,
                )
            address = urlsplit(server)
            yield {
                "DATABASE_HOST": address.hostname or "127.0.0.1",
                "DATABASE_PORT": str(address.port or 5432),
                "DATABASE_NAME": name,
                "STATIC_MANIFEST_FILE": str(manifest),
            }
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def measure(
    python: Path, root: Path, runs: int, baselines: list[Path] = ()
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]:
    """Medians of ``runs`` fresh processes per handler and request, all interleaved to share any drift.

    Returns the results for ``/version/`` (every handler) and for the page (those that have it).
    """
    roots = {name: root for name in HANDLERS}
    roots.update({f"ours ({baseline.name})": baseline for baseline in baselines})
    runs_of = [(name, checkout, VERSION) for name, checkout in roots.items()]
    runs_of += [(name, checkout, PAGE) for name, checkout in roots.items() if name.partition(" ")[0] in PAGE_HANDLERS]
    samples: dict[tuple[str, tuple], list[dict[str, float]]] = {(name, request): [] for name, _, request in runs_of}
    with local_aws() as aws, page_database(python, root) as page:
        environ = {"PATH": os.environ.get("PATH", ""), **web_environment(aws), **page}
        for name, checkout, request in runs_of:  # one unmeasured round: bytecode written, files in the page cache
            sample(python, checkout, name, environ, request)
        for _ in range(runs):
            for name, checkout, request in runs_of:
                samples[name, request].append(sample(python, checkout, name, environ, request))
    medians = {
        key: {field: statistics.median(s[field] for s in results) for field in results[0]}
        for key, results in samples.items()
    }
    by_request = ({}, {})
    for (name, request), result in medians.items():
        by_request[request is PAGE][name] = result
    return by_request


def table(results: dict[str, dict[str, float]]) -> str:
    """Markdown: each handler's cold and warm times, as ratios to the hello and of ours to it.

    The adapters on the bare hello compare with the hello itself (apig-wsgi's), not with ours.
    """
    cold = {name: r["init"] + r["first"] for name, r in results.items()}
    cpu = {name: r["cold_cpu"] for name, r in results.items()}
    rows = [
        "| handler, same ALB event | init + first request | vs hello | CPU time | CPU vs hello | ours vs it (CPU)"
        " | warm request | warm vs hello |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        ours = "hello" if name.endswith("-hello") else _ours_for(name)
        rows.append(
            f"| {LABELS.get(name, name)} | {cold[name] * 1000:.0f} ms | {cold[name] / cold['hello']:.2f}x"
            f" | {cpu[name] * 1000:.0f} ms | {cpu[name] / cpu['hello']:.2f}x"
            f" | {cpu[ours] / cpu[name]:.2f}x{'' if ours == 'ours' else f' ({ours})'}"
            f" | {r['warm'] * 1000:.2f} ms | {r['warm'] / results['hello']['warm']:.2f}x |"
        )
    return "\n".join(rows)


def _ours_for(name: str) -> str:
    """The row of ours a handler is compared with: SnapStart restores with ours restored."""
    return "ours-snapstart" if name.endswith("-snapstart") else "ours"


def page_table(results: dict[str, dict[str, float]]) -> str:
    """Markdown: the page's cold start per handler, with the first request's own CPU time."""
    rows = [
        f"| handler, same ALB event for `{PAGE[0]}` | init + first request | CPU time | ours vs it (CPU)"
        " | first request's CPU | warm request |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        rows.append(
            f"| {LABELS.get(name, name)} | {(r['init'] + r['first']) * 1000:.0f} ms | {r['cold_cpu'] * 1000:.0f} ms"
            f" | {results[_ours_for(name)]['cold_cpu'] / r['cold_cpu']:.2f}x | {r['first_cpu'] * 1000:.0f} ms"
            f" | {r['warm'] * 1000:.2f} ms |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="fresh processes per handler and request (median)")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to measure")
    parser.add_argument("--python", type=Path, default=BENCH_PYTHON, help="the benchmark virtualenv's python")
    parser.add_argument(
        "--baseline", type=Path, action="append", default=[], help="another checkout of ours to measure alongside"
    )
    args = parser.parse_args()
    if not args.python.exists():
        sys.exit(f"{args.python} not found: `make bench` creates the benchmark virtualenv")
    version, page = measure(args.python, args.root.resolve(), args.runs, [path.resolve() for path in args.baseline])
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {machine()}; median of {args.runs} fresh processes each\n")
    print(table(version))
    print()
    print(page_table(page))
    print("\n" + json.dumps({"version": version, "page": page}))


if __name__ == "__main__":
    main()
