"""The promotion e-mail: one message per watcher, with a link that stops watching without signing in."""

from accounts import policy
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from panels.models import Panel

from subscriptions import services
from subscriptions.models import Subscription

# Watchers per task run: each is one queued message, so a run stays a few seconds.
CHUNK = 200


def mail_chunk(panel_id: int, version: str, *, after_id: int = 0) -> int:
    """E-mail up to ``CHUNK`` watchers (by id, after ``after_id``) not yet told of this major version.

    Watchers who can no longer read the panel (made internal since), are
    inactive or have no address are passed over. If a full chunk was read,
    the next run is queued.
    """
    panel = Panel.objects.filter(pk=panel_id).only("pk", "name", "status").first()
    if panel is None:
        return 0
    major = int(version.split(".")[0])
    chunk = list(
        Subscription.objects.filter(panel_id=panel_id, pk__gt=after_id)
        .select_related("user__reviewer")
        .order_by("pk")[:CHUNK]
    )
    due = [s for s in chunk if s.mailed_major_version < major and _may_receive(s.user, panel)]
    comment = (
        panel.snapshots.filter(major_version=major, minor_version=0).values_list("comment", flat=True).first() or ""
    )
    for subscription in due:
        message(subscription, panel, version, comment).send()
    with transaction.atomic():
        Subscription.objects.filter(pk__in=[s.pk for s in due]).update(mailed_major_version=major)
    if len(chunk) == CHUNK:
        from subscriptions.tasks import mail_watchers

        mail_watchers.enqueue(panel_id, version, after_id=chunk[-1].pk)
    return len(due)


def message(subscription: Subscription, panel: Panel, version: str, comment: str = "") -> EmailMessage:
    """The e-mail to one watcher: the promotion, its comment, the panel's link and the unsubscribe link.

    ``List-Unsubscribe`` (with ``List-Unsubscribe-Post``, RFC 8058) lets a
    mail client offer its own one-click unsubscribe, which POSTs to the link.
    """
    base = settings.PANEL_APP_BASE_URL.rstrip("/")
    unsubscribe = base + reverse("panels:unsubscribe", args=[services.unsubscribe_token(subscription)])
    page = f"{base}{reverse('panels:detail', args=[panel.pk])}"
    said = f"\n\nThe curator's comment:\n{comment}" if comment else ""
    body = (
        f"{panel.name} has been promoted to version {version}.{said}\n\n"
        f"See the panel: {page}\n"
        f"What changed: {base}{reverse('panels:diff_latest', args=[panel.pk])}?to={version}\n\n"
        f"You are told because you watch {panel.name} on PanelApp.\n"
        f"Stop watching it (no sign-in needed): {unsubscribe}\n"
    )
    return EmailMessage(
        subject=f"PanelApp: {panel.name} promoted to version {version}",
        body=body,
        to=[subscription.user.email],
        headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )


def _may_receive(user, panel: Panel) -> bool:
    return bool(user.email) and policy.can_watch_panel(user, panel)
