"""Lambda init does the work once and leaves AWS clients and connections for later."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, sys
sys.path[:0] = ["shared", "functions/web"]
import app
from django.db import connections
print(json.dumps({
    "boto3_imported": "boto3" in sys.modules,
    "open_connections": [alias for alias in connections if connections[alias].connection is not None],
    "urlconf_loaded": "panelapp.urls" in sys.modules,
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


@pytest.fixture(scope="module", params=CONFIGURATIONS, ids=list(CONFIGURATIONS))
def init_state(request) -> dict:
    environ = {**os.environ, **CONFIGURATIONS[request.param]}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environ, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_web_function_init_loads_the_urlconf(init_state):
    assert init_state["urlconf_loaded"] is True


def test_web_function_init_opens_no_database_connection(init_state):
    assert init_state["open_connections"] == []


def test_web_function_init_creates_no_aws_client(init_state):
    assert init_state["boto3_imported"] is False
