"""The panel page's feed link and watch button, and the profile's list of watched panels.

Tags, not view code, so the panel and profile views stay as they are and each
page pays one small query for them.
"""

from accounts import policy
from django import template

from subscriptions.models import Subscription

register = template.Library()


@register.inclusion_tag("subscriptions/_watch.html", takes_context=True)
def watch_panel(context, panel) -> dict:
    """The panel's Atom feed link, and for a signed-in reader a Watch / Stop watching button."""
    request = context["request"]
    user = request.user
    may_watch = policy.can_watch_panel(user, panel)
    watching = may_watch and Subscription.objects.filter(user=user, panel=panel).exists()
    return {
        "panel": panel,
        "may_watch": may_watch,
        "watching": watching,
        "signed_in": user.is_authenticated,
        "path": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("subscriptions/_watching.html", takes_context=True)
def watched_panels(context) -> dict:
    """The signed-in user's watched panels, by name, each with a Stop watching button."""
    request = context["request"]
    subscriptions = (
        Subscription.objects.filter(user=request.user)
        .select_related("panel")
        .only("panel__name", "panel__major_version", "panel__minor_version", "created")
    )
    return {"subscriptions": subscriptions, "path": request.get_full_path(), "csrf_token": context.get("csrf_token")}
