"""ManageFunction: run an allow-listed Django management command.

Operators and the deploy invoke it with ``sam remote invoke``; what may run,
and how, is in ``serverless.manage``. Django is set up here, at init.
"""

import os
from typing import Any

import django
from aws_lambda_powertools.utilities.typing import LambdaContext

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panelapp.settings")
django.setup()

from serverless.logging import logger  # noqa: E402 (needs Django set up)
from serverless.manage import run  # noqa: E402


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run(event)
