"""``{% entity_tools %}`` and ``{% panel_tools %}``: what a signed-in reviewer or curator can do, on any page.

The reading pages include these with one line; anonymous readers cost no query.
"""

from typing import Any

from accounts import policy
from django import template

from panels.curation import STATUS_ACTIONS, entity_tools_context
from panels.models import Entity, Evaluation, Panel

register = template.Library()


@register.inclusion_tag("panels/curation/_entity_tools.html", takes_context=True)
def entity_tools(context: template.Context, panel_id: int, entity_type: str, entity_name: str) -> dict[str, Any]:
    user = context["request"].user
    if not policy.can_comment(user):
        return {"tools": None}
    entity = (
        Entity.objects.select_related("panel")
        .prefetch_related("tags")
        .filter(panel_id=panel_id, entity_type=entity_type, entity_name=entity_name)
        .first()
    )
    if entity is None or not policy.can_comment(user, entity.panel):
        return {"tools": None}
    mine = Evaluation.objects.filter(entity=entity, user=user).first()
    return {
        "entity": entity,
        "tools": entity_tools_context(user, entity),
        "mine": mine,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("panels/curation/_panel_tools.html", takes_context=True)
def panel_tools(context: template.Context, panel: Panel) -> dict[str, Any]:
    user = context["request"].user
    may_review = policy.can_review(user, panel)
    return {
        "panel": panel,
        # A super panel lists its children's entities: new ones go to a child.
        "is_super": may_review and panel.child_panels.exists(),
        "can_review": may_review,
        "can_curate": policy.can_curate(user),
        "status_actions": STATUS_ACTIONS,
        "entity_types": Entity.Type.choices,
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag(takes_context=True)
def review_actions(context: template.Context, review: Evaluation) -> dict[str, bool]:
    """Whether the signed-in user may delete this review (``{% review_actions r as may %}``)."""
    return {"delete": policy.can_delete_review(context["request"].user, review)}
