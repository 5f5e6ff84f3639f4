"""What PanelApp told a user, kept so their profile lists it after the e-mail is gone."""

from django.conf import settings
from django.db import models


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    subject = models.CharField(max_length=255)
    body = models.TextField()
    # Where the notification points (a panel, an upload's result), relative to the site.
    url = models.CharField(max_length=512, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.user}: {self.subject}"
