"""Imports in the admin, read-only: what operators look at when a curator asks what became of a file."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from panels.imports.models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["file_name", "kind", "status", "user", "rows", "chunks_done", "chunks_total", "created_at"]
    list_filter = ["kind", "status", "created_at"]
    search_fields = ["file_name", "source", "user__username"]
    date_hierarchy = "created_at"
    # The row report can hold a thousand problems: the import's page lists them a page at a time.
    exclude = ["errors"]
    readonly_fields = ["problems"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).defer("errors")

    @admin.display(description="Problems")
    def problems(self, job: ImportJob) -> str:
        if job.status != ImportJob.Status.FAILED:
            return "-"
        return format_html('<a href="{}">The report, on the import\'s page</a>', reverse("imports:job", args=[job.pk]))
