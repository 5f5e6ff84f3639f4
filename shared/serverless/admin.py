"""Task results in the admin: what Flower showed, read-only, plus "run again"."""

import logging

from accounts import policy
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from panelapp.admin import DateHierarchyAdmin

from serverless.models import TaskRecord
from serverless.tasks import registry

log = logging.getLogger(__name__)


@admin.register(TaskRecord)
class TaskRecordAdmin(DateHierarchyAdmin):
    list_display = ["id", "task_path", "status", "attempts", "queue_name", "enqueued_at", "finished_at", "last_error"]
    list_filter = ["status", "task_path", "queue_name", "enqueued_at", "finished_at"]
    search_fields = ["id", "task_path"]
    date_hierarchy = "enqueued_at"
    readonly_fields = [field.name for field in TaskRecord._meta.fields] + ["attempts", "last_error"]
    list_per_page = 50
    show_full_result_count = False  # no COUNT(*) over a large table on every page
    actions = ["enqueue_again"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: TaskRecord | None = None) -> bool:
        return False

    def has_run_again_permission(self, request: HttpRequest) -> bool:
        # Viewing results is not enough: running again enqueues new tasks.
        return policy.can_run_admin_action(request.user, "serverless.run_again")

    @admin.action(description="Run the selected tasks again (as new tasks, same arguments)", permissions=["run_again"])
    def enqueue_again(self, request: HttpRequest, queryset: QuerySet[TaskRecord]) -> None:
        enqueued, unknown = 0, set()
        for record in queryset:
            try:
                task = registry.declared_task(record.task_path)
            except registry.UnknownTask:
                unknown.add(record.task_path)
                continue
            try:
                task.enqueue(*record.args, **record.kwargs)
            except Exception:  # the queue is unreachable: say so rather than fail the page
                log.exception("run again: could not enqueue %s", record.task_path)
                self.message_user(
                    request,
                    f"The task queue cannot be reached just now: {enqueued} task(s) enqueued before it failed, "
                    "the others not. Try again in a moment.",
                    messages.ERROR,
                )
                return
            enqueued += 1
        self.message_user(request, f"Enqueued {enqueued} task(s).", messages.SUCCESS)
        if unknown:
            self.message_user(request, "No longer tasks: " + ", ".join(sorted(unknown)), messages.WARNING)
