"""Lambda events and contexts as AWS would build them, for local runs.

The local stack calls the real function handlers, so it must hand them what
the ALB and the SQS event source mapping would: these builders are that.
"""

import base64
import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any

LOCAL_ACCOUNT = "123456789012"
TARGET_GROUP_ARN = f"arn:aws:elasticloadbalancing:eu-west-2:{LOCAL_ACCOUNT}:targetgroup/panelapp-local/0123456789abcdef"
# Content types the ALB passes as text; everything else arrives base64-encoded.
TEXT_TYPES = ("text/", "application/json", "application/x-www-form-urlencoded", "application/xml")


@dataclass
class LambdaContext:
    """What a handler reads from its context: ids, names and remaining time."""

    function_name: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 1024
    timeout_seconds: int = 30
    log_group_name: str = ""
    log_stream_name: str = "local"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:eu-west-2:{LOCAL_ACCOUNT}:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return self.timeout_seconds * 1000


def alb_event(method: str, raw_path: str, headers: list[tuple[str, str]], body: bytes) -> dict[str, Any]:
    """An ALB event with multi-value headers, as the web target group sends."""
    path, _, query = raw_path.partition("?")
    query_params: dict[str, list[str]] = {}
    for pair in filter(None, query.split("&")):
        # The ALB passes query parameters still percent-encoded.
        name, _, value = pair.partition("=")
        query_params.setdefault(name, []).append(value)
    multi_headers: dict[str, list[str]] = {}
    for name, value in headers:
        multi_headers.setdefault(name.lower(), []).append(value)
    content_type = multi_headers.get("content-type", [""])[-1]
    is_text = not body or content_type.startswith(TEXT_TYPES)
    return {
        "requestContext": {"elb": {"targetGroupArn": TARGET_GROUP_ARN}},
        "httpMethod": method,
        "path": path or "/",
        "multiValueQueryStringParameters": query_params,
        "multiValueHeaders": multi_headers,
        "body": body.decode("utf-8", "replace") if is_text else base64.b64encode(body).decode(),
        "isBase64Encoded": not is_text,
    }


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """The event the SQS event source mapping sends for messages from ReceiveMessage."""
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": message.get("MessageAttributes", {}),
                "md5OfBody": message.get("MD5OfBody") or hashlib.md5(message["Body"].encode()).hexdigest(),  # noqa: S324
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for message in messages
        ]
    }
