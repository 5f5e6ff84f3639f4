"""Reviewer profiles in the admin, with the curators' approve and reject as actions.

The actions go through ``accounts.services`` (the same e-mail as the
curators' page) and run only for users the policy allows.
"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from rest_framework.authtoken.models import TokenProxy

from accounts import policy, services
from accounts.models import Reviewer

# DRF's token admin lists every key: anyone with the view permission could then
# call the API as a curator. Each user sees and replaces their own on the profile.
if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)


@admin.register(Reviewer)
class ReviewerAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "approval", "affiliation", "job_role", "workplace", "email_verified_at"]
    list_filter = ["role", "approval", "job_role", "workplace"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email", "affiliation"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    readonly_fields = ["email_verified_at", "created"]
    actions = ["approve_reviewers", "reject_reviewers"]

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return policy.can_run_admin_action(request.user, "accounts.approve_reviewers")

    def has_reject_permission(self, request: HttpRequest) -> bool:
        return policy.can_run_admin_action(request.user, "accounts.reject_reviewers")

    @admin.action(description="Approve as reviewers (and tell them by e-mail)", permissions=["approve"])
    def approve_reviewers(self, request: HttpRequest, queryset: QuerySet[Reviewer]) -> None:
        approved = sum(services.approve_reviewer(reviewer) for reviewer in queryset)
        self.message_user(request, f"Approved {approved} reviewer(s).", messages.SUCCESS)
        if skipped := queryset.count() - approved:
            self.message_user(request, f"{skipped} were not external users: unchanged.", messages.WARNING)

    @admin.action(description="Reject the reviewer request (they stay external)", permissions=["reject"])
    def reject_reviewers(self, request: HttpRequest, queryset: QuerySet[Reviewer]) -> None:
        rejected = sum(services.reject_reviewer(reviewer) for reviewer in queryset)
        self.message_user(request, f"Rejected {rejected} request(s).", messages.SUCCESS)
