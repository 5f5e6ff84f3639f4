"""The home page's tabs and files in Django's admin, with the same checks as the site's forms.

The admin logs every change itself (its History); ``modified_by`` and
``uploaded_by`` are set here as the site's forms set them.
"""

from django.contrib import admin

from content.forms import HomeFileForm, HomeTabForm
from content.models import HomeFile, HomeTab


class HomeTabAdminForm(HomeTabForm):
    class Meta(HomeTabForm.Meta):
        fields = ["title", "slug", "position", "body"]


@admin.register(HomeTab)
class HomeTabAdmin(admin.ModelAdmin):
    form = HomeTabAdminForm
    list_display = ["title", "slug", "position", "modified", "modified_by"]
    list_select_related = ["modified_by"]
    ordering = ["position", "pk"]
    readonly_fields = ["modified", "modified_by"]

    def save_model(self, request, obj, form, change) -> None:
        obj.modified_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(HomeFile)
class HomeFileAdmin(admin.ModelAdmin):
    form = HomeFileForm
    list_display = ["title", "is_image", "size", "uploaded_at", "uploaded_by", "markdown"]
    list_select_related = ["uploaded_by"]
    readonly_fields = ["markdown", "is_image", "size", "uploaded_at", "uploaded_by"]

    @admin.display(description="Markdown")
    def markdown(self, obj: HomeFile) -> str:
        return obj.markdown if obj.pk else ""

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)
