"""Who watches which panel: e-mailed when it is promoted, until they stop watching."""

from django.conf import settings
from django.db import models


class Subscription(models.Model):
    """A user watching a panel. One per user and panel; deleting it is how one stops watching."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions")
    panel = models.ForeignKey("panels.Panel", on_delete=models.CASCADE, related_name="subscriptions")
    created = models.DateTimeField(auto_now_add=True)
    # The newest major version this watcher was e-mailed about: a retried mail task skips those already told.
    mailed_major_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["panel__name", "panel_id"]
        constraints = [models.UniqueConstraint(fields=["user", "panel"], name="one_subscription_per_user_and_panel")]
        # The mail task reads a panel's watchers in id order, a chunk at a time.
        indexes = [models.Index(fields=["panel", "id"], name="subscription_panel_id")]

    def __str__(self) -> str:
        return f"{self.user} watches {self.panel_id}"
