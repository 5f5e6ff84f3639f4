"""Cold start and per-request overhead of the web function, as ratios.

Run: ``.venv/bin/python bench/cold_start.py`` (from the repository root).

Everything is measured in this one run on this machine, and reported against a
baseline measured alongside it, because absolute times on shared machines mean
little:

- init: a fresh interpreter importing ``functions/web/app.py`` (Django set up,
  URLconf loaded, handler built) against one that only runs ``django.setup()``
  with the same settings: the price of our init on top of Django's own.
- first request after init against a warm request: what the init leaves to
  the first user.
- a warm ALB event through ``lambda_handler`` against the same request made
  through Django's WSGI application with a ready environ: the cost of the
  Lambda adaptation (apig-wsgi, stage prefix, logging context).
"""

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 7

DJANGO_ONLY = """
import os, sys, time
start = time.perf_counter()
sys.path.insert(0, "shared")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panelapp.settings")
import django
django.setup()
print(time.perf_counter() - start)
"""

WEB_INIT = """
import sys, time
start = time.perf_counter()
sys.path[:0] = ["shared", "functions/web"]
import app
print(time.perf_counter() - start)
"""

REQUESTS = """
import io, json, sys, time
sys.path[:0] = ["shared", "functions/web", "."]
import app
from tests.conftest import FakeLambdaContext, load_event

event, context = load_event("alb_get.json"), FakeLambdaContext()
start = time.perf_counter(); app.lambda_handler(event, context); first = time.perf_counter() - start

def through_handler():
    app.lambda_handler(event, context)

def through_wsgi():
    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": "/version/", "QUERY_STRING": "", "SERVER_NAME": "localhost",
        "SERVER_PORT": "443", "HTTP_HOST": "localhost", "wsgi.url_scheme": "https", "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr, "SCRIPT_NAME": "",
    }
    body = app.application(environ, lambda status, headers: None)
    b"".join(body)

def per_call(fn, n=300):
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n

import logging; logging.disable(logging.CRITICAL)
warm = min(per_call(through_handler) for _ in range(3))
wsgi = min(per_call(through_wsgi) for _ in range(3))
print(json.dumps({"first": first, "warm": warm, "wsgi": wsgi}))
"""


ENVIRON = {**os.environ, "ALLOWED_HOSTS": ".elb.amazonaws.com,localhost"}


def run(code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=ENVIRON, capture_output=True, text=True, check=True
    ).stdout


def median_seconds(code: str) -> float:
    return statistics.median(float(run(code).strip().splitlines()[-1]) for _ in range(RUNS))


def main() -> None:
    # Interleave nothing: each measurement is the median of RUNS fresh processes.
    django_only = median_seconds(DJANGO_ONLY)
    web_init = median_seconds(WEB_INIT)
    requests = json.loads(run(REQUESTS).strip().splitlines()[-1])
    rows = [
        (
            "web function init / django.setup() alone",
            web_init / django_only,
            f"{web_init * 1000:.0f} ms vs {django_only * 1000:.0f} ms",
        ),
        (
            "first request / warm request",
            requests["first"] / requests["warm"],
            f"{requests['first'] * 1000:.2f} ms vs {requests['warm'] * 1000:.2f} ms",
        ),
        (
            "warm ALB event / bare WSGI call",
            requests["warm"] / requests["wsgi"],
            f"{requests['warm'] * 1000:.3f} ms vs {requests['wsgi'] * 1000:.3f} ms",
        ),
    ]
    width = max(len(name) for name, _, _ in rows)
    for name, ratio, detail in rows:
        print(f"{name:<{width}}  {ratio:5.2f}x  ({detail})")


if __name__ == "__main__":
    main()
