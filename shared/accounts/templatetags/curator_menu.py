"""``{% curator_menu %}``: the site header's way to the curators' tools, for those the policy lets use them.

Anonymous readers cost no query; a curator's page costs one more, the count
of people waiting to become reviewers, so the menu says when there is work.
"""

from typing import Any

from django import template
from django.urls import reverse

from accounts import policy, services

register = template.Library()


@register.inclusion_tag("accounts/_curator_menu.html", takes_context=True)
def curator_menu(context: template.Context) -> dict[str, Any]:
    user = context["request"].user
    if not user.is_authenticated:
        return {"items": []}
    items = []
    if policy.can_curate(user):  # what the create and imports pages ask
        items.append(("Create a panel", reverse("panels:create_panel"), None))
        items.append(("Imports", reverse("imports:admin"), None))
    if policy.can_edit_home_content(user):  # each tab is edited from the home page; images and files here
        items.append(("Home page files", reverse("content:files"), None))
    if policy.can_approve_reviewers(user):
        items.append(("Reviewers waiting", reverse("accounts:pending_reviewers"), services.pending_reviewers().count()))
    if policy.can_open_admin(user):
        items.append(("Admin", reverse("admin:index"), None))
    return {"items": items}
