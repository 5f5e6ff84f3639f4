"""Imports as worker tasks: one to check a file, then one per staged part (or gene chunk), then a finish.

SQS delivers at least once; each task is safe to run again (see ``jobs``).
Arguments are ids, never file contents: the file stays in the media bucket.
"""

from datetime import date

from django.tasks import task

from panels.imports import jobs


@task
def run_import(job_id: str, release: str | None = None) -> str:
    """Check and apply an uploaded file; a gene file is planned into chunk tasks (``release``: YYYY-MM-DD)."""
    return jobs.run(
        job_id,
        dispatch=enqueue_chunks,
        dispatch_parts=enqueue_parts,
        release=date.fromisoformat(release) if release else None,
    )


@task
def import_part(part_id: int) -> int:
    """Apply one staged part of a panel or reviews file; the last of a reviews file starts its versions."""
    job = jobs.apply_part(part_id)
    # On every delivery, as for gene chunks: a retry after a failed enqueue still starts the finish.
    if job.kind == job.Kind.REVIEWS and job.chunks_done == job.chunks_total and not job.finished:
        finish_review_import.enqueue(str(job.pk))
    return job.chunks_done


@task
def import_gene_chunk(chunk_id: int) -> int:
    """Apply one chunk of a gene file; the last one to finish starts the panels' new versions."""
    job = jobs.apply_chunk(chunk_id)
    # Checked on every delivery, not only when the chunk was applied, so a retry
    # after a failed enqueue still starts the finish (which runs once).
    if job.chunks_done == job.chunks_total and not job.finished:
        finish_gene_import.enqueue(str(job.pk))
    return job.chunks_done


# Panel versions made per finish task before it hands the rest to a new one: well
# inside the worker's timeout even when a release touches hundreds of panels.
FINISH_SECONDS_PER_TASK = 20


@task
def finish_gene_import(job_id: str) -> str:
    """One new version per panel whose genes changed; queues itself again if the panels take long."""
    status = jobs.finish_genes(job_id, seconds=FINISH_SECONDS_PER_TASK)
    if status == jobs.MORE_PANELS:
        finish_gene_import.enqueue(job_id)
    return status


@task
def finish_review_import(job_id: str) -> str:
    """One new version per panel a reviews file decided on; queues itself again if the panels take long."""
    status = jobs.finish_reviews(job_id, seconds=FINISH_SECONDS_PER_TASK)
    if status == jobs.MORE_PANELS:
        finish_review_import.enqueue(job_id)
    return status


def enqueue_parts(part_ids: list[int]) -> None:
    for part_id in part_ids:
        import_part.enqueue(part_id)


def enqueue_chunks(chunk_ids: list[int]) -> None:
    for chunk_id in chunk_ids:
        import_gene_chunk.enqueue(chunk_id)
