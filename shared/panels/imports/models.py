"""What the importer remembers: each import (its progress, row report and result) and gene chunks."""

import uuid

from django.conf import settings
from django.db import models


class ImportJob(models.Model):
    """One file being imported, from an upload page or a management command.

    The row report (``errors``) and the result (``changes``) are kept here so
    the upload's page, the e-mail and the command all say the same thing. A
    finished job is never run again: that is what makes a redelivered task
    harmless.
    """

    class Kind(models.TextChoices):
        GENES = "genes", "Gene data (HGNC complete set or gene JSON)"
        PANELS = "panels", "Panels (panel TSV)"
        REVIEWS = "reviews", "Reviews (reviews TSV)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Imported"
        FAILED = "failed", "Not imported"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # A storage name (uploads), a local path or an s3:// address (commands).
    source = models.CharField(max_length=1024)
    file_name = models.CharField(max_length=255)
    upload = models.ForeignKey("uploads.Upload", on_delete=models.SET_NULL, null=True, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    rows = models.PositiveIntegerField(default=0)
    # [{"row": 3, "column": "Gene Symbol", "message": "..."}]; row null for the file as a whole.
    errors = models.JSONField(default=list, blank=True)
    # [{"panel_id", "panel_name", "version", "created", "text"}]: the panels and versions this import made.
    changes = models.JSONField(default=list, blank=True)
    # Counts (genes created/updated/unchanged, ...).
    summary = models.JSONField(default=dict, blank=True)
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    # Panels applied (panel files) or reviews recorded (reviews files), for the page while it runs.
    applied = models.PositiveIntegerField(default=0)
    to_apply = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.file_name} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in {self.Status.SUCCEEDED, self.Status.FAILED}

    @property
    def summary_lines(self) -> list[str]:
        """The counts, then the notes: what the command prints and the e-mail says."""
        return self.summary_counts + self.summary_notes

    @property
    def summary_counts(self) -> list[str]:
        """``{"genes_created": 3}`` as ``["Genes created: 3"]``."""
        return [
            f"{key.replace('_', ' ').capitalize()}: {value}"
            for key, value in self.summary.items()
            if value and not isinstance(value, list)
        ]

    @property
    def summary_notes(self) -> list[str]:
        """The notes lists (``notes``: codes left out, genes kept) as they are.

        Apart from the counts because PostgreSQL's jsonb keeps its keys in an order of
        its own, not the order they were written in.
        """
        return [str(item) for value in self.summary.values() if isinstance(value, list) for item in value]

    @property
    def progress_percent(self) -> int:
        if self.finished:
            return 100
        return int(100 * self.chunks_done / self.chunks_total) if self.chunks_total else 0


class GeneChunk(models.Model):
    """A slice of a large gene file, applied by its own task so each stays within the worker's limits.

    ``records`` are the parsed, validated gene records; they are emptied once
    the chunk is applied, and ``done`` makes a redelivered chunk task a no-op.
    """

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    records = models.JSONField(default=list)
    done = models.BooleanField(default=False)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    # Genes whose data changed: their panels get a new version when every chunk is done.
    changed_gene_ids = models.JSONField(default=list)

    class Meta:
        ordering = ["job", "index"]
        constraints = [models.UniqueConstraint(fields=["job", "index"], name="one_chunk_per_index")]

    def __str__(self) -> str:
        return f"{self.job_id} chunk {self.index}"


class StagedPart(models.Model):
    """A part of a checked panel or reviews file, applied by a task of its own.

    A file is checked whole before any part is staged, so a bad row stages
    nothing. Each part is then applied in one transaction that also marks it
    ``done``, so a part delivered twice, or killed half-way and delivered
    again, is applied exactly once. ``records`` are emptied once applied.
    """

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="parts")
    index = models.PositiveIntegerField()
    # Panels: [{"name", "panel_id", "disease_group", "disease_sub_group", "entities": [...]}];
    # reviews: [{"row", "entity_id", "user_id", "rating", ...}].
    records = models.JSONField(default=list)
    rows = models.PositiveIntegerField(default=0)
    done = models.BooleanField(default=False)
    # What applying it did: the panels' change entries (panels) or [panel id, decided] pairs (reviews).
    outcome = models.JSONField(default=list)

    class Meta:
        ordering = ["job", "index"]
        constraints = [models.UniqueConstraint(fields=["job", "index"], name="one_part_per_index")]

    def __str__(self) -> str:
        return f"{self.job_id} part {self.index}"
