"""E-mail to a panel's watchers when it is promoted, sent from the worker, never in a request."""

from django.tasks import task

from subscriptions import mail


@task
def mail_watchers(panel_id: int, version: str, after_id: int = 0) -> int:
    """E-mail the next chunk of watchers of ``panel_id`` about its promotion to ``version``; returns how many.

    A chunk at a time, each run queueing the next, so one run stays short
    however many watch the panel. A watcher already e-mailed about this major
    version (a retried run) is skipped.
    """
    return mail.mail_chunk(panel_id, version, after_id=after_id)
