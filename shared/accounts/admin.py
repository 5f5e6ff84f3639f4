from django.contrib import admin

from accounts.models import Reviewer


@admin.register(Reviewer)
class ReviewerAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "affiliation", "workplace"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email", "affiliation"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
