"""Files users sent straight to storage, recorded once they have arrived."""

import uuid
from typing import Any

from django.conf import settings
from django.db import models


class UploadQuerySet(models.QuerySet):
    def confirmed(self) -> "UploadQuerySet":
        return self.filter(confirmed_at__isnull=False)


class Upload(models.Model):
    """One direct upload: issued a form (pending), then confirmed when the file is there.

    ``name`` is the storage name (``uploads/<owner>/<random>/<safe name>``), so
    an upload can only ever land in its owner's own, fresh folder.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="uploads")
    name = models.CharField(max_length=255, unique=True)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255)
    max_size = models.PositiveBigIntegerField()
    size = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    objects = UploadQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "original_name": self.original_name,
            "content_type": self.content_type,
            "size": self.size,
            "confirmed": self.confirmed,
        }
