"""Running an import: read the file, check every row, then apply it in parts.

The same functions serve the worker's tasks (``panels.imports.tasks``) and
the management commands, so an upload and ``manage.py import_panels`` behave
the same and report the same rows. A file is checked whole first: a bad row
anywhere and nothing is staged or applied. A good file is staged in parts
(``StagedPart``, ``GeneChunk``), each applied by a task of its own in one
transaction that also records it applied, so no task grows with the file and
a redelivered or killed task never applies anything twice. A job found
finished is never run again.
"""

import logging
import time
from collections.abc import Callable, Iterable
from contextlib import closing
from datetime import date

import notifications.services as notifications
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist, ValidationError
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
from panels.imports.models import GeneChunk, ImportJob, StagedPart
from panels.models import Entity, Gene, Panel

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


def run(job_id, *, dispatch: Dispatch, dispatch_parts: Dispatch, release: date | None = None) -> str:
    """Check a job's file whole, then hand its parts on.

    Gene chunks go to ``dispatch``, staged parts of panel and reviews files to ``dispatch_parts``.
    """
    job = ImportJob.objects.select_related("user", "upload").get(pk=job_id)
    if job.finished:
        return job.status
    if job.chunks_total:
        # Planned by an earlier delivery: make sure every part is on its way.
        if job.kind == ImportJob.Kind.GENES:
            dispatch(list(job.chunks.filter(done=False).values_list("pk", flat=True)))
        else:
            dispatch_parts(list(job.parts.filter(done=False).values_list("pk", flat=True)))
        return job.status
    ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.QUEUED).update(status=ImportJob.Status.RUNNING)
    try:
        # Closed however the check ends: a stream from S3 holds a connection until then.
        with closing(open_storage(job.source) if job.upload_id else open_source(job.source)) as stream:
            lines = read_lines(stream)
            if job.kind == ImportJob.Kind.PANELS:
                dispatch_parts(_stage_panels(job, lines))
            elif job.kind == ImportJob.Kind.REVIEWS:
                dispatch_parts(_stage_reviews(job, lines))
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


# --- Panels and reviews: checked whole, staged in parts, each part its own task ------------
#
# Rows per part: each part's task stays well inside the worker's 60 s timeout (docs/imports.md
# has the measured times). A panel is never split: a panel file's part holds whole panels, so
# a panel larger than this is a part of its own.
PART_ROWS = {ImportJob.Kind.PANELS: 2000, ImportJob.Kind.REVIEWS: 500}


def _stage_panels(job: ImportJob, lines: Lines) -> list[int]:
    parsed = panel_file.parse(lines)
    groups: list[list[dict]] = [[]]
    rows_in: list[int] = [0]
    for rows in parsed.panels:
        if groups[-1] and rows_in[-1] + len(rows.entities) > PART_ROWS[ImportJob.Kind.PANELS]:
            groups.append([])
            rows_in.append(0)
        groups[-1].append(
            {
                "name": rows.name,
                "panel_id": rows.panel.pk if rows.panel else None,
                "disease_group": rows.disease_group,
                "disease_sub_group": rows.disease_sub_group,
                "codes": rows.codes,
                "entities": [
                    {
                        "entity_type": e.entity_type,
                        "entity_name": e.entity_name,
                        "gene_symbol": e.gene_symbol,
                        "sources": e.sources,
                        **e.fields,
                    }
                    for e in rows.entities
                ],
            }
        )
        rows_in[-1] += len(rows.entities)
    summary = {"notes": parsed.notes} if parsed.notes else {}
    return _stage(job, groups, rows_in, rows=parsed.rows, to_apply=len(parsed.panels), summary=summary)


REFERENCES = ("entity", "user")


def _stage_reviews(job: ImportJob, lines: Lines) -> list[int]:
    parsed = review_file.parse(lines)
    size = PART_ROWS[ImportJob.Kind.REVIEWS]
    # By panel, so a panel's reviews are in as few parts as may be (its one version comes at the end).
    ordered = sorted(parsed.reviews, key=lambda review: review["entity"].panel_id)
    records = [
        {"entity_id": r["entity"].pk, "user_id": r["user"].pk, **{k: v for k, v in r.items() if k not in REFERENCES}}
        for r in ordered
    ]
    groups = [records[start : start + size] for start in range(0, len(records), size)]
    return _stage(job, groups, [len(group) for group in groups], rows=parsed.rows, to_apply=len(records))


