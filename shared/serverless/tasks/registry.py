"""Which tasks exist: the only import paths a worker will ever run.

A queue message names a function by import path. Importing whatever a message
names would let anyone who can write to the queue call any function in the
code base, so the worker never imports from a message: it looks the path up in
this registry, built from code alone — every ``Task`` found in each installed
app's ``tasks`` module and in the modules listed in ``settings.TASK_MODULES``.

Periodic tasks (EventBridge schedules) are looked up by name in
``settings.PERIODIC_TASKS`` and must be declared tasks too.
"""

from functools import cache
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.tasks import Task
from django.utils.module_loading import module_has_submodule


class UnknownTask(LookupError):
    """A message names an import path that is not a declared task."""


class UnknownPeriodicTask(LookupError):
    """A schedule names a periodic task that does not exist."""


def task_modules() -> list[str]:
    """Each installed app's ``tasks`` module, then ``settings.TASK_MODULES``."""
    discovered = [
        f"{config.name}.tasks" for config in apps.get_app_configs() if module_has_submodule(config.module, "tasks")
    ]
    return list(dict.fromkeys([*discovered, *getattr(settings, "TASK_MODULES", [])]))


@cache
def declared_tasks() -> dict[str, Task]:
    """Every declared task by import path (computed once per process)."""
    found: dict[str, Task] = {}
    for name in task_modules():
        module = import_module(name)
        for value in vars(module).values():
            if isinstance(value, Task):
                found.setdefault(value.module_path, value)
    return found


def declared_task(path: str) -> Task:
    try:
        return declared_tasks()[path]
    except KeyError:
        raise UnknownTask(
            f"{path!r} is not a declared task (tasks live in an app's tasks module or in settings.TASK_MODULES)"
        ) from None


def is_declared(task: Task) -> bool:
    declared = declared_tasks().get(task.module_path)
    return declared is not None and declared.func is task.func


def periodic_task(name: str) -> Task:
    paths = getattr(settings, "PERIODIC_TASKS", {})
    if name not in paths:
        known = ", ".join(sorted(paths)) or "none"
        raise UnknownPeriodicTask(f"unknown periodic task {name!r} (known: {known})")
    return declared_task(paths[name])


@receiver(setting_changed)
def forget_declared_tasks(*, setting: str, **kwargs) -> None:
    if setting in {"TASK_MODULES", "INSTALLED_APPS"}:
        declared_tasks.cache_clear()
