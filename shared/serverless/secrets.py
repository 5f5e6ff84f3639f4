"""Secrets by reference: resolve Secrets Manager ARNs into environment variables.

The template never holds a secret value. It passes ``APP_SECRET_ARN`` (a JSON
secret whose keys are configuration names such as ``SECRET_KEY``) and
``DATABASE_SECRET_ARN`` (the RDS-generated secret). They are read once, at
Lambda init, and only fill names that the environment does not already set,
so an explicit variable always wins (useful for ``sam local invoke``).
"""

import json
import os
from collections.abc import MutableMapping

# Keys of an RDS-managed secret and the configuration names they feed.
RDS_SECRET_KEYS = {
    "username": "DATABASE_USER",
    "password": "DATABASE_PASSWORD",
    "host": "DATABASE_HOST",
    "port": "DATABASE_PORT",
    "dbname": "DATABASE_NAME",
}


def _fetch(secret_arn: str) -> dict:
    import boto3  # imported here: most processes never need it at start-up

    client = boto3.client("secretsmanager")
    return json.loads(client.get_secret_value(SecretId=secret_arn)["SecretString"])


def load_secrets(environ: MutableMapping[str, str] | None = None) -> None:
    """Copy referenced secrets into ``environ`` without overriding set names."""
    environ = os.environ if environ is None else environ
    app_arn = environ.get("APP_SECRET_ARN")
    if app_arn:
        for name, value in _fetch(app_arn).items():
            environ.setdefault(name, str(value))
    database_arn = environ.get("DATABASE_SECRET_ARN")
    if database_arn:
        secret = _fetch(database_arn)
        for key, name in RDS_SECRET_KEYS.items():
            if key in secret:
                environ.setdefault(name, str(secret[key]))
