"""The local stack: the web and worker handlers on one machine, AWS emulated.

Run it with ``make run`` (``python -m serverless.local``). No AWS account and
no Docker: moto plays S3, SQS and SES on loopback, an HTTP server turns each
request into an ALB event for ``functions/web``, and a loop turns queue
messages into SQS events for ``functions/worker``.
"""

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[3]


def load_function(name: str) -> ModuleType:
    """Import ``functions/<name>/app.py`` as the Lambda runtime would, under a unique module name."""
    spec = importlib.util.spec_from_file_location(f"{name}_function", ROOT / "functions" / name / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
