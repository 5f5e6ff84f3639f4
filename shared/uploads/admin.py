from django.contrib import admin

from uploads.models import Upload


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    """Uploads as they arrived, read-only: they come in only through ``POST /uploads/`` (names cleaned there)."""

    list_display = ["original_name", "owner", "size", "content_type", "created_at", "confirmed_at"]
    list_filter = ["content_type"]
    search_fields = ["original_name", "name", "owner__username"]
    list_select_related = ["owner"]
    readonly_fields = [field.name for field in Upload._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
