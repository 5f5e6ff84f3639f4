"""Reviewer profiles on top of Django's own User (AUTH_USER_MODEL is not swapped)."""

from django.conf import settings
from django.db import models


class Reviewer(models.Model):
    """What PanelApp needs to know about a person beyond their login.

    The role decides what their reviews do: a curator's rating sets an
    entity's confidence level; reviewers and external experts only add opinions.
    """

    class Role(models.TextChoices):
        CURATOR = "curator", "Curator"
        REVIEWER = "reviewer", "Reviewer"
        EXTERNAL = "external", "External expert"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviewer")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.EXTERNAL)
    affiliation = models.CharField(max_length=255, blank=True)
    workplace = models.CharField(max_length=255, blank=True)
    group = models.CharField(max_length=255, blank=True, help_text="Speciality or research group")

    class Meta:
        ordering = ["user__username"]

    def __str__(self) -> str:
        return f"{self.user.get_full_name() or self.user.get_username()} ({self.get_role_display()})"

    @property
    def is_curator(self) -> bool:
        return self.role == self.Role.CURATOR


def is_curator(user) -> bool:
    """True for users whose reviews count as the curators' decision."""
    reviewer = getattr(user, "reviewer", None) if user is not None else None
    return bool(reviewer and reviewer.is_curator)
