"""Fuzzing the worker's handler: thousands of SQS records in mixed batches.

Every batch mixes good task messages, redeliveries of messages already run,
tasks that fail, malformed bodies of every kind and damaged records. After each
batch: exactly the bad records that can be named are in ``batchItemFailures``
(a record without a ``messageId`` cannot be named, and naming an unknown one
would fail the whole batch), and every good task has run exactly once.
Seeded (``derandomize``), so a failure reproduces.
"""

import itertools
import json
import random
import uuid
from collections import Counter
from typing import Any

import pytest
from django.tasks import task
from hypothesis import given
from hypothesis import strategies as st
from serverless.tasks.message import TaskMessage

from tests.conftest import FakeLambdaContext, load_function
from tests.fuzz import fuzz_settings

pytestmark = pytest.mark.django_db(transaction=True)

BATCHES = 850  # 3 to 10 records each (SQS batches): over 5,000 records
RECORDS_SENT = Counter()
RUNS: Counter = Counter()
SERIAL = itertools.count()
SUCCEEDED: list[TaskMessage] = []  # good messages already run: redelivered later

GOOD, REDELIVERED, GARBLED_ATTRIBUTES = "good", "redelivered", "good with garbled attributes"
FAILING, UNDECLARED, MALFORMED_BODY, BODY_NOT_TEXT, NO_MESSAGE_ID = (
    "failing task", "undeclared task", "malformed body", "body not text", "no messageId",
)  # fmt: skip
KINDS = [GOOD, GOOD, REDELIVERED, GARBLED_ATTRIBUTES, FAILING, UNDECLARED, MALFORMED_BODY, MALFORMED_BODY]
KINDS += [BODY_NOT_TEXT, NO_MESSAGE_ID]
GARBLED_VALUES = ["yesterday", "9999-99-99", 5, None, ["x"], {"a": 1}, "", "\x00"]
RUN_ONCE = {GOOD, REDELIVERED, GARBLED_ATTRIBUTES}
NAMED_FAILURES = {FAILING, UNDECLARED, MALFORMED_BODY, BODY_NOT_TEXT}


@task
def fuzz_succeed(token: str) -> str:
    RUNS[token] += 1
    return token


@task
def fuzz_fail(token: str) -> None:
    RUNS[token] += 1
    raise RuntimeError(f"fuzzed failure {token}")


@pytest.fixture(scope="module")
def worker():
    return load_function("worker")


@pytest.fixture
def fuzz_tasks(settings, transactional_db):
    settings.TASK_MODULES = [*settings.TASK_MODULES, __name__]


def malformed_body(rng: random.Random) -> str:
    """A body that is not a valid version 1 task message, in one of many ways."""
    good = json.loads(message(fuzz_succeed, "never-run", rng).encode())
    choice = rng.randrange(11)
    if choice == 0:
        return rng.choice(["", "not json", "{", "null", "[]", '"text"', "1e999", "\x00", "é✓", "{" * 5000])
    if choice == 1:
        return json.dumps(rng.choice([[good], 5, None, True, "message"]))
    if choice == 2:
        return json.dumps({**good, "version": rng.choice([0, 2, "1", None, 1.0001])})
    if choice == 3:
        del good[rng.choice(["id", "task", "args", "kwargs"])]
        return json.dumps(good)
    if choice == 4:
        return json.dumps({**good, "id": rng.choice(["", "x" * 65, 5, None, ["a"]])})
    if choice == 5:
        return json.dumps({**good, "task": rng.choice(["", "nodot", 5, None, {"a": "b"}])})
    if choice == 6:
        return json.dumps({**good, "args": rng.choice([{}, "a", 5, None])})
    if choice == 7:
        return json.dumps({**good, "kwargs": rng.choice([[], "a", 5, None])})
    if choice == 8:
        return json.dumps({**good, "task": f"{__name__}.fuzz_succeed", "kwargs": {"unexpected": 1}})
    if choice == 9:
        return json.dumps({**good, "task": f"{__name__}.fuzz_succeed", "args": []})  # missing argument
    return json.dumps({**good, "args": ["x" * rng.randrange(1, 300)], "task": "tests.fuzz.nowhere.task"})


def new_id(rng: random.Random) -> str:
    """Unique within the run even when Hypothesis draws a seed twice (as it does for small examples)."""
    return f"{next(SERIAL):08x}{rng.getrandbits(96):024x}"


