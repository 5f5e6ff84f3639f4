"""Cold start and warm requests of the web function, side by side with its peers, as ratios.

Run: ``make bench`` (or ``.venv/bin/python bench/cold_start.py [--runs N] [--root DIR]``).

Every sample is a fresh interpreter of the benchmark's own virtualenv
(``.venvs/bench``: only ``requirements.txt`` plus the two peers, nothing the
tests install), started with the web function's environment from the template
(secret ARNs included) against a local moto server (``bench/lambda_env.py``).
Each one times, from its first line:

- init: building the handler (what the Lambda init phase runs);
- first: the first ALB event through it (``events/alb_get.json``);
- warm: the mean of later identical events (best of three rounds);
- CPU: the process's own CPU time for init and first request, which other
  work on a shared machine disturbs far less than wall time (but which leaves
  out waiting, e.g. for the secrets).

Four handlers answer the same event, measured interleaved in one run:

- hello: a bare Django "hello" view behind apig-wsgi (the floor: Django itself);
- ours: ``functions/web/app.py``, as deployed;
- serverless-wsgi and Mangum: the same PanelApp, wrapped by each peer instead.

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
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lambda_env import ROOT, local_aws, web_environment

BENCH_PYTHON = ROOT / ".venvs" / "bench" / "bin" / "python"

# Before the clock starts: the event and a context, the same for everyone.
PRELUDE = """
import json, os, sys, time
event = json.load(open(os.path.join(sys.argv[1], "events", "alb_get.json")))
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
init = time.perf_counter() - start
response = handler(event, context)
first = time.perf_counter() - start - init
cold_cpu = time.process_time() - start_cpu
assert response["statusCode"] == 200, response
def per_call(n=100):
    t = time.perf_counter()
    for _ in range(n):
        handler(event, context)
    return (time.perf_counter() - t) / n
warm = min(per_call() for _ in range(3))
print("RESULT " + json.dumps({"init": init, "first": first, "cold_cpu": cold_cpu, "warm": warm}), flush=True)
"""

HANDLERS = {
    "hello": """
from django.conf import settings
settings.configure(
    ROOT_URLCONF="__main__", ALLOWED_HOSTS=["*"], SECRET_KEY="s" * 50, INSTALLED_APPS=[], MIDDLEWARE=[],
)
import django
django.setup()
from django.http import HttpResponse
from django.urls import path
urlpatterns = [path("version/", lambda request: HttpResponse("hello"))]
from django.core.wsgi import get_wsgi_application
from apig_wsgi import make_lambda_handler
handler = make_lambda_handler(get_wsgi_application(), binary_support=True)
""",
    "ours": """
sys.path[:0] = [os.path.join(sys.argv[1], "shared"), os.path.join(sys.argv[1], "functions", "web")]
import app
handler = app.lambda_handler
""",
    "serverless-wsgi": """
sys.path[:0] = [os.path.join(sys.argv[1], "shared")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panelapp.settings")
from panelapp.wsgi import application
import serverless_wsgi
def handler(event, context):
    return serverless_wsgi.handle_request(application, event, context)
""",
    "mangum": """
sys.path[:0] = [os.path.join(sys.argv[1], "shared")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panelapp.settings")
from django.core.asgi import get_asgi_application
from mangum import Mangum
handler = Mangum(get_asgi_application(), lifespan="off")
""",
}


def sample(python: Path, root: Path, name: str, environ: dict[str, str]) -> dict[str, float]:
    code = PRELUDE + HANDLERS[name.partition(" ")[0]] + MEASURE
    result = subprocess.run(
        [str(python), "-c", code, str(root)], env=environ, capture_output=True, text=True, check=False
    )
    for line in result.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line.removeprefix("RESULT "))
    raise RuntimeError(f"{name} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")


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


def measure(python: Path, root: Path, runs: int, baselines: list[Path] = ()) -> dict[str, dict[str, float]]:
    """Median of ``runs`` fresh processes per handler, the handlers interleaved to share any drift."""
    roots = {name: root for name in HANDLERS}
    roots.update({f"ours ({baseline.name})": baseline for baseline in baselines})
    samples: dict[str, list[dict[str, float]]] = {name: [] for name in roots}
    with local_aws() as aws:
        environ = {"PATH": os.environ.get("PATH", ""), **web_environment(aws)}
        for name, checkout in roots.items():  # one unmeasured round: bytecode written, files in the page cache
            sample(python, checkout, name, environ)
        for _ in range(runs):
            for name, checkout in roots.items():
                samples[name].append(sample(python, checkout, name, environ))
    return {
        name: {key: statistics.median(s[key] for s in results) for key in ("init", "first", "cold_cpu", "warm")}
        for name, results in samples.items()
    }


def table(results: dict[str, dict[str, float]]) -> str:
    cold = {name: r["init"] + r["first"] for name, r in results.items()}
    cpu = {name: r["cold_cpu"] for name, r in results.items()}
    rows = [
        "| handler | init + first request | vs hello | ours vs it | CPU time of it | CPU vs hello | ours vs it (CPU)"
        " | warm request | warm vs hello |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        rows.append(
            f"| {name} | {cold[name] * 1000:.0f} ms | {cold[name] / cold['hello']:.2f}x"
            f" | {cold['ours'] / cold[name]:.2f}x | {cpu[name] * 1000:.0f} ms | {cpu[name] / cpu['hello']:.2f}x"
            f" | {cpu['ours'] / cpu[name]:.2f}x | {r['warm'] * 1000:.2f} ms"
            f" | {r['warm'] / results['hello']['warm']:.2f}x |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="fresh processes per handler (median)")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to measure")
    parser.add_argument("--python", type=Path, default=BENCH_PYTHON, help="the benchmark virtualenv's python")
    parser.add_argument(
        "--baseline", type=Path, action="append", default=[], help="another checkout of ours to measure alongside"
    )
    args = parser.parse_args()
    if not args.python.exists():
        sys.exit(f"{args.python} not found: `make bench` creates the benchmark virtualenv")
    results = measure(args.python, args.root.resolve(), args.runs, [path.resolve() for path in args.baseline])
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {machine()}; median of {args.runs} fresh processes each\n")
    print(table(results))
    print("\n" + json.dumps(results))


if __name__ == "__main__":
    main()
