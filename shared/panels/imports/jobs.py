"""Running an import: read the file, check every row, then apply it all or nothing.

The same functions serve the worker's tasks (``panels.imports.tasks``) and
the management commands, so an upload and ``manage.py import_panels`` behave
the same and report the same rows. Every outcome is written to the
``ImportJob`` in the transaction that applies the file: a job found finished
is never applied again, which is what makes a redelivered task harmless.
"""

import logging
import time
from collections.abc import Callable, Iterable
from contextlib import closing
from datetime import date

import notifications.services as notifications
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from serverless.uploads import clean_file_name

from panels import services
from panels.imports import gene_data, gene_file, panel_file, review_file
from panels.imports.files import (
    ImportFailed,
    Lines,
    RowError,
    bounded,
    open_source,
    open_storage,
    read_lines,
    report,
)
from panels.imports.models import GeneChunk, ImportJob
from panels.models import Panel

log = logging.getLogger(__name__)

# Errors listed in an e-mail; the page shows them all, a page at a time.
MAILED_ERRORS = 50
# A file's name in an e-mail subject (a notification's subject holds 255 characters).
SUBJECT_NAME_CHARS = 100
Dispatch = Callable[[list[int]], None]
MORE_PANELS = "more panels"


def create_job(kind: str, *, source: str, file_name: str, user=None, upload=None) -> ImportJob:
    """A queued import; ``file_name`` is cleaned here, where every import's name enters (uploads and commands)."""
    name = clean_file_name(file_name) or "file"
    return ImportJob.objects.create(kind=kind, source=source, file_name=name, user=user, upload=upload)


def run(job_id, *, dispatch: Dispatch, release: date | None = None) -> str:
    """Run a job: panels and reviews to the end; genes to their chunks, handed to ``dispatch``."""
    job = ImportJob.objects.select_related("user", "upload").get(pk=job_id)
    if job.finished:
        return job.status
    if job.kind == ImportJob.Kind.GENES and job.chunks_total:
        # Planned by an earlier delivery: make sure every chunk is on its way.
        dispatch(list(job.chunks.filter(done=False).values_list("pk", flat=True)))
        return job.status
    ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.QUEUED).update(status=ImportJob.Status.RUNNING)
    try:
        # Closed however the check ends: a stream from S3 holds a connection until then.
        with closing(open_storage(job.source) if job.upload_id else open_source(job.source)) as stream:
            lines = read_lines(stream)
            if job.kind == ImportJob.Kind.PANELS:
                _import_panels(job, lines)
            elif job.kind == ImportJob.Kind.REVIEWS:
                _import_reviews(job, lines)
            else:
                dispatch(_plan_genes(job, lines, release))
    except ImportFailed as failed:
        _fail(job, failed.errors, unchecked=failed.unchecked)
    except ValidationError as error:  # a rule the row checks did not foresee: still a clear report
        _fail(job, [RowError(None, "", message) for message in error.messages])
    job.refresh_from_db()
    return job.status


@transaction.atomic
def _claim(job: ImportJob) -> ImportJob | None:
    """The job's row, locked for this transaction, or None when another run finished it."""
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    return None if locked.finished else locked


def _import_panels(job: ImportJob, lines: Lines) -> None:
    parsed = panel_file.parse(lines)
    with transaction.atomic():
        locked = _claim(job)
        if locked is None:
            return
        changes = []
        for rows in parsed.panels:
            entities = [
                {
                    "entity_type": e.entity_type,
                    "entity_name": e.entity_name,
                    "gene": parsed.genes.get(e.gene_symbol),
                    "sources": e.sources,
                    **e.fields,
                }
                for e in rows.entities
            ]
            new_fields = {"disease_group": rows.disease_group, "disease_sub_group": rows.disease_sub_group}
            panel, outcome = services.import_panel(
                job.user,
                name=rows.name,
                panel=rows.panel,
                entities=entities,
                text=f"{len(entities)} entities imported from {job.file_name}",
                **({} if rows.panel else new_fields),
            )
            changes.append(_change(panel, created=outcome == "created", changed=outcome != "unchanged"))
        _succeed(locked, rows=parsed.rows, changes=changes)


def _import_reviews(job: ImportJob, lines: Lines) -> None:
    parsed = review_file.parse(lines)
    with transaction.atomic():
        locked = _claim(job)
        if locked is None:
            return
        results = services.import_reviews(job.user, parsed.reviews, text=f"Reviews imported from {job.file_name}")
        changes = [_change(panel, created=False, changed=bumped) for panel, bumped in results]
        _succeed(locked, rows=parsed.rows, changes=changes, summary={"reviews": len(parsed.reviews)})


def _change(panel: Panel, *, created: bool, changed: bool) -> dict:
    return {
        "panel_id": panel.pk,
        "panel_name": panel.name,
        "version": panel.version,
        "created": created,
        "changed": changed,
    }


# --- Genes: a plan of chunks, each its own task, then one version per affected panel -----


def _plan_genes(job: ImportJob, lines: str | Lines, release: date | None) -> list[int]:
    parsed = gene_file.parse(lines, release=release)
    size = settings.IMPORT_GENE_CHUNK_ROWS
    with transaction.atomic():
        locked = _claim(job)
        if locked is None or locked.chunks_total:
            return []
        chunks = GeneChunk.objects.bulk_create(
            GeneChunk(job=locked, index=number, records=parsed.records[start : start + size])
            for number, start in enumerate(range(0, len(parsed.records), size))
        )
        locked.rows = parsed.rows
        locked.chunks_total = len(chunks)
        locked.summary = {"skipped": parsed.skipped, "notes": parsed.notes}
        locked.status = ImportJob.Status.RUNNING
        locked.save(update_fields=["rows", "chunks_total", "summary", "status"])
    log.info("gene import %s: %s records in %s chunks", job.pk, len(parsed.records), len(chunks))
    return [chunk.pk for chunk in chunks]


