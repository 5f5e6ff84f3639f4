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
}

PROBE = """
import json, sys
sys.path[:0] = ["shared", "functions/web", "."]
import app
from django.db import connections
init_modules = set(sys.modules)
from tests.conftest import FakeLambdaContext, load_event
response = app.lambda_handler(load_event("alb_get.json"), FakeLambdaContext())
print(json.dumps({
    "boto3_imported": "boto3" in sys.modules,
    "open_connections": [alias for alias in connections if connections[alias].connection is not None],
    "urlconf_loaded": "panelapp.urls" in init_modules,
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


def test_web_function_init_loads_the_urlconf(init_state):
    assert init_state["urlconf_loaded"] is True


def test_web_function_init_opens_no_database_connection(init_state):
    assert init_state["open_connections"] == []


def test_web_function_init_creates_no_aws_client(init_state):
    assert init_state["boto3_imported"] is False


def test_web_function_answers_its_first_request(init_state):
    assert init_state["first_status"] == 200


@pytest.mark.parametrize("module", NOT_AT_INIT)
def test_web_function_init_and_first_request_leave_unused_machinery_unloaded(init_state, module):
    assert module not in init_state["modules"], NOT_AT_INIT[module]
