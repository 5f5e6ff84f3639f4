"""The panels app's background work (run by the WorkerFunction, see docs/tasks.md)."""

from django.tasks import task

from panels import exports


@task
def build_exports() -> dict[str, str]:
    """Rebuild the all-panels, all-genes, all-STRs and all-regions files if the panels changed.

    Queued by ``exports.schedule_rebuild`` after panel changes (one per burst).
    Idempotent: a second run finds the files up to date and writes nothing.
    """
    return exports.build_exports()
