"""WebFunction: Django behind the ALB and API Gateway.

The Django application is built here, at import, so the Lambda init phase
(and a SnapStart snapshot) pays for it once; each invocation only runs it.
"""

from typing import Any

import serverless.snapstart  # noqa: F401 (registers the SnapStart hooks)
from aws_lambda_powertools.utilities.typing import LambdaContext
from panelapp.wsgi import application
from serverless.logging import logger, trace_id_from_event
from serverless.web import make_handler

handle_event = make_handler(application)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(trace_id=trace_id_from_event(event))
    return handle_event(event, context)
