"""The panels services announce versions (``panels.signals``); a promotion queues the e-mail to its watchers."""

import logging

from django.dispatch import receiver
from panels.signals import version_created

logger = logging.getLogger(__name__)


@receiver(version_created, dispatch_uid="subscriptions.mail_watchers_on_promotion")
def mail_watchers_on_promotion(sender, *, panel, version: str, major: bool, **kwargs) -> None:
    """Queue the watchers' e-mail for a promotion; minor versions are left to the feeds.

    Runs after the change has committed, in the curator's request: it only
    queues, and a queue that is down is logged, not raised (the promotion has
    happened; the feeds still show it).
    """
    if not major:
        return
    from subscriptions.models import Subscription
    from subscriptions.tasks import mail_watchers

    try:
        if Subscription.objects.filter(panel_id=panel.pk).exists():  # most panels have no watcher: no task
            mail_watchers.enqueue(panel.pk, version)
    except Exception:
        logger.exception("Could not queue the watchers' e-mail for panel %s v%s", panel.pk, version)
