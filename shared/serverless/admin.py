"""Task results in the admin: what Flower showed, read-only."""

from django.contrib import admin

from serverless.models import TaskRecord


@admin.register(TaskRecord)
class TaskRecordAdmin(admin.ModelAdmin):
    list_display = ["id", "task_path", "status", "attempts", "queue_name", "enqueued_at", "finished_at", "last_error"]
    list_filter = ["status", "task_path", "queue_name", "enqueued_at", "finished_at"]
    search_fields = ["id", "task_path"]
    date_hierarchy = "enqueued_at"
    readonly_fields = [field.name for field in TaskRecord._meta.fields] + ["attempts", "last_error"]
    list_per_page = 50
    show_full_result_count = False  # no COUNT(*) over a large table on every page

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
