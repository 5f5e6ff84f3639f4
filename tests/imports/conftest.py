"""Shared set-up of the import tests: the people and data the files name, and ways to run an import."""

from pathlib import Path

import boto3
import pytest
from accounts.models import Reviewer
from django.core.management import load_command_class

from tests import test_tasks_app
from tests.conftest import load_function
from tests.imports.files import bad_files
from tests.panels.factories import make_gene, make_panel, make_user

aws, declared, queues = test_tasks_app.aws, test_tasks_app.declared, test_tasks_app.queues

KNOWN_GENE = "BRCA1"
TWO_PANELS_NAME = "Duplicate name"
CURATOR = "curator"
MEDIA_BUCKET = "panelapp-media"
BAD_FILES = bad_files(two_panels_name=TWO_PANELS_NAME, known_gene=KNOWN_GENE, curator=CURATOR)
COMMANDS = {"panels": "import_panels", "reviews": "import_reviews", "genes": "import_genes"}


@pytest.fixture
def curator(db):
    user = make_user(Reviewer.Role.CURATOR, username=CURATOR)
    user.email = "curator@example.org"
    user.save()
    return user


@pytest.fixture
def known_data(curator):
    """What the bad files refer to: a known gene, and two panels sharing one name."""
    make_gene(KNOWN_GENE)
    make_panel(curator, name=TWO_PANELS_NAME)
    make_panel(curator, name=TWO_PANELS_NAME)


def run_command(kind: str, content: bytes, tmp_path: Path, *args: str, capsys) -> tuple[int, str, str]:
    """``manage.py import_<kind> FILE`` as the shell runs it: (exit status, stdout, stderr)."""
    path = tmp_path / ("genes.json" if content.lstrip()[:1] in (b"[", b"{") else f"{kind}.tsv")
    path.write_bytes(content)
    command = load_command_class("panels", COMMANDS[kind])
    capsys.readouterr()
    try:
        command.run_from_argv(["manage.py", COMMANDS[kind], str(path), *args])
        status = 0
    except SystemExit as exit:
        status = exit.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture
def media(aws, settings):
    """The private media bucket in moto, with the application's S3 storage pointed at it."""
    boto3.client("s3", region_name="eu-west-2").create_bucket(
        Bucket=MEDIA_BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}
    )
    settings.USE_S3 = True
    settings.AWS_S3_MEDIAFILES_BUCKET_NAME = MEDIA_BUCKET
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "serverless.storage.s3.MediaStorage",
            "OPTIONS": {"bucket_name": MEDIA_BUCKET, "location": "media", "region_name": "eu-west-2"},
        },
    }
    return boto3.client("s3", region_name="eu-west-2")


@pytest.fixture(scope="module")
def worker():
    return load_function("worker")


def drain(queues, worker, context, *, rounds: int = 50) -> list[dict]:
    """Run the worker on whatever is queued until the queue is empty (tasks enqueue tasks)."""
    responses = []
    for _ in range(rounds):
        if not queues.count():
            break
        event = queues.receive_event()
        responses.append(worker.lambda_handler(event, context))
        for record in event["Records"]:
            failed = {item["itemIdentifier"] for item in responses[-1]["batchItemFailures"]}
            if record["messageId"] not in failed:
                queues.sqs.delete_message(QueueUrl=queues.url, ReceiptHandle=record["receiptHandle"])
    return responses


@pytest.fixture
def production_mailers(settings):
    """As deployed: the default mailer queues a send_email task, the worker delivers (here into mail.outbox)."""
    settings.MAILERS = {
        "default": {"BACKEND": "serverless.tasks.mail.QueuedEmailBackend"},
        "transport": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"},
    }
