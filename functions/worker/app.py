"""WorkerFunction: runs tasks from SQS batches and EventBridge schedules.

Django is set up here, at import (the Lambda init phase), and the queue's
visibility timeout is compared with ``SQS_QUEUE_VISIBILITY_TIMEOUT`` once per
container; the work itself is in ``serverless.tasks.worker``.
"""

import os
from typing import Any

import django
from aws_lambda_powertools.utilities.typing import LambdaContext

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panelapp.settings")
django.setup()

from serverless.logging import logger  # noqa: E402 (needs Django set up)
from serverless.tasks.registry import declared_tasks  # noqa: E402
from serverless.tasks.worker import check_queue_settings, handle_event, metrics  # noqa: E402

# Import every task module now, in the init phase, not in the first batch.
declared_tasks()
check_queue_settings()


# An SQS batch's message ids (each record's task id is added to its own lines by the worker),
# or an EventBridge schedule's event id: the ids the console and the DLQ show.
CORRELATION_ID_PATH = "Records[*].messageId || id"


@metrics.log_metrics(capture_cold_start_metric=True)
@logger.inject_lambda_context(clear_state=True, correlation_id_path=CORRELATION_ID_PATH)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle_event(event, context)
