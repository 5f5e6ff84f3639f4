"""The task message: what one SQS message body carries, version 1.

A message is a JSON object::

    {
      "version": 1,                      # this format; anything else is refused
      "id": "7d0c...",                   # the task result id (TaskRecord primary key)
      "task": "panels.tasks.reindex",    # import path of a *declared* task
      "args": [...], "kwargs": {...},    # JSON values only
      "queue": "default",                # Django queue name (informational)
      "backend": "default",              # TASKS alias that enqueued it
      "enqueued_at": "2026-11-22T01:02:03.456789+00:00",
      "run_after": null                  # or an ISO timestamp (informational: SQS delays delivery)
    }

The body is self-contained: a worker can run it (and create its result row)
even when the enqueuing transaction has not committed yet or was rolled back.
Priority and ``takes_context`` are properties of the declared task in code,
never taken from the message.
"""

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

VERSION = 1
REQUIRED = ("id", "task", "args", "kwargs")
# The result row's limit for the queue and backend names.
MAX_NAME_LENGTH = 100


class MalformedMessage(ValueError):
    """The body is not a task message this worker understands."""


@dataclass(frozen=True, kw_only=True)
class TaskMessage:
    id: str
    task: str
    args: list[Any] = field(default_factory=list)
    kwargs: dict[str, Any] = field(default_factory=dict)
    queue: str = "default"
    backend: str = "default"
    enqueued_at: str | None = None
    run_after: str | None = None
    version: int = VERSION

    def encode(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"), sort_keys=True)

    @classmethod
    def decode(cls, body: str) -> "TaskMessage":
        """Parse and validate a body; every problem is a ``MalformedMessage`` naming it."""
        try:
            data = json.loads(body)
        except (TypeError, ValueError) as error:
            raise MalformedMessage(f"body is not JSON: {error}") from None
        if not isinstance(data, dict):
            raise MalformedMessage("body is not a JSON object")
        if data.get("version") != VERSION:
            raise MalformedMessage(f"unsupported message version {data.get('version')!r} (expected {VERSION})")
        missing = [name for name in REQUIRED if name not in data]
        if missing:
            raise MalformedMessage("missing fields: " + ", ".join(missing))
        checks = {
            "id": isinstance(data["id"], str) and 0 < len(data["id"]) <= 64,
            "task": isinstance(data["task"], str) and "." in data["task"],
            "args": isinstance(data["args"], list),
            "kwargs": isinstance(data["kwargs"], dict),
        }
        wrong = [name for name, ok in checks.items() if not ok]
        if wrong:
            raise MalformedMessage("invalid fields: " + ", ".join(wrong))
        known = {name for name in cls.__dataclass_fields__}
        return cls(**{name: value for name, value in data.items() if name in known} | _informational(data))

    @property
    def enqueued_datetime(self) -> datetime | None:
        return _parse_datetime(self.enqueued_at)

    @property
    def run_after_datetime(self) -> datetime | None:
        return _parse_datetime(self.run_after)


def _informational(data: dict[str, Any]) -> dict[str, Any]:
    """The fields only recorded, never acted on: a garbled one falls back rather than failing the task forever."""
    names = {}
    for name in ("queue", "backend"):
        value = data.get(name, "default")
        valid = isinstance(value, str) and 0 < len(value) <= MAX_NAME_LENGTH and "\x00" not in value
        names[name] = value if valid else "default"
    for name in ("enqueued_at", "run_after"):
        value = data.get(name)
        names[name] = value if isinstance(value, str) and _parse_datetime(value) else None
    return names


def _parse_datetime(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):  # informational only: a garbled timestamp must not stop the task
        return None
