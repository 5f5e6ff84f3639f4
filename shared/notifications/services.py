"""``notify``: the one way PanelApp tells users something (panel promoted, reviewer approved, import finished)."""

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from notifications.models import Notification


def notify(users: Iterable, subject: str, body: str, *, url: str = "") -> list[Notification]:
    """Store a notification for each user and e-mail those with an address, once the caller's transaction commits.

    One message per person, so recipients never see each other's addresses;
    the mailer queues each as a task, so nothing here waits on SMTP or SES.
    """
    users = [user for user in users if user.is_active]
    notifications = Notification.objects.bulk_create(
        Notification(user=user, subject=subject, body=body, url=url) for user in users
    )
    text = f"{body}\n\n{settings.PANEL_APP_BASE_URL}{url}\n" if url else body
    addresses = sorted({user.email for user in users if user.email})
    transaction.on_commit(lambda: [send_mail(subject, text, None, [address]) for address in addresses])
    return notifications
