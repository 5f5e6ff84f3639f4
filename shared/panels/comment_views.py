"""Editing and deleting one comment of a review's thread (``panels.comments``); adding is the review form's.

The addresses are upstream PanelApp's (``edit_comment/<id>/``,
``delete_comment/<id>/`` under the entity), answered as every other write of
the site is: a plain POST and a redirect back to the entity's page. Deleting
asks first: its link (a GET) is the question, whose form posts the delete.
"""

from accounts import policy
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.text import Truncator
from django.views.decorators.http import require_http_methods

from panels import comments, forms
from panels.curation import allowed, confirmation, entity_url
from panels.models import Comment, Entity


def _entity(request: HttpRequest, pk: int, entity_type: str, entity_name: str) -> Entity:
    """The entity, on a panel the user may read (retired ones too: an author may delete there)."""
    panels = policy.visible_panels(request.user, retired=True)
    return get_object_or_404(
        Entity.objects.select_related("panel"),
        panel__in=panels,
        panel_id=pk,
        entity_type=entity_type,
        entity_name=entity_name,
    )


def _comment(entity: Entity, comment_pk: int) -> Comment:
    """The comment, if it is on this entity's thread."""
    found = Comment.objects.select_related("evaluation__entity__panel", "user").filter(
        pk=comment_pk, evaluation__entity=entity
    )
    comment = found.first()
    if comment is None:
        raise Http404(f"{entity.entity_name} has no comment {comment_pk}.")
    return comment


@allowed(policy.can_comment)
@require_http_methods(["GET", "POST"])
def edit_comment(request: HttpRequest, pk: int, entity_type: str, entity_name: str, comment_pk: int) -> HttpResponse:
    entity = _entity(request, pk, entity_type, entity_name)
    comment = _comment(entity, comment_pk)
    if not policy.can_edit_comment(request.user, comment, entity.panel):
        raise PermissionDenied("Only its author may edit a comment, and only on a panel that takes comments.")
    form = forms.EditCommentForm(request.POST if request.method == "POST" else None, initial={"text": comment.text})
    context = {"entity": entity, "panel": entity.panel, "comment": comment, "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            comments.edit_comment(request.user, comment, form.cleaned_data["text"])
        except Comment.DoesNotExist:
            raise Http404("The comment was deleted meanwhile.") from None
        except ValidationError as error:
            form.add_error("text", error)
        else:
            messages.success(request, "Your comment is updated.")
            return HttpResponseRedirect(entity_url(entity) + f"#comment-{comment.pk}")
    return render(request, "panels/comment_form.html", context, status=400 if form.errors else 200)


@allowed(policy.can_comment)
@require_http_methods(["GET", "POST"])
def delete_comment(request: HttpRequest, pk: int, entity_type: str, entity_name: str, comment_pk: int) -> HttpResponse:
    entity = _entity(request, pk, entity_type, entity_name)
    comment = _comment(entity, comment_pk)
    if not policy.can_delete_comment(request.user, comment):
        raise PermissionDenied("Only its author or a curator may delete a comment.")
    if request.method == "GET":  # a destructive action asks first, as the curators' do
        return confirmation(
            request,
            title=f"Delete this comment on {entity.entity_name}?",
            consequence=f"“{Truncator(comment.text).chars(120)}” leaves the thread for good; the review stays.",
            confirm="Delete the comment",
            cancel_url=entity_url(entity) + f"#comment-{comment.pk}",
        )
    try:
        comments.delete_comment(request.user, comment)
    except Comment.DoesNotExist:
        raise Http404("The comment was already deleted.") from None
    messages.success(request, "The comment is deleted.")
    return HttpResponseRedirect(entity_url(entity))
