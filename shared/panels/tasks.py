"""The panels app's background work, too large for a web request (run by the WorkerFunction, see docs/tasks.md)."""

from django.contrib.auth import get_user_model
from django.tasks import task

from panels import exports, services
from panels.models import Panel


@task
def build_exports() -> dict[str, str]:
    """Rebuild the all-panels, all-genes, all-STRs and all-regions files if the panels changed.

    Queued by ``exports.schedule_rebuild`` after panel changes (one per burst).
    Idempotent: a second run finds the files up to date and writes nothing.
    """
    return exports.build_exports()


@task
def copy_reviews(user_id: int, source_id: int, target_id: int) -> int:
    """Copy a large panel's reviews in the background, then tell the curator. Safe to run twice:
    a review already on the target is never copied again."""
    from notifications.services import notify

    user = get_user_model().objects.get(pk=user_id)
    source, target = Panel.objects.get(pk=source_id), Panel.objects.get(pk=target_id)
    copied = services.copy_reviews(user, source, target)
    notify(
        [user],
        f"PanelApp: {copied} reviews copied into {target.name}",
        f"{copied} reviews were copied from {source.name} into {target.name}.",
        url=f"/panels/{target.pk}/",
    )
    return copied