def apply_chunk(chunk_id: int) -> ImportJob:
    """Apply one chunk (once: a chunk already applied is left alone); returns its job, progress updated."""
    with transaction.atomic():
        chunk = GeneChunk.objects.select_for_update().get(pk=chunk_id)
        if not chunk.done:
            chunk.created, chunk.changed_gene_ids = gene_data.apply_gene_records(chunk.records)
            chunk.updated = len(chunk.changed_gene_ids)
            chunk.done, chunk.records = True, []
            chunk.save()
            job = ImportJob.objects.select_for_update().get(pk=chunk.job_id)
            job.chunks_done += 1
            job.save(update_fields=["chunks_done"])
    return ImportJob.objects.get(pk=chunk.job_id)


def finish_genes(job_id, *, seconds: float | None = None) -> str:
    """When every chunk is in: one new version per panel whose genes changed, then the job is done.

    Each panel is its own transaction, recorded on the job with it, so a
    finish cut short (a timeout, or ``seconds`` spent: the task then queues
    itself again) resumes where it stopped. Returns the job's status, or
    ``MORE_PANELS`` when ``seconds`` ran out first.
    """
    deadline = time.monotonic() + seconds if seconds is not None else None
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    if job.finished or job.chunks_done < job.chunks_total:
        return job.status
    chunks = list(job.chunks.values_list("created", "updated", "changed_gene_ids"))
    changed_genes = sorted({pk for *_, ids in chunks for pk in ids})
    panels = (
        Panel.objects.exclude(status=Panel.Status.DELETED)
        .filter(entities__gene_id__in=changed_genes, child_panels__isnull=True)
        .distinct()
        .order_by("pk")
    )
    for made, panel in enumerate(panels):
        if made and deadline is not None and time.monotonic() > deadline:  # at least one per task: progress
            return MORE_PANELS
        with transaction.atomic():
            locked = _claim(job)
            if locked is None or panel.pk in {change["panel_id"] for change in locked.changes}:
                continue
            text = f"Gene data updated from {job.file_name}"
            if services.refresh_gene_data(job.user, panel, text=text):
                panel.refresh_from_db()
                locked.changes = [*locked.changes, _change(panel, created=False, changed=True)]
                locked.save(update_fields=["changes"])
    with transaction.atomic():
        locked = _claim(job)
        if locked is not None:
            summary = {
                **locked.summary,
                "genes_created": sum(c for c, _, _ in chunks),
                "genes_updated": sum(u for _, u, _ in chunks),
            }
            _succeed(locked, rows=locked.rows, changes=locked.changes, summary=summary)
    job.refresh_from_db()
    return job.status


def run_inline(job: ImportJob, *, release: date | None = None) -> ImportJob:
    """The whole job in this process (management commands): chunks one after another, then the finish."""
    pending: list[int] = []
    run(job.pk, dispatch=pending.extend, release=release)
    for chunk_id in pending:
        apply_chunk(chunk_id)
    if job.kind == ImportJob.Kind.GENES:
        finish_genes(job.pk)
    job.refresh_from_db()
    return job


# --- Outcomes ------------------------------------------------------------------------


def _succeed(job: ImportJob, *, rows: int, changes: list[dict], summary: dict | None = None) -> None:
    job.status = ImportJob.Status.SUCCEEDED
    job.rows, job.changes, job.errors = rows, changes, []
    job.summary = summary if summary is not None else job.summary
    job.finished_at = timezone.now()
    job.save()
    transaction.on_commit(lambda: notify(job))


def _fail(job: ImportJob, errors: Iterable[RowError], *, unchecked: int | None = None) -> None:
    with transaction.atomic():
        locked = _claim(job)
        if locked is None:
            return
        locked.status = ImportJob.Status.FAILED
        locked.errors = [error.as_json() for error in bounded(errors)]
        if unchecked is not None:
            locked.summary = {**locked.summary, "lines_not_checked": unchecked}
        locked.finished_at = timezone.now()
        locked.save(update_fields=["status", "errors", "summary", "finished_at"])
        transaction.on_commit(lambda: notify(locked))


def page_url(job: ImportJob) -> str:
    return settings.PANEL_APP_BASE_URL + reverse("imports:job", args=[job.pk])


def notify(job: ImportJob) -> None:
    """Tell the uploader the outcome, on their profile and by e-mail (queued); commands have no uploader."""
    if job.user is None:
        return
    # Cleaned again: rows from before names were cleaned where they enter may hold line breaks,
    # which make send_mail refuse the message on every retry.
    name = clean_file_name(job.file_name, SUBJECT_NAME_CHARS) or "file"
    if job.status == ImportJob.Status.SUCCEEDED:
        subject = f"PanelApp: {name} imported"
        lines = [f"{name} was imported ({job.rows} rows)."]
        lines += [
            f"- {c['panel_name']}: {'created at' if c['created'] else 'now'} version {c['version']}"
            for c in job.changes
            if c.get("changed", True)
        ]
    else:
        subject = f"PanelApp: {name} was not imported"
        lines = [f"{name} was not imported; nothing was changed. Fix these rows and upload it again:"]
        lines += [report(job.errors[:MAILED_ERRORS])]
        if len(job.errors) > MAILED_ERRORS:
            lines.append(f"... and {len(job.errors) - MAILED_ERRORS} more on the import's page.")
    notifications.notify([job.user], subject, "\n".join(lines), url=reverse("imports:job", args=[job.pk]))
