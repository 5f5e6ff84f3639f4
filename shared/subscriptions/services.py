"""Starting and stopping to watch a panel, and the signed token that stops it from an e-mail."""

from accounts import policy
from django.core import signing
from django.core.exceptions import PermissionDenied
from panels.models import Panel

from subscriptions.models import Subscription

# Keeps these tokens apart from every other signed value of the site.
UNSUBSCRIBE_SALT = "subscriptions.unsubscribe"


def watch(user, panel: Panel) -> Subscription:
    """``user`` watches ``panel`` (again: watching twice is watching once)."""
    if not policy.can_watch_panel(user, panel):
        raise PermissionDenied("Sign in to watch a panel you can read.")
    subscription, _ = Subscription.objects.get_or_create(
        user=user, panel=panel, defaults={"mailed_major_version": panel.major_version}
    )
    return subscription


def stop_watching(user, panel_id: int) -> bool:
    """``user`` no longer watches the panel; False if they were not watching it."""
    deleted, _ = Subscription.objects.filter(user=user, panel_id=panel_id).delete()
    return bool(deleted)


def unsubscribe_token(subscription: Subscription) -> str:
    """A token naming this user and panel, for a link that stops watching without signing in.

    Signed, not stored: it cannot be forged, and it keeps working however old
    the e-mail is (watching again and stopping again needs no new token).
    """
    return signing.dumps([subscription.user_id, subscription.panel_id], salt=UNSUBSCRIBE_SALT, compress=True)


def read_token(token: str) -> tuple[int, int]:
    """The (user id, panel id) a token names; ``signing.BadSignature`` if it was not made here."""
    value = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(part, int) for part in value)):
        raise signing.BadSignature("Not an unsubscribe token.")
    return value[0], value[1]
