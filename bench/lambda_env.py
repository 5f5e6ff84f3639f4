"""The web function's environment as the template gives it, with AWS on a local moto server.

Shared by ``bench/cold_start.py`` and ``tests/test_cold_start.py``, so what is
measured and what is asserted start the same way: every variable of the
template's ``Globals`` and ``WebFunction`` environments (secret ARNs included),
resource references replaced by local stand-ins, plus the variables the Lambda
runtime itself sets (region, function name, the role's credentials).
"""

import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
REGION = "eu-west-2"
ALB_HOST = "panelapp-alb-1234567890.eu-west-2.elb.amazonaws.com"


class _TemplateLoader(yaml.SafeLoader):
    """Reads CloudFormation's short tags (``!Ref``, ``!GetAtt``...) as ``{"!Tag": value}``."""


def _tagged(loader: yaml.Loader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {f"!{suffix}": value}


_TemplateLoader.add_multi_constructor("!", _tagged)


def template_variables(function: str = "WebFunction") -> dict[str, Any]:
    """The function's environment variables as written in the template (globals first)."""
    template = yaml.load(TEMPLATE.read_text(), Loader=_TemplateLoader)  # noqa: S506 (SafeLoader subclass)
    variables = dict(template["Globals"]["Function"]["Environment"]["Variables"])
    own = template["Resources"][function]["Properties"].get("Environment", {}).get("Variables", {})
    variables.update(own)
    resolved = {}
    for name, value in variables.items():
        if isinstance(value, dict) and "!FindInMap" in value:
            mapping, first, second = value["!FindInMap"]
            value = template["Mappings"][mapping][first][second]
        elif isinstance(value, dict) and value.get("!Ref") in template["Parameters"]:
            value = template["Parameters"][value["!Ref"]].get("Default", "")
        resolved[name] = value
    return resolved


def web_environment(aws: dict[str, str]) -> dict[str, str]:
    """The web function's environment on this machine: template values, local stand-ins, runtime variables."""
    stand_ins = {
        "ALLOWED_HOSTS": f"{ALB_HOST},.execute-api.{REGION}.amazonaws.com",
        "PANEL_APP_BASE_URL": f"https://{ALB_HOST}",
        "SECURE_SSL_REDIRECT": "True",
        "APP_SECRET_ARN": aws["AppSecret"],
        "DATABASE_SECRET_ARN": aws["DatabaseSecret"],
        "DATABASE_HOST": "127.0.0.1",
        "AWS_S3_STATICFILES_BUCKET_NAME": aws["StaticBucket"],
        "AWS_S3_MEDIAFILES_BUCKET_NAME": aws["MediaBucket"],
        "AWS_S3_MEDIAFILES_REGIONAL_DOMAIN": f"{aws['MediaBucket']}.s3.{REGION}.amazonaws.com",
        "AWS_S3_STATICFILES_CUSTOM_DOMAIN": "d111111abcdef8.cloudfront.net",
        "TASK_QUEUE_NAME": aws["TaskQueue"].rsplit("/", 1)[1],
        "TASK_QUEUE_URL": aws["TaskQueue"],
        "TASK_DLQ_URL": aws["TaskDeadLetterQueue"],
        "EMAIL_HOST": f"email-smtp.{REGION}.amazonaws.com",
        "EMAIL_BACKEND": None,  # only set when the EmailBackend parameter is given
        # The default parameters: through RDS Proxy, Aurora that never pauses, no Cognito.
        "DATABASE_CONN_MAX_AGE": "600",
        "DATABASE_CONNECT_TIMEOUT": "5",
        "AWS_ENDPOINT_URL": None,  # AWS::NoValue; the runtime block below points it at moto
        "AWS_USE_COGNITO": "False",
        "AWS_ELB_ARN": None,
        "AWS_COGNITO_USER_POOL_ID": None,
        "AWS_COGNITO_USER_POOL_CLIENT_ID": None,
        "AWS_COGNITO_DOMAIN_PREFIX": None,
        "POWERTOOLS_METRICS_NAMESPACE": "PanelApp/panelapp-bench",  # !Sub of the stack's name
    }
    environ = {}
    for name, value in template_variables().items():
        if isinstance(value, dict):
            if name not in stand_ins:
                raise KeyError(f"{name} comes from a resource this environment does not stand in for: add it")
            value = stand_ins[name]
        if value is not None:
            environ[name] = str(value)
    runtime = {
        "AWS_LAMBDA_FUNCTION_NAME": "panelapp-WebFunction",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        # The execution role's temporary credentials, as the runtime passes them.
        "AWS_ACCESS_KEY_ID": "ASIATESTING",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing-session-token",
        "AWS_ENDPOINT_URL": aws["endpoint"],
        # The local PostgreSQL has no TLS (RDS Proxy requires it).
        "DATABASE_SSLMODE": "disable",
    }
    return {**environ, **runtime}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def local_aws(database_user: str = "postgres", database_password: str = "trust-auth") -> Iterator[dict[str, str]]:  # noqa: S107
    """A moto server holding the stack's secrets, buckets and queues; yields their references."""
    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request of the emulator

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)  # noqa: S106
        secrets = session.client("secretsmanager", endpoint_url=endpoint)
        app_secret = {"SECRET_KEY": "s" * 50, "HEALTH_CHECK_TOKEN": "local-token", "DJANGO_ADMIN_URL": "admin/"}
        database_secret = {"username": database_user, "password": database_password, "port": 5432}
        # Names of this server's own: moto keeps one in-memory AWS per process, shared by every server in it.
        name = f"panelapp-{port}"
        s3 = session.client("s3", endpoint_url=endpoint)
        for bucket in (f"{name}-static", f"{name}-media"):
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        sqs = session.client("sqs", endpoint_url=endpoint)
        yield {
            "endpoint": endpoint,
            "StaticBucket": f"{name}-static",
            "MediaBucket": f"{name}-media",
            "AppSecret": secrets.create_secret(Name=f"{name}-app", SecretString=json.dumps(app_secret))["ARN"],
            "DatabaseSecret": secrets.create_secret(Name=f"{name}-database", SecretString=json.dumps(database_secret))[
                "ARN"
            ],
            "TaskQueue": sqs.create_queue(QueueName=name)["QueueUrl"],
            "TaskDeadLetterQueue": sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"],
        }
    finally:
        server.stop()