def _stage(
    job: ImportJob,
    groups: list[list[dict]],
    rows_in: list[int],
    *,
    rows: int,
    to_apply: int,
    summary: dict | None = None,
) -> list[int]:
    """Store the checked file's parts and the job's plan in one transaction; the parts' ids, to dispatch.

    ``summary`` holds what the check noted (codes left out), kept for the finished job's report.
    """
    with transaction.atomic():
        locked = _claim(job)
        if locked is None or locked.chunks_total:
            return []
        parts = StagedPart.objects.bulk_create(
            StagedPart(job=locked, index=number, records=records, rows=count)
            for number, (records, count) in enumerate(zip(groups, rows_in, strict=True))
        )
        locked.rows, locked.chunks_total, locked.to_apply = rows, len(parts), to_apply
        locked.summary = {**locked.summary, **(summary or {})}
        locked.status = ImportJob.Status.RUNNING
        locked.save(update_fields=["rows", "chunks_total", "to_apply", "summary", "status"])
    log.info("%s import %s: %s rows in %s parts", job.kind, job.pk, rows, len(parts))
    return [part.pk for part in parts]


def apply_part(part_id: int) -> ImportJob:
    """Apply one staged part, once: its writes and its mark commit together or not at all.

    A part found done (a second delivery) is left alone; a part whose task
    was killed half-way committed nothing and is applied whole when SQS
    delivers it again. The last part of a panel file finishes the job in the
    same transaction; a reviews file then needs ``finish_reviews``.
    """
    with transaction.atomic():
        part = StagedPart.objects.select_for_update().get(pk=part_id)
        job = ImportJob.objects.select_related("user").get(pk=part.job_id)
        if part.done or job.finished:
            return job
        try:
            with transaction.atomic():
                if job.kind == ImportJob.Kind.PANELS:
                    outcome = _apply_panels(job, part.records)
                else:
                    outcome = _apply_reviews(part.records)
        except (ValidationError, ObjectDoesNotExist) as error:
            # A change since the file was checked (a panel deleted or made a super panel,
            # an entity removed): the parts already applied stay, and the job names them.
            _fail_part(job, part, error)
            return ImportJob.objects.get(pk=job.pk)
        part.done, part.records, part.outcome = True, [], outcome
        part.save(update_fields=["done", "records", "outcome"])
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        locked.chunks_done += 1
        if job.kind == ImportJob.Kind.PANELS:
            locked.changes = [*locked.changes, *outcome]
            locked.applied += len(outcome)
        else:
            locked.applied += part.rows
        locked.save(update_fields=["chunks_done", "changes", "applied"])
        if job.kind == ImportJob.Kind.PANELS and locked.chunks_done == locked.chunks_total:
            summary = {**locked.summary, "panels": len(locked.changes)}  # with the check's notes
            _succeed(locked, rows=locked.rows, changes=locked.changes, summary=summary)
    return ImportJob.objects.get(pk=part.job_id)


def _apply_panels(job: ImportJob, records: list[dict]) -> list[dict]:
    symbols = {e["gene_symbol"] for panel in records for e in panel["entities"] if e["gene_symbol"]}
    genes = {gene.hgnc_symbol: gene for gene in Gene.objects.filter(hgnc_symbol__in=symbols)}
    changes = []
    for record in records:
        entities = [
            {**{k: v for k, v in e.items() if k != "gene_symbol"}, "gene": genes.get(e["gene_symbol"])}
            for e in record["entities"]
        ]
        if any(e["gene_symbol"] and e["gene_symbol"] not in genes for e in record["entities"]):
            raise ValidationError(f"A gene of {record['name']!r} is no longer known.")
        existing = Panel.objects.get(pk=record["panel_id"]) if record["panel_id"] else None
        new_fields = {
            "disease_group": record["disease_group"],
            "disease_sub_group": record["disease_sub_group"],
            **_new_panel_codes(record),
        }
        panel, outcome = services.import_panel(
            job.user,
            name=record["name"],
            panel=existing,
            entities=entities,
            text=f"{len(entities)} entities imported from {job.file_name}",
            **({} if existing else new_fields),
        )
        changes.append(_change(panel, created=outcome == "created", changed=outcome != "unchanged"))
    return changes


def _new_panel_codes(record: dict) -> dict:
    """The description and disorder codes a panel the file creates takes from its first row (as upstream's).

    Only the fields the service layer takes for a panel (``services.PANEL_FIELDS``);
    a part staged before codes were staged has none.
    """
    return {field: value for field, value in record.get("codes", {}).items() if field in services.PANEL_FIELDS}


