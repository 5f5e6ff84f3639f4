"""Imports as worker tasks: one per uploaded file, and one per chunk of a large gene file.

SQS delivers at least once; each task is safe to run again (see ``jobs``).
Arguments are ids, never file contents: the file stays in the media bucket.
"""

from datetime import date

from django.tasks import task

from panels.imports import jobs


@task
def run_import(job_id: str, release: str | None = None) -> str:
    """Check and apply an uploaded file; a gene file is planned into chunk tasks (``release``: YYYY-MM-DD)."""
    return jobs.run(job_id, dispatch=enqueue_chunks, release=date.fromisoformat(release) if release else None)


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
FINISH_SECONDS_PER_TASK = 30


@task
def finish_gene_import(job_id: str) -> str:
    """One new version per panel whose genes changed; queues itself again if the panels take long."""
    status = jobs.finish_genes(job_id, seconds=FINISH_SECONDS_PER_TASK)
    if status == jobs.MORE_PANELS:
        finish_gene_import.enqueue(job_id)
    return status


def enqueue_chunks(chunk_ids: list[int]) -> None:
    for chunk_id in chunk_ids:
        import_gene_chunk.enqueue(chunk_id)
