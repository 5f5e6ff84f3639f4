"""Every boto3 client PanelApp creates gets its timeouts and retries from here.

botocore's defaults (60 s to connect, 60 s per read, up to five "legacy" attempts)
let one stalled S3 or SQS call run for minutes, far past the web function's 30 s:
Lambda then kills the request mid-flight instead of Django answering an error.
Each function sets ``AWS_CLIENT_CONNECT_TIMEOUT``, ``AWS_CLIENT_READ_TIMEOUT`` and
``AWS_CLIENT_MAX_ATTEMPTS`` in template.yaml so that attempts * (connect + read)
stays inside its own timeout (tests/test_template.py checks it). The variables are
read from the environment, not from Django's settings, because the Secrets Manager
client runs before the settings exist.
"""

import os
from functools import cache
from typing import Any

from django.core.exceptions import ImproperlyConfigured

# Sized for the web function (30 s): 3 * (2 + 5) = 21 s at worst.
DEFAULTS = {"AWS_CLIENT_CONNECT_TIMEOUT": 2, "AWS_CLIENT_READ_TIMEOUT": 5, "AWS_CLIENT_MAX_ATTEMPTS": 3}


def _seconds(name: str) -> int:
    value = os.environ.get(name, "") or str(DEFAULTS[name])
    if not value.isdigit() or int(value) < 1:
        raise ImproperlyConfigured(f"{name} must be a whole number of at least 1, not {value!r}")
    return int(value)


@cache
def client_config() -> Any:
    """The one botocore ``Config`` of this process: bounded timeouts, standard retries with backoff."""
    from botocore.config import Config

    return Config(
        connect_timeout=_seconds("AWS_CLIENT_CONNECT_TIMEOUT"),
        read_timeout=_seconds("AWS_CLIENT_READ_TIMEOUT"),
        retries={"mode": "standard", "total_max_attempts": _seconds("AWS_CLIENT_MAX_ATTEMPTS")},
    )


def worst_case_seconds() -> int:
    """How long one call can take before it raises: every attempt connects and waits its full read timeout."""
    config = client_config()
    return config.retries["total_max_attempts"] * (config.connect_timeout + config.read_timeout)


def client(service: str, **kwargs: Any) -> Any:
    """A boto3 client for ``service`` with this process's timeouts and retries."""
    import boto3

    return boto3.client(service, config=client_config(), **kwargs)