def _apply_reviews(records: list[dict]) -> list[list]:
    entities = Entity.objects.in_bulk({r["entity_id"] for r in records})
    users = get_user_model().objects.select_related("reviewer").in_bulk({r["user_id"] for r in records})
    reviews = []
    for record in records:
        entity, user = entities.get(record["entity_id"]), users.get(record["user_id"])
        if entity is None or user is None:
            raise ValidationError("A reviewed gene or a reviewer was removed after the file was checked.")
        values = {k: v for k, v in record.items() if k not in ("entity_id", "user_id")}
        reviews.append({"entity": entity, "user": user, **values})
    decided = services.record_imported_reviews(reviews)
    return [[panel_id, changed] for panel_id, changed in decided.items()]


def _fail_part(job: ImportJob, part: StagedPart, error: Exception) -> None:
    messages = error.messages if isinstance(error, ValidationError) else [str(error)]
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    applied = ", ".join(f"{c['panel_name']} ({c['version']})" for c in locked.changes if c["changed"]) or "none"
    locked.status = ImportJob.Status.FAILED
    locked.errors = [
        RowError(None, "", f"Part {part.index + 1} of {job.chunks_total} could not be applied: {message}").as_json()
        for message in messages
    ] + [RowError(None, "", f"Panels changed by the parts applied before it: {applied}.").as_json()]
    locked.finished_at = timezone.now()
    locked.save(update_fields=["status", "errors", "finished_at"])
    transaction.on_commit(lambda: notify(locked))


def finish_reviews(job_id, *, seconds: float | None = None) -> str:
    """When every part of a reviews file is in: one new version per panel where a curator's rating decided.

    As ``finish_genes``: each panel in its own transaction recorded on the
    job, so a finish cut short resumes where it stopped; ``MORE_PANELS``
    when ``seconds`` ran out first.
    """
    deadline = time.monotonic() + seconds if seconds is not None else None
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    if job.finished or job.chunks_done < job.chunks_total:
        return job.status
    decided: dict[int, bool] = {}
    for outcome in job.parts.values_list("outcome", flat=True):
        for panel_id, changed in outcome:
            decided[panel_id] = decided.get(panel_id, False) or changed
    text = f"Reviews imported from {job.file_name}"
    for made, panel in enumerate(Panel.objects.filter(pk__in=[pk for pk, d in decided.items() if d]).order_by("pk")):
        if made and deadline is not None and time.monotonic() > deadline:  # at least one per task: progress
            return MORE_PANELS
        with transaction.atomic():
            locked = _claim(job)
            if locked is None or panel.pk in {change["panel_id"] for change in locked.changes}:
                continue
            panel = services.version_imported_panel(job.user, panel, text=text)
            locked.changes = [*locked.changes, _change(panel, created=False, changed=True)]
            locked.save(update_fields=["changes"])
    with transaction.atomic():
        locked = _claim(job)
        if locked is not None:
            versioned = {change["panel_id"] for change in locked.changes}
            unchanged = Panel.objects.filter(pk__in=set(decided) - versioned).order_by("pk")
            changes = [*locked.changes, *(_change(p, created=False, changed=False) for p in unchanged)]
            _succeed(locked, rows=locked.rows, changes=changes, summary={"reviews": locked.to_apply})
    job.refresh_from_db()
    return job.status


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
    """The whole job in this process (management commands): parts one after another, then the finish."""
    chunks: list[int] = []
    parts: list[int] = []
    run(job.pk, dispatch=chunks.extend, dispatch_parts=parts.extend, release=release)
    for chunk_id in chunks:
        apply_chunk(chunk_id)
    for part_id in parts:
        apply_part(part_id)
    if job.kind == ImportJob.Kind.GENES:
        finish_genes(job.pk)
    elif job.kind == ImportJob.Kind.REVIEWS:
        finish_reviews(job.pk)
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
        lines += job.summary_lines
        lines += [
            f"- {c['panel_name']}: {'created at' if c['created'] else 'now'} version {c['version']}"
            for c in job.changes
            if c.get("changed", True)
        ]
    else:
        subject = f"PanelApp: {name} was not imported"
        if job.changes:  # a part could not be applied after the check: say exactly what did change
            lines = [f"{name} was only partly imported. Changed before it stopped:"]
            lines += [f"- {c['panel_name']}: version {c['version']}" for c in job.changes if c.get("changed", True)]
            lines.append("What stopped it:")
        else:
            lines = [f"{name} was not imported; nothing was changed. Fix these rows and upload it again:"]
        lines += [report(job.errors[:MAILED_ERRORS])]
        if len(job.errors) > MAILED_ERRORS:
            lines.append(f"... and {len(job.errors) - MAILED_ERRORS} more on the import's page.")
    notifications.notify([job.user], subject, "\n".join(lines), url=reverse("imports:job", args=[job.pk]))
