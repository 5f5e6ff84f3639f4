"""Imports in the admin, read-only: what operators look at when a curator asks what became of a file."""

from django.contrib import admin

from panels.imports.models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["file_name", "kind", "status", "user", "rows", "chunks_done", "chunks_total", "created_at"]
    list_filter = ["kind", "status", "created_at"]
    search_fields = ["file_name", "source", "user__username"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
