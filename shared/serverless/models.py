"""Task results, kept in the database so any process can read them.

One row per enqueued task: ``get_result(id)`` reads it, the worker updates it
on every attempt, and the admin lists it (the replacement for Flower). Rows of
finished tasks are pruned by the ``prune_task_results`` periodic task.
"""

from typing import Any

from django.db import models
from django.tasks import Task, TaskResult, TaskResultStatus
from django.tasks.base import TaskError


class TaskRecord(models.Model):
    id = models.CharField(primary_key=True, max_length=64, editable=False)
    task_path = models.CharField("task", max_length=255, db_index=True)
    queue_name = models.CharField("queue", max_length=100)
    backend = models.CharField(max_length=100)
    status = models.CharField(
        max_length=10, choices=TaskResultStatus.choices, default=TaskResultStatus.READY, db_index=True
    )
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    return_value = models.JSONField(null=True, blank=True)
    # [{"exception_class_path": ..., "traceback": ...}], one per failed attempt.
    errors = models.JSONField(default=list, blank=True)
    # The Lambda request id (or local worker id) of every attempt, oldest first.
    worker_ids = models.JSONField(default=list, blank=True)
    enqueued_at = models.DateTimeField(db_index=True)
    run_after = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    last_attempted_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # When the current attempt's worker is surely gone (its Lambda timed out):
    # until then a second delivery of the same message must not run it too.
    lease_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-enqueued_at"]
        verbose_name = "task result"
        verbose_name_plural = "task results"

    def __str__(self) -> str:
        return f"{self.task_path} [{self.status}] {self.id}"

    @property
    def attempts(self) -> int:
        return len(self.worker_ids)

    @property
    def last_error(self) -> str:
        """The last line of the last traceback: the exception and its message."""
        if not self.errors:
            return ""
        lines = self.errors[-1].get("traceback", "").strip().splitlines()
        return lines[-1] if lines else self.errors[-1].get("exception_class_path", "")

    def to_task_result(self, task: Task) -> TaskResult:
        result = TaskResult(
            task=task,
            id=self.id,
            status=TaskResultStatus(self.status),
            enqueued_at=self.enqueued_at,
            started_at=self.started_at,
            finished_at=self.finished_at,
            last_attempted_at=self.last_attempted_at,
            args=self.args,
            kwargs=self.kwargs,
            backend=self.backend,
            errors=[TaskError(**error) for error in self.errors],
            worker_ids=list(self.worker_ids),
        )
        object.__setattr__(result, "_return_value", self.return_value)
        return result

    def add_error(self, error: dict[str, Any]) -> None:
        self.errors = [*self.errors, error]


class RateLimitCounter(models.Model):
    """Hits of one rate-limit key in its current window, shared by every Lambda environment.

    Written only by ``serverless.ratelimit`` with one atomic upsert per hit;
    expired rows are deleted by the ``clear_sessions`` periodic task.
    """

    key = models.CharField(primary_key=True, max_length=100)
    hits = models.PositiveIntegerField()
    window_ends = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "rate-limit counter"

    def __str__(self) -> str:
        return f"{self.key}: {self.hits} until {self.window_ends:%Y-%m-%d %H:%M:%S}"
