"""Housekeeping for direct uploads (run on a schedule, see docs/files.md)."""

from datetime import timedelta

from django.core.files.storage import default_storage
from django.tasks import task
from django.utils import timezone

from uploads.models import Upload

ABANDONED_AFTER_HOURS = 24


@task
def discard_abandoned_uploads(hours: int = ABANDONED_AFTER_HOURS) -> int:
    """Forget uploads never confirmed within ``hours``, with whatever reached storage; return how many.

    A form is valid for minutes, so an upload still pending a day later will
    never be confirmed; without this its file would stay in the bucket unowned.
    Safe to run twice: deleting a missing file is not an error.
    """
    cutoff = timezone.now() - timedelta(hours=hours)
    abandoned = Upload.objects.filter(confirmed_at__isnull=True, created_at__lt=cutoff)
    discarded = 0
    for upload in abandoned.only("pk", "name"):
        default_storage.delete(upload.name)
        upload.delete()
        discarded += 1
    return discarded
