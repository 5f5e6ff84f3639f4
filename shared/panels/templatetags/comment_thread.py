"""``{% comment_actions comment panel as may %}``: what the signed-in user may do to one comment of a thread."""

from accounts import policy
from django import template

from panels.models import Comment, Panel

register = template.Library()


@register.simple_tag(takes_context=True)
def comment_actions(context: template.Context, comment: Comment, panel: Panel) -> dict[str, bool]:
    """``{"edit": ..., "delete": ...}``, as ``accounts.policy`` answers; both False for anonymous readers."""
    user = context["request"].user
    return {"edit": policy.can_edit_comment(user, comment, panel), "delete": policy.can_delete_comment(user, comment)}