def message(declared_task, token: str, rng: random.Random) -> TaskMessage:
    return TaskMessage(id=new_id(rng), task=declared_task.module_path, args=[token])


def sqs_record(body: Any, rng: random.Random) -> dict[str, Any]:
    return {
        "messageId": str(uuid.UUID(int=rng.getrandbits(128))),
        "receiptHandle": "AQEB" + new_id(rng),
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1795312692402"},
        "messageAttributes": {},
        "md5OfBody": "0" * 32,
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:eu-west-2:123456789012:panelapp",
        "awsRegion": "eu-west-2",
    }


def build_record(kind: str, rng: random.Random) -> tuple[Any, TaskMessage | None]:
    """One SQS record of the given kind, and the good message it carries (if any)."""
    if kind == REDELIVERED and SUCCEEDED:
        good = rng.choice(SUCCEEDED)
        return sqs_record(good.encode(), rng), good
    if kind in (GOOD, REDELIVERED, GARBLED_ATTRIBUTES):
        good = message(fuzz_succeed, new_id(rng), rng)
        record = sqs_record(good.encode(), rng)
        if kind == GARBLED_ATTRIBUTES:
            # What SQS adds, or the message's informational fields: neither may stop a good task.
            record["attributes"] = rng.choice([None, "x", {"ApproximateReceiveCount": rng.choice(["", "-1", "x"])}])
            garbled = rng.choice(["enqueued_at", "run_after", "queue", "backend"])
            record["body"] = json.dumps({**json.loads(record["body"]), garbled: rng.choice(GARBLED_VALUES)})
        return record, good
    if kind == FAILING:
        return sqs_record(message(fuzz_fail, new_id(rng), rng).encode(), rng), None
    if kind == UNDECLARED:
        path = rng.choice(["os.system", "this.s", "subprocess.run", "serverless.tasks.worker.handle_event"])
        body = {"version": 1, "id": new_id(rng), "task": path, "args": [], "kwargs": {}}
        return sqs_record(json.dumps(body), rng), None
    if kind == MALFORMED_BODY:
        return sqs_record(malformed_body(rng), rng), None
    if kind == BODY_NOT_TEXT:
        return sqs_record(rng.choice([None, 5, {"version": 1}, ["x"], True]), rng), None
    record = sqs_record("{}", rng)
    damaged = rng.choice(["drop", "empty", "number", "not a record"])
    if damaged == "drop":
        del record["messageId"]
    elif damaged == "empty":
        record["messageId"] = ""
    elif damaged == "number":
        record["messageId"] = 7
    else:
        record = rng.choice(["record", 5, None, ["messageId"]])
    return record, None


@fuzz_settings(BATCHES)
@given(kinds=st.lists(st.sampled_from(KINDS), min_size=3, max_size=10), seed=st.integers(0, 2**32))
def test_every_bad_record_and_only_bad_records_are_reported_and_no_good_task_runs_twice(
    worker, fuzz_tasks, kinds, seed
):
    rng = random.Random(seed)  # noqa: S311 (cheap choices, reproducible with the example)
    built = [build_record(kind, rng) for kind in kinds]
    event = {"Records": [record for record, _ in built]}

    response = worker.lambda_handler(event, FakeLambdaContext())

    expected = {record["messageId"] for (record, _), kind in zip(built, kinds, strict=True) if kind in NAMED_FAILURES}
    reported = [item["itemIdentifier"] for item in response["batchItemFailures"]]
    assert sorted(reported) == sorted(expected), (kinds, response)
    for (_, good), kind in zip(built, kinds, strict=True):
        if kind in RUN_ONCE:
            assert RUNS[good.args[0]] == 1, (kind, good)
            SUCCEEDED.append(good)
    RECORDS_SENT.update(kinds)


def test_the_run_sent_at_least_five_thousand_records_of_every_kind():
    if not RECORDS_SENT:
        pytest.skip("the fuzz test above did not run (selected alone)")
    print(f"worker records: {dict(RECORDS_SENT)} = {RECORDS_SENT.total()}")
    assert RECORDS_SENT.total() >= 5_000, RECORDS_SENT
    assert set(RECORDS_SENT) == set(KINDS), RECORDS_SENT
