"""The embedded AWS: a moto server on loopback with the template's resources.

Started before Django so that the settings read the resulting environment
(endpoint, queue URLs, bucket names) exactly as they read the template's on
Lambda. Credentials are moto's dummies, set explicitly so that a developer's
real AWS credentials are never picked up by a local run.
"""

import json
import os
from dataclasses import dataclass
from typing import Any

REGION = "eu-west-2"
STATIC_BUCKET = "panelapp-static"
MEDIA_BUCKET = "panelapp-media"
QUEUE_NAME = "panelapp"
DLQ_NAME = "panelapp-dlq"
MAX_RECEIVE_COUNT = 5
# Short, so a failed task is retried within seconds locally; the env var agrees.
VISIBILITY_TIMEOUT = 10


def public_read_policy(bucket: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}
        ],
    }


@dataclass
class LocalAWS:
    endpoint_url: str
    queue_url: str
    dlq_url: str
    server: Any

    def stop(self) -> None:
        self.server.stop()


def media_cors(site_origin: str) -> dict[str, Any]:
    """The media bucket's CORS, as template.yaml sets it: pages of the site alone may post uploads to it."""
    return {
        "CORSRules": [
            {
                "AllowedMethods": ["GET", "PUT", "POST", "HEAD"],
                "AllowedOrigins": [site_origin],
                "AllowedHeaders": ["*"],
                "ExposeHeaders": ["ETag"],
                "MaxAgeSeconds": 3600,
            }
        ]
    }


def client(service: str, endpoint_url: str) -> Any:
    import boto3

    return boto3.client(service, region_name=REGION, endpoint_url=endpoint_url)


def start(
    host: str = "127.0.0.1", port: int = 0, sender: str = "panelapp@localhost", site_origin: str | None = None
) -> LocalAWS:
    """Start moto, create the buckets, queues and SES identity, and export the environment.

    The buckets are another origin than the site, as in AWS: the pages' CSP
    allows this origin for uploads, and ``site_origin`` (``http://127.0.0.1:8000``)
    is the one origin the media bucket's CORS allows, as template.yaml's does.
    moto (5.2) answers a form POST with no CORS headers of the bucket's, so its
    own allow-every-origin CORS stays on: locally the CSP, not the bucket, is
    what a wrong origin would trip over.
    """
    from moto.server import ThreadedMotoServer

    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",  # noqa: S106 (moto's dummy credentials)
        AWS_SESSION_TOKEN="testing",  # noqa: S106
        AWS_REGION=REGION,
        AWS_DEFAULT_REGION=REGION,
    )
    os.environ.pop("AWS_PROFILE", None)
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    bound_host, bound_port = server.get_host_and_port()
    endpoint_url = f"http://{bound_host}:{bound_port}"

    s3 = client("s3", endpoint_url)
    for bucket in (STATIC_BUCKET, MEDIA_BUCKET):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    # Browsers fetch static files straight from the bucket, as CloudFront does in AWS.
    s3.put_bucket_policy(Bucket=STATIC_BUCKET, Policy=json.dumps(public_read_policy(STATIC_BUCKET)))
    if site_origin:
        s3.put_bucket_cors(Bucket=MEDIA_BUCKET, CORSConfiguration=media_cors(site_origin))

    sqs = client("sqs", endpoint_url)
    dlq_url = sqs.create_queue(QueueName=DLQ_NAME)["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queue_url = sqs.create_queue(
        QueueName=QUEUE_NAME,
        Attributes={
            "VisibilityTimeout": str(VISIBILITY_TIMEOUT),
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVE_COUNT}),
        },
    )["QueueUrl"]

    client("ses", endpoint_url).verify_email_identity(EmailAddress=sender)

    os.environ.update(
        AWS_ENDPOINT_URL=endpoint_url,
        USE_S3="TRUE",
        AWS_S3_STATICFILES_BUCKET_NAME=STATIC_BUCKET,
        AWS_S3_MEDIAFILES_BUCKET_NAME=MEDIA_BUCKET,
        AWS_S3_STATICFILES_CUSTOM_DOMAIN="",
        USE_SQS="TRUE",
        TASK_QUEUE_NAME=QUEUE_NAME,
        TASK_QUEUE_URL=queue_url,
        TASK_DLQ_URL=dlq_url,
        SQS_QUEUE_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
        EMAIL_BACKEND="serverless.tasks.ses.EmailBackend",
        DEFAULT_FROM_EMAIL=sender,
    )
    return LocalAWS(endpoint_url=endpoint_url, queue_url=queue_url, dlq_url=dlq_url, server=server)


def sent_emails() -> list[Any]:
    """Messages sent through the embedded SES, oldest first (moto keeps them in this process)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return list(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)
