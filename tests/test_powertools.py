"""Powertools as operators expect it: every log line's correlation id, and the web function's metrics."""

import json
import os
import subprocess
import sys

import pytest

from tests import test_tasks_app
from tests.conftest import ROOT, load_event, load_function
from tests.test_tasks_app import add
from tests.test_web_function import with_path

aws, declared, queues = test_tasks_app.aws, test_tasks_app.declared, test_tasks_app.queues


@pytest.fixture(scope="module")
def web():
    return load_function("web")


@pytest.fixture
def echo_urls(settings):
    settings.ROOT_URLCONF = "tests.echo_urls"  # /boom/ raises, /echo/<anything> answers it back


def json_lines(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]


def metric_values(lines: list[dict]) -> dict[str, float]:
    """Each metric published in the embedded metric format, by name."""
    values: dict[str, float] = {}
    for line in lines:
        for directive in line.get("_aws", {}).get("CloudWatchMetrics", []):
            for metric in directive["Metrics"]:
                value = line[metric["Name"]]  # a list when one metric was added more than once
                total = sum(value) if isinstance(value, list) else value
                values[metric["Name"]] = values.get(metric["Name"], 0) + total
    return values


@pytest.mark.parametrize(
    ("event_name", "correlation_id"),
    [
        ("alb_get.json", "Root=1-6740a1b2-0f1e2d3c4b5a69788796a5b4"),  # the ALB's X-Amzn-Trace-Id
        ("http_api_v2.json", "Bq3xYhkqLPEEJ0w="),  # API Gateway's request id
    ],
)
def test_every_web_log_line_carries_the_requests_correlation_id(
    web, lambda_context, echo_urls, capsys, event_name, correlation_id
):
    web.lambda_handler(with_path(load_event(event_name), "/boom/"), lambda_context)

    logged = [line for line in json_lines(capsys) if "level" in line]
    assert logged and all(line.get("correlation_id") == correlation_id for line in logged)


def test_the_alb_multi_value_shape_has_its_correlation_id_too(web, lambda_context, echo_urls, capsys):
    web.lambda_handler(with_path(load_event("alb_get_multivalue.json"), "/boom/"), lambda_context)

    logged = [line for line in json_lines(capsys) if "level" in line]
    assert logged and all(line.get("correlation_id", "").startswith("Root=1-") for line in logged)


def test_a_server_error_is_counted(web, lambda_context, echo_urls, capsys):
    response = web.lambda_handler(with_path(load_event("alb_get.json"), "/boom/"), lambda_context)

    assert response["statusCode"] == 500
    assert metric_values(json_lines(capsys)).get("ServerErrors") == 1


def test_an_answer_too_large_for_the_alb_is_counted(web, lambda_context, echo_urls, capsys):
    event = with_path(load_event("alb_get.json"), "/echo/" + "a" * (1024 * 1024))
    del event["headers"]["accept-encoding"]  # gzip would shrink the echo under the limit

    response = web.lambda_handler(event, lambda_context)

    assert response["statusCode"] == 500  # said by the handler, not the ALB's 502
    assert metric_values(json_lines(capsys)).get("ResponsesTooLarge") == 1


def test_an_ordinary_answer_counts_nothing_but_a_cold_start(web, lambda_context, capsys):
    web.lambda_handler(load_event("alb_get.json"), lambda_context)

    assert set(metric_values(json_lines(capsys))) <= {"ColdStart"}


@pytest.mark.django_db(transaction=True)
def test_a_worker_batchs_log_lines_carry_its_sqs_message_ids(aws, declared, queues, lambda_context, capsys):
    add.enqueue(1, 2)
    add.enqueue(3, 4)
    event = queues.receive_event()

    load_function("worker").lambda_handler(event, lambda_context)

    message_ids = [record["messageId"] for record in event["Records"]]
    logged = [line for line in json_lines(capsys) if "level" in line]
    assert len(message_ids) == 2
    assert logged and all(line.get("correlation_id") == message_ids for line in logged)


def test_an_invocation_that_adds_no_metric_writes_no_warning():
    """In a process of its own, as Lambda runs it (pytest resets warning filters around each test)."""
    probe = (
        "import sys; sys.path[:0] = ['shared', 'functions/web', '.']\n"
        "import app\n"
        "from tests.conftest import FakeLambdaContext, load_event\n"
        "for _ in range(2): app.lambda_handler(load_event('alb_get.json'), FakeLambdaContext())\n"
    )
    environ = {**os.environ, "ALLOWED_HOSTS": ".elb.amazonaws.com", "PYTHONWARNINGS": "default"}
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=environ, capture_output=True, text=True)

    assert result.returncode == 0, result.stderr[-2000:]
    assert "No application metrics to publish" not in result.stderr
