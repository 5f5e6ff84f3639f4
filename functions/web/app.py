"""WebFunction: Django behind the ALB and API Gateway.

The Django application is built here, at import, so the Lambda init phase
(and a SnapStart snapshot) pays for it once; each invocation only runs it.

Every log line of an invocation carries a ``correlation_id``: API Gateway's
request id, or for the ALB (whose events have none) the ``X-Amzn-Trace-Id``
header it adds, which its access logs record too. CloudWatch metrics (embedded
in the logs, namespace ``POWERTOOLS_METRICS_NAMESPACE``) count cold starts,
answers of 500 and above, and answers too large for the caller to deliver
(which ``serverless.web`` replaces by a 500 saying so).
"""

import os
from typing import Any

import serverless.snapstart  # noqa: F401 (registers the SnapStart hooks)
from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from panelapp.wsgi import application
from serverless.logging import SERVICE, logger
from serverless.web import make_handler

metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "PanelApp"), service=SERVICE)


def count_too_large() -> None:
    # An answer the ALB or Lambda would have refused: the handler sent a 500 in its place.
    metrics.add_metric(name="ResponsesTooLarge", unit=MetricUnit.Count, value=1)


handle_event = make_handler(application, on_too_large=count_too_large)

# powertools' correlation_paths.API_GATEWAY_HTTP (and _REST), else APPLICATION_LOAD_BALANCER,
# in either of the ALB's header shapes: one function serves all three kinds of event.
CORRELATION_ID_PATH = 'requestContext.requestId || headers."x-amzn-trace-id" || multiValueHeaders."x-amzn-trace-id"[0]'


@metrics.log_metrics(capture_cold_start_metric=True)
@logger.inject_lambda_context(clear_state=True, correlation_id_path=CORRELATION_ID_PATH)
def lambda_handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    # Never raises: a damaged event is a 400 and an app error a 500, each in the event's own shape.
    response = handle_event(event, context)
    count(event, response)
    return response


def count(event: Any, response: dict[str, Any]) -> None:
    """The response's metrics: a server error (answers too large are counted as the handler replaces them)."""
    if response.get("statusCode", 0) >= 500:
        metrics.add_metric(name="ServerErrors", unit=MetricUnit.Count, value=1)
