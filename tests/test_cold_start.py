"""Lambda init does the work once and leaves AWS clients, connections and unused machinery for later."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Modules the web function's init and first request must not load, and why: each one is a lever
# measured by bench/cold_start.py. The one list; every configuration below is held to it.
NOT_AT_INIT = {
    "boto3": "AWS clients are made on first use; secrets are read without boto3 (serverless.secrets)",
    "botocore.client": "the same: no AWS client at init",
    "drf_spectacular.openapi": "the OpenAPI generator loads with /api/schema/ and /api/docs/ only (api.docs)",
    "drf_spectacular.views": "the same",
    "rest_framework.test": "test tooling drf-spectacular's generator pulls in",
    "django.test": "the same",
    "unittest": "the same",
    "botocore.config": "settings build no botocore Config: the S3 storages make theirs when first used",
}

# The parts of the URLconf (panelapp.urls includes them lazily), each with what it alone brings.
URLCONF_PARTS = {
    "api.urls": "the API, and DRF's serializers, renderers and YAML with it",
    "panels.urls": "the site's pages and the curators' forms",
    "panels.imports.urls": "the curators' file imports",
    "accounts.urls": "sign-in, registration and the profile",
    "uploads.urls": "direct uploads to S3",
    "panelapp.admin_urls": "the admin's views",
    "panels.crowdsourcing_urls": "the first generation's redirects",
}

PROBE = """
import json, sys
sys.path[:0] = ["shared", "functions/web", "."]
import app
from django.db import connections
init_modules = set(sys.modules)
boto3 = sys.modules.get("boto3")
aws_sessions = [str(boto3.DEFAULT_SESSION)] if boto3 and boto3.DEFAULT_SESSION else []
open_at_init = [alias for alias in connections if connections[alias].connection is not None]
from tests.conftest import FakeLambdaContext, load_event
response = app.lambda_handler(load_event("alb_get.json"), FakeLambdaContext())
print(json.dumps({
    "boto3_imported": "boto3" in sys.modules,
    "open_connections": open_at_init,
    "aws_sessions": aws_sessions,
    "init_modules": sorted(init_modules),
    "first_status": response["statusCode"],
    "modules": sorted(sys.modules),
}))
"""

CONFIGURATIONS = {
    "local defaults": {},
    "S3 and SQS": {
        "USE_S3": "TRUE",
        "USE_SQS": "TRUE",
        "AWS_S3_STATICFILES_BUCKET_NAME": "panelapp-static",
        "AWS_S3_MEDIAFILES_BUCKET_NAME": "panelapp-media",
        "AWS_S3_STATICFILES_CUSTOM_DOMAIN": "d111111abcdef8.cloudfront.net",
        "TASK_QUEUE_URL": "https://sqs.eu-west-2.amazonaws.com/123456789012/panelapp",
    },
}


def probe(environ: dict[str, str]) -> dict:
    """Init the web function as Lambda does on demand, answer one ALB event for /version/, and report."""
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=environ, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module", params=[*CONFIGURATIONS, "template"], ids=[*CONFIGURATIONS, "template environment"])
def init_state(request) -> dict:
    if request.param != "template":
        # The sample event's host is the ALB's.
        return probe({**os.environ, "ALLOWED_HOSTS": ".elb.amazonaws.com", **CONFIGURATIONS[request.param]})
    # The template's own variables, secret ARNs included, AWS on a local moto server.
    from bench.lambda_env import local_aws, web_environment

    with local_aws() as aws:
        return probe({"PATH": os.environ.get("PATH", ""), **web_environment(aws)})


@pytest.mark.parametrize("part", URLCONF_PARTS)
def test_an_on_demand_init_leaves_each_part_of_the_urlconf_to_its_first_request(init_state, part):
    assert part not in init_state["modules"], URLCONF_PARTS[part]


def test_an_on_demand_init_defers_even_the_root_urlconf_to_the_first_request(init_state):
    assert "panelapp.urls" not in init_state["init_modules"]
    assert "panelapp.urls" in init_state["modules"]


# The AWS SDK's modules an init for a snapshot does load (no client, no credentials):
# the S3 storage backends import them, and every restored environment then has them.
SDK_AT_SNAPSHOT = {"boto3", "botocore.client", "botocore.config"}


@pytest.fixture(scope="module")
def snapshot_init() -> dict:
    """The web function initialised for a SnapStart snapshot, with the template's environment."""
    from bench.lambda_env import local_aws, web_environment

    with local_aws() as aws:
        # Lambda sets AWS_LAMBDA_INITIALIZATION_TYPE=snap-start for the init it snapshots.
        environ = {"PATH": os.environ.get("PATH", ""), **web_environment(aws)}
        return probe({**environ, "AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start"})


@pytest.mark.parametrize("part", ["panelapp.urls", *URLCONF_PARTS])
def test_a_snapshot_init_loads_every_part_of_the_urlconf(snapshot_init, part):
    assert part in snapshot_init["init_modules"]


def test_a_snapshot_init_loads_the_s3_storage_backends(snapshot_init):
    assert "storages.backends.s3" in snapshot_init["init_modules"]


def test_a_snapshot_init_makes_no_aws_client_and_opens_no_connection(snapshot_init):
    assert snapshot_init["aws_sessions"] == []
    assert snapshot_init["open_connections"] == []


@pytest.mark.parametrize("module", sorted(set(NOT_AT_INIT) - SDK_AT_SNAPSHOT))
def test_a_snapshot_init_still_leaves_unused_machinery_unloaded(snapshot_init, module):
    assert module not in snapshot_init["init_modules"], NOT_AT_INIT[module]
