"""WebFunction: Django behind the ALB and API Gateway.

The Django application is built here, at import, so the Lambda init phase
(and a SnapStart snapshot) pays for it once; each invocation only runs it.

Every log line of an invocation carries a ``correlation_id``: API Gateway's
request id, or for the ALB (whose events have none) the ``X-Amzn-Trace-Id``
header it adds, which its access logs record too. CloudWatch metrics (embedded
in the logs, namespace ``POWERTOOLS_METRICS_NAMESPACE``) count cold starts,
answers of 500 and above, and answers too large for the caller to deliver.
"""

import os
from typing import Any

import serverless.snapstart  # noqa: F401 (registers the SnapStart hooks)
from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from panelapp.wsgi import application
from serverless.logging import SERVICE, logger
from serverless.web import event_kind, make_handler

handle_event = make_handler(application)
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "PanelApp"), service=SERVICE)

# powertools' correlation_paths.API_GATEWAY_HTTP (and _REST), else APPLICATION_LOAD_BALANCER,
# in either of the ALB's header shapes: one function serves all three kinds of event.
CORRELATION_ID_PATH = 'requestContext.requestId || headers."x-amzn-trace-id" || multiValueHeaders."x-amzn-trace-id"[0]'
# The most a response can carry: the ALB refuses a Lambda answer over 1 MB (the client
# gets a 502), and Lambda any synchronous answer over 6 MB.
RESPONSE_LIMITS = {"alb": 1024 * 1024}
LAMBDA_RESPONSE_LIMIT = 6 * 1024 * 1024


@metrics.log_metrics(capture_cold_start_metric=True)
@logger.inject_lambda_context(clear_state=True, correlation_id_path=CORRELATION_ID_PATH)
def lambda_handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    # Never raises: a damaged event is a 400 and an app error a 500, each in the event's own shape.
    response = handle_event(event, context)
    count(event, response)
    return response


def count(event: Any, response: dict[str, Any]) -> None:
    """The response's metrics: a server error, or a body its caller could not deliver."""
    if response.get("statusCode", 0) >= 500:
        metrics.add_metric(name="ServerErrors", unit=MetricUnit.Count, value=1)
    body = response.get("body") or ""
    if len(body) > RESPONSE_LIMITS.get(event_kind(event), LAMBDA_RESPONSE_LIMIT):
        metrics.add_metric(name="ResponsesTooLarge", unit=MetricUnit.Count, value=1)
