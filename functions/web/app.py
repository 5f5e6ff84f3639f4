"""WebFunction: Django behind the ALB and API Gateway.

The Django application is built here, at import, so the Lambda init phase
(and a SnapStart snapshot) pays for it once; each invocation only runs it.
"""

from typing import Any

import serverless.snapstart  # noqa: F401 (registers the SnapStart hooks)
from aws_lambda_powertools.utilities.typing import LambdaContext
from panelapp.wsgi import application
from serverless.logging import logger
from serverless.web import make_handler

handle_event = make_handler(application)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    # Never raises: a damaged event is a 400 and an app error a 500, each in the event's own shape.
    return handle_event(event, context)
