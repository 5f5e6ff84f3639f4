"""Registration, password reset and a new confirmation link tell nobody which addresses have accounts.

Their answer is the same for a known and an unknown address, and so is their
work: the same statements, the same password hashing, the same one task
queued (the worker then looks the address up). The tests assert the work, not
the time, which a shared test machine measures too loosely to assert; they
print the time too (``pytest -s``), the median of many requests, known and
unknown interleaved in one run.

The tasks go to SQS (moto) and are not run: what is measured is the request.
"""

import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import boto3
import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from moto import mock_aws
from serverless.models import TaskRecord
from serverless.tasks import sqs as sqs_module

from tests.accounts.conftest import make_account
from tests.accounts.test_flows import registration

pytestmark = pytest.mark.django_db(transaction=True)

RUNS = 25


@pytest.fixture(autouse=True)
def tasks_to_sqs(monkeypatch, settings):
    """The production backend: each task is a result row and an SQS message (moto), run by no one here."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-2")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    sqs_module.client.cache_clear()
    with mock_aws():
        url = boto3.client("sqs", region_name="eu-west-2").create_queue(QueueName="accounts-enumeration")["QueueUrl"]
        settings.TASKS = {
            "default": {
                "BACKEND": "serverless.tasks.backends.SQSBackend",
                "QUEUES": ["default"],
                "OPTIONS": {"QUEUE_URLS": {"default": url}},
            }
        }
        settings.REGISTRATION_RATE = "10000/hour"  # the limit is not what is measured
        yield
    sqs_module.client.cache_clear()


@pytest.fixture
def hashes(monkeypatch) -> list[str]:
    """Every password hashed (the accounts tests' hasher), in order."""
    hashed: list[str] = []
    encode = MD5PasswordHasher.encode

    def counting(self, password, salt):
        hashed.append(password)
        return encode(self, password, salt)

    monkeypatch.setattr(MD5PasswordHasher, "encode", counting)
    return hashed


@dataclass
class Work:
    """What one request did, with the addresses and other values taken out."""

    status: int
    location: str
    statements: list[str]
    tasks: list[str]
    hashes: int
    seconds: float


def _shape(sql: str) -> str:
    sql = re.sub(r"'(?:[^']|'')*'", "?", sql)
    return re.sub(r"\b\d+(?:\.\d+)?\b", "?", sql)


def measure(post: Callable[[Client], object], hashes: list[str]) -> Work:
    client = Client()  # a new visitor each time: no session yet
    tasks_before = set(TaskRecord.objects.values_list("id", flat=True))
    hashed = len(hashes)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = post(client)
        seconds = time.perf_counter() - started
    tasks = TaskRecord.objects.exclude(id__in=tasks_before).values_list("task_path", flat=True)
    return Work(
        status=response.status_code,
        location=response.get("Location", ""),
        statements=[_shape(query["sql"]) for query in queries.captured_queries],
        tasks=sorted(tasks),
        hashes=len(hashes) - hashed,
        seconds=seconds,
    )


def compare(known: Callable[[int], Callable], unknown: Callable[[int], Callable], hashes, label: str):
    """Run ``RUNS`` requests of each, interleaved; print the medians; return the first of each."""
    runs: dict[str, list[Work]] = {"known": [], "unknown": []}
    for number in range(RUNS):
        # Each goes first every other time: neither gains from warming the other's path.
        pair = [("known", known), ("unknown", unknown)]
        for kind, post in pair if number % 2 == 0 else reversed(pair):
            runs[kind].append(measure(post(number), hashes))
    medians = {kind: statistics.median(work.seconds for work in works) * 1000 for kind, works in runs.items()}
    print(f"\n{label}: median of {RUNS}: known {medians['known']:.1f} ms, unknown {medians['unknown']:.1f} ms")
    return runs["known"][0], runs["unknown"][0]


def same_work(known: Work, unknown: Work) -> bool:
    return (known.status, known.location, known.statements, known.tasks, known.hashes) == (
        unknown.status,
        unknown.location,
        unknown.statements,
        unknown.tasks,
        unknown.hashes,
    )


def test_registration_does_the_same_work_for_a_known_and_an_unknown_address(hashes):
    for number in range(RUNS):
        make_account(f"known{number}", email=f"known{number}@example.org")

    def register(address: str) -> Callable[[int], Callable]:
        return lambda number: (
            lambda client: client.post(
                reverse("accounts:register"),
                registration(email=address.format(number), confirm_email=address.format(number)),
            )
        )

    hashes.clear()
    known, unknown = compare(register("known{}@example.org"), register("new{}@example.org"), hashes, "registration")

    assert known.status == 302 and known.location == reverse("accounts:registration_done")
    assert known.tasks == ["accounts.tasks.complete_registration"] and known.hashes == 1
    assert same_work(known, unknown), (known, unknown)


def test_password_reset_does_the_same_work_for_a_known_and_an_unknown_address(hashes):
    for number in range(RUNS):
        make_account(f"known{number}", email=f"known{number}@example.org")

    def reset(address: str) -> Callable[[int], Callable]:
        return lambda number: (
            lambda client: client.post(reverse("accounts:password_reset"), {"email": address.format(number)})
        )

    known, unknown = compare(reset("known{}@example.org"), reset("nobody{}@example.org"), hashes, "password reset")

    assert known.status == 302 and known.location == reverse("accounts:password_reset_done")
    assert known.tasks == ["accounts.tasks.send_password_reset"]
    assert same_work(known, unknown), (known, unknown)


def test_a_new_confirmation_link_is_asked_for_with_the_same_work_for_any_address(hashes):
    waiting = make_account("waiting", email="waiting@example.org", is_active=False)

    def resend(address: str) -> Callable[[int], Callable]:
        return lambda number: lambda client: client.post(reverse("accounts:resend_verification"), {"email": address})

    known, unknown = compare(resend(waiting.email), resend("nobody@example.org"), hashes, "new confirmation link")

    assert known.tasks == ["accounts.tasks.resend_verification"]
    assert same_work(known, unknown), (known, unknown)


def test_the_queued_registration_carries_neither_the_password_nor_its_hash(hashes):
    Client().post(reverse("accounts:register"), registration())

    [record] = TaskRecord.objects.all()
    assert record.task_path == "accounts.tasks.complete_registration"
    assert [type(arg) for arg in record.args] == [int] and record.kwargs == {}
