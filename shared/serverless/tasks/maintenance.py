"""Periodic housekeeping, run by EventBridge schedules (the celerybeat replacement)."""

from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.tasks import TaskResultStatus, task
from django.utils import timezone


@task
def prune_task_results(days: int | None = None) -> int:
    """Delete finished task results older than ``TASK_RESULT_RETENTION_DAYS``; return how many."""
    from serverless.models import TaskRecord

    cutoff = timezone.now() - timedelta(days=settings.TASK_RESULT_RETENTION_DAYS if days is None else days)
    finished = TaskRecord.objects.filter(
        status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED], finished_at__lt=cutoff
    )
    deleted, _ = finished.delete()
    return deleted


@task
def clear_sessions() -> None:
    """Delete expired sessions, as ``manage.py clearsessions`` does, and ended rate-limit windows."""
    from serverless.ratelimit import prune_expired

    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()
    prune_expired()
