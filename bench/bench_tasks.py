"""The task the worker benchmark runs: as close to nothing as a task can be."""

from django.tasks import task


@task
def noop() -> int:
    return 1
