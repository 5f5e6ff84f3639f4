"""Reviewing and curating in the site: the write side of the panel and entity pages.

Views validate with ``panels.forms``, ask ``accounts.policy`` who may act,
and change panels only through ``panels.services``. Every form works as a
plain POST with a redirect; a form marked ``data-partial`` is also sent in the
background by ``panelapp/partial.js``, which swaps the page's main content for
the fresh one, so the page updates in place. A full form saved against a panel
that changed since it was opened answers 409 with what changed; so does a save
that kept colliding with other curators.

Actions that cannot be undone from the site (removing an entity or its
sources, rejecting, retiring or deleting a panel) ask first: their address
answers a GET with "Are you sure?" and a form that POSTs back to it, so they
work without JavaScript; ``panelapp/confirm.js`` shows the same question in a
dialog over the page the link was on.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, NamedTuple

from accounts import policy
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from panels import forms, services, tasks
from panels.gene_search import MAX_QUERY_LENGTH, find_genes, gene_data_loaded, marked_on_panel
from panels.models import Entity, Evaluation, Panel
from panels.pages.common import bad_request, clean_text

# More reviews than this are copied by the worker, well inside the web function's timeout.
COPY_IN_REQUEST_LIMIT = 2000


def allowed(check: Callable[[Any], bool]) -> Callable:
    """Signed-in users for whom ``policy.<check>`` says yes; everyone else a 403 (anonymous: the sign-in page)."""

    def decorate(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not check(request.user):
                raise PermissionDenied("Your account may not do this.")
            return view(request, *args, **kwargs)

        return guarded

    return decorate


def _posted(request: HttpRequest) -> Any:
    """The form data of a POST (even an empty one, which must fail validation), None for a GET."""
    return request.POST if request.method == "POST" else None


def _panel(request: HttpRequest, pk: int) -> Panel:
    return get_object_or_404(policy.visible_panels(request.user, retired=True), pk=pk)


def _entity(request: HttpRequest, pk: int, entity_type: str, entity_name: str) -> Entity:
    panel = _panel(request, pk)
    return get_object_or_404(
        Entity.objects.select_related("panel", "gene"), panel=panel, entity_type=entity_type, entity_name=entity_name
    )


def entity_url(entity: Entity) -> str:
    return reverse("panels:entity_in_panel", args=[entity.panel_id, entity.entity_type, entity.entity_name])


def panel_url(panel: Panel) -> str:
    return reverse("panels:detail", args=[panel.pk])


def _save(request: HttpRequest, save: Callable[[], Any], *, form: Any, page: str, context: dict) -> Any:
    """Run a service call; its refusals become the form's errors, or a 409 page when the panel moved on."""
    try:
        return save()
    except services.StaleVersionError as stale:
        context.update(form=form, stale=stale)
        raise Refused(render(request, page, context, status=409)) from None
    except services.ConcurrentEditError as busy:
        form.add_error(None, str(busy))
        raise Refused(render(request, page, {**context, "form": form}, status=409)) from None
    except ValidationError as error:
        form.add_error(None, error)
        raise Refused(render(request, page, {**context, "form": form}, status=400)) from None


class Refused(Exception):
    """Carries the response that explains why a save did not happen."""

    def __init__(self, response: HttpResponse) -> None:
        self.response = response


def answers_refusals(view: Callable) -> Callable:
    @wraps(view)
    def answering(*args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(*args, **kwargs)
        except Refused as refused:
            return refused.response

    return answering


def confirmation(
    request: HttpRequest,
    *,
    title: str,
    consequence: str,
    confirm: str,
    cancel_url: str,
    hidden: dict[str, str] | None = None,
    comment: bool = False,
) -> HttpResponse:
    """The "Are you sure?" page of a destructive action, whose form POSTs to the address it was asked at.

    ``consequence`` says what will happen and what is kept; ``hidden`` carries
    what the GET's query named (e.g. one source) into the POST; ``comment``
    offers the optional comment the action's activity line and version keep.
    """
    context = {
        "title": title,
        "consequence": consequence,
        "confirm": confirm,
        "cancel_url": cancel_url,
        # Built again rather than request.path (decoded once): entity names keep their escaped segment.
        "action": reverse(request.resolver_match.view_name, kwargs=request.resolver_match.kwargs),
        "hidden": hidden or {},
        "comment": comment,
    }
    return render(request, "panels/curation/confirm.html", context)


def _back_to_entity(request: HttpRequest, entity: Entity, message: str, *, ok: bool = True) -> HttpResponse:
    """Quick changes answer with the entity page (``partial.js`` swaps its main content in place)."""
    (messages.success if ok else messages.error)(request, message)
    return HttpResponseRedirect(entity_url(entity))


LEVEL_TO_RATING = {3: Evaluation.Rating.GREEN, 2: Evaluation.Rating.AMBER, 1: Evaluation.Rating.RED}


def entity_tools_context(user, entity: Entity) -> dict[str, Any]:
    """What the entity page shows a signed-in user: which forms, filled with the entity's current values."""
    may_curate = policy.can_curate(user)
    return {
        "can_comment": policy.can_comment(user),
        "can_review": policy.can_review(user),
        "can_curate": may_curate,
        # The rating shown is the entity's current one, so saving another field never slips in a different one.
        "rating_form": forms.RatingForm(
            initial={"base_version": entity.panel.version, "rating": LEVEL_TO_RATING.get(entity.confidence_level)}
        )
        if may_curate
        else None,
        "tags_form": forms.TagsForm(
            initial={"tags": sorted(t.name for t in entity.tags.all()), "base_version": entity.panel.version}
        )
        if may_curate
        else None,
        "sources_form": forms.AddSourcesForm(present=entity.evidence.values_list("name", flat=True))
        if may_curate
        else None,
    }


# --- Reviewers -----------------------------------------------------------------------


@allowed(policy.can_comment)
@require_http_methods(["GET", "POST"])
@answers_refusals
def review(request: HttpRequest, pk: int, entity_type: str, entity_name: str) -> HttpResponse:
    """Review an entity (verified reviewers), or comment on it (external users); again to change it."""
    entity = _entity(request, pk, entity_type, entity_name)
    policy.check_can_contribute_to(request.user, entity.panel)
    mine = Evaluation.objects.filter(entity=entity, user=request.user).first()
    form_class = forms.ReviewForm if policy.can_review(request.user) else forms.CommentForm
    initial = {}
    if mine is not None:
        # The comment box always starts empty: saving adds a comment to the thread, never rewrites one.
        initial = {name: getattr(mine, name) for name in form_class.base_fields if name != "comments"}
    form = form_class(_posted(request), initial=initial)
    context = {"entity": entity, "panel": entity.panel, "form": form, "mine": mine}
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields() if isinstance(form, forms.ReviewForm) else dict(form.cleaned_data)
        _save(
            request,
            lambda: services.review_entity(request.user, entity, **fields),
            form=form,
            page="panels/curation/review.html",
            context=context,
        )
        messages.success(request, "Your review is saved." if mine is None else "Your review is updated.")
        return HttpResponseRedirect(entity_url(entity))
    return render(request, "panels/curation/review.html", context, status=400 if form.errors else 200)


@allowed(policy.can_comment)
@require_POST
def delete_review(request: HttpRequest, pk: int, entity_type: str, entity_name: str, review_pk: int) -> HttpResponse:
    entity = _entity(request, pk, entity_type, entity_name)
    evaluation = get_object_or_404(Evaluation, pk=review_pk, entity=entity)
    if not policy.can_delete_review(request.user, evaluation):
        raise PermissionDenied("Only its author or a curator may delete a review.")
    services.delete_review(request.user, evaluation)
    messages.success(request, "The review is deleted.")
    return HttpResponseRedirect(entity_url(entity))


@allowed(policy.can_review)
@require_http_methods(["GET", "POST"])
@answers_refusals
def add_entity(request: HttpRequest, pk: int, entity_type: str) -> HttpResponse:
    """A new gene, STR or region on a panel; a verified reviewer's addition carries their review.

    A gene is one of the loaded genes: ``?find=`` lists the genes a text
    matches (the form's search without JavaScript), ``?gene=`` opens the form
    with one chosen, and a symbol no gene has lists the genes it resembles.
    """
    panel = _panel(request, pk)
    policy.check_can_contribute_to(request.user, panel)
    if entity_type not in Entity.Type.values:
        raise Http404(f"No entity type {entity_type}.")
    curator = policy.can_curate(request.user)
    initial = {"base_version": panel.version}
    if entity_type == Entity.Type.GENE and request.GET.get("gene"):
        initial["name"] = clean_text(request, "gene", max_length=128)
    form = forms.NewEntityForm(_posted(request), entity_type=entity_type, initial=initial, panel=panel)
    review_form = None if curator else forms.ReviewForm(_posted(request), prefix="review")
    valid = form.is_valid() & (review_form is None or review_form.is_valid())
    context = {"panel": panel, "entity_type": entity_type, "form": form, "review_form": review_form}
    if entity_type == Entity.Type.GENE:
        context.update(_gene_finder(request, form, panel))
    if request.method == "POST" and valid:
        name = form.cleaned_data["name"]

        def add() -> Entity:
            entity = services.add_entity(
                request.user,
                panel,
                entity_type=entity_type,
                entity_name=name,
                gene=name if entity_type == Entity.Type.GENE else None,
                sources=form.cleaned_data["sources"] or ([] if curator else ["Expert list"]),
                tags=form.cleaned_data["tags"],
                comment=form.cleaned_data["comment"],
                base_version=form.cleaned_data["base_version"] or None,
                **form.service_fields(),
            )
            if review_form is not None:
                services.review_entity(request.user, entity, **review_form.service_fields())
            return entity

        # The entity and its reviewer's review are one change: both or neither.
        entity = _save(
            request, services.writer(add), form=form, page="panels/curation/entity_form.html", context=context
        )
        messages.success(request, f"{entity.entity_name} is added to {panel.name}.")
        return HttpResponseRedirect(entity_url(entity))
    status = 400 if request.method == "POST" else 200
    return render(request, "panels/curation/entity_form.html", context, status=status)


def _gene_finder(request: HttpRequest, form: forms.NewEntityForm, panel: Panel) -> dict[str, Any]:
    """The add-gene page's search: whether there are genes to find at all, and the ones found for ``?find=``.

    After a symbol no gene has, the genes like it are listed instead, so the
    next step is a click. Without gene data the page says who loads it.
    """
    loaded = gene_data_loaded()
    find = clean_text(request, "find", max_length=MAX_QUERY_LENGTH)
    if "name" in form.errors and form.data.get("name"):
        find = form.data["name"].replace("\x00", "").strip()[:MAX_QUERY_LENGTH]
    return {
        "gene_data_loaded": loaded,
        "can_import_genes": policy.can_upload_files(request.user),
        "find": find,
        "found": marked_on_panel(find_genes(find), Panel.objects.filter(pk=panel.pk), panel.pk)
        if loaded and find
        else [],
    }


# --- Curators: entities ----------------------------------------------------------------


@allowed(policy.can_curate)
@require_http_methods(["GET", "POST"])
@answers_refusals
def edit_entity(request: HttpRequest, pk: int, entity_type: str, entity_name: str) -> HttpResponse:
    entity = _entity(request, pk, entity_type, entity_name)
    initial = forms.EntityForm.initial_for(entity)
    form = forms.EntityForm(_posted(request), entity_type=entity.entity_type, initial=initial)
    context = {"panel": entity.panel, "entity": entity, "entity_type": entity.entity_type, "form": form}
    if request.method == "POST" and form.is_valid():
        _save(
            request,
            lambda: services.update_entity(
                request.user,
                entity,
                tags=form.cleaned_data["tags"],
                comment=form.cleaned_data["comment"],
                base_version=form.cleaned_data["base_version"] or None,
                **form.service_fields(),
            ),
            form=form,
            page="panels/curation/entity_form.html",
            context=context,
        )
        messages.success(request, f"{entity.entity_name} is saved.")
        return HttpResponseRedirect(entity_url(entity))
    status = 400 if request.method == "POST" else 200
    return render(request, "panels/curation/entity_form.html", context, status=status)


@allowed(policy.can_curate)
@require_http_methods(["GET", "POST"])
@answers_refusals
def add_sources(request: HttpRequest, pk: int, entity_type: str, entity_name: str) -> HttpResponse:
    """Further evidence sources for an entity already on the panel: a new version, its confidence counted again.

    The entity page's curator tools post here; a GET is the same form on a
    page of its own, and a refused save comes back here with the reason.
    """
    entity = _entity(request, pk, entity_type, entity_name)
    present = list(entity.evidence.order_by("-created", "-id").values_list("name", flat=True))
    form = forms.AddSourcesForm(_posted(request), present=present)
    context = {"panel": entity.panel, "entity": entity, "form": form, "present": list(dict.fromkeys(present))}
    if request.method == "POST" and form.is_valid():
        names = form.cleaned_data["sources"]
        _save(
            request,
            lambda: services.add_sources(request.user, entity, names=names, comment=form.cleaned_data["comment"]),
            form=form,
            page="panels/curation/add_sources.html",
            context=context,
        )
        return _back_to_entity(
            request, entity, f"{'Source' if len(names) == 1 else 'Sources'} added: {', '.join(names)}."
        )
    status = 400 if request.method == "POST" else 200
    return render(request, "panels/curation/add_sources.html", context, status=status)


@allowed(policy.can_curate)
@require_http_methods(["GET", "POST"])
def remove_entity(request: HttpRequest, pk: int, entity_type: str, entity_name: str) -> HttpResponse:
    entity = _entity(request, pk, entity_type, entity_name)
    if request.method == "GET":
        kind = entity.get_entity_type_display()
        kind = kind if kind.isupper() else kind.lower()  # "gene", "region", but "STR"
        return confirmation(
            request,
            title=f"Remove {entity.entity_name} from {entity.panel.name}?",
            consequence=f"The {kind} and its reviews leave the panel in a new version; "
            "earlier versions keep it, and adding it again starts with no reviews.",
            confirm=f"Remove {entity.entity_name}",
            cancel_url=entity_url(entity),
            comment=True,
        )
    services.remove_entity(request.user, entity, comment=request.POST.get("comment", ""))
    messages.success(request, f"{entity.entity_name} is removed from {entity.panel.name}.")
    return HttpResponseRedirect(panel_url(entity.panel))


def _quick(request: HttpRequest, entity: Entity, form: Any, save: Callable[[], Any], done: str) -> HttpResponse:
    """A one-field curator change (rating, tags, ready); whatever happens, back to the entity page saying so."""
    if not form.is_valid():
        return _back_to_entity(request, entity, "; ".join(e for errs in form.errors.values() for e in errs), ok=False)
    try:
        save()
    except services.StaleVersionError as stale:
        return _back_to_entity(
            request, entity, f"Not saved: {stale.messages[0]} Here is the page as it is now.", ok=False
        )
    except services.ConcurrentEditError as busy:
        return _back_to_entity(request, entity, str(busy), ok=False)
    except ValidationError as error:
        return _back_to_entity(request, entity, "Not saved: " + "; ".join(error.messages), ok=False)
    return _back_to_entity(request, entity, done)


@allowed(policy.can_curate)
@require_POST
def rate_entity(request: HttpRequest, pk: int, entity_type: str, entity_name: str) -> HttpResponse:
    entity = _entity(request, pk, entity_type, entity_name)
    form = forms.RatingForm(request.POST)
    return _quick(
        request,
        entity,
        form,
        lambda: services.review_entity(
            request.user,
            entity,
            rating=form.cleaned_data["rating"],
            comments=form.cleaned_data["comment"],
            base_version=form.cleaned_data["base_version"] or None,
        ),
        "Rating saved.",
    )


@allowed(policy.can_curate)
@require_POST
def tag_entity(request: HttpRequest, pk: int, entity_type: str, entity_name: str) -> HttpResponse:
    entity = _entity(request, pk, entity_type, entity_name)
    form = forms.TagsForm(request.POST)
    return _quick(
        request,
        entity,
        form,
        lambda: services.update_entity(
            request.user, entity, tags=form.cleaned_data["tags"], base_version=form.cleaned_data["base_version"] or None
        ),
        "Tags saved.",
    )


@allowed(policy.can_curate)
@require_POST
def mark_entity(request: HttpRequest, pk: int, entity_type: str, entity_name: str) -> HttpResponse:
    entity = _entity(request, pk, entity_type, entity_name)
    form = forms.ReadyForm(request.POST)
    return _quick(
        request,
        entity,
        form,
        lambda: services.set_entity_ready(
            request.user, entity, ready=form.cleaned_data["ready"], comment=form.cleaned_data["comment"]
        ),
        "Marked as ready." if request.POST.get("ready") == "1" else "Marked as not ready.",
    )


@allowed(policy.can_curate)
@require_POST
def approve_entity(request: HttpRequest, pk: int, entity_type: str, entity_name: str) -> HttpResponse:
    """Clear the flag a reviewer's addition carries (upstream's "approve entity"); not a rating."""
    entity = _entity(request, pk, entity_type, entity_name)
    form = forms.ApproveForm(request.POST)
    return _quick(
        request,
        entity,
        form,
        lambda: services.approve_entity(request.user, entity, comment=form.cleaned_data["comment"]),
        f"{entity.entity_name} is approved.",
    )


@allowed(policy.can_curate)
@require_http_methods(["GET", "POST"])
def clear_sources(request: HttpRequest, pk: int, entity_type: str, entity_name: str) -> HttpResponse:
    """All sources, or the one named in ``source``."""
    entity = _entity(request, pk, entity_type, entity_name)
    if request.method == "GET":
        source = request.GET.get("source", "")
        if source and not entity.evidence.filter(name=source).exists():
            return bad_request(request, f"{entity.entity_name} has no source {source[:300]!r}.")
        return confirmation(
            request,
            title=f"Remove source {source} from {entity.entity_name}?"
            if source
            else f"Remove all sources of {entity.entity_name}?",
            consequence="Its confidence level is worked out again from what is left, in a new version; "
            "earlier versions keep the sources.",
            confirm="Remove the source" if source else "Remove all sources",
            cancel_url=entity_url(entity),
            hidden={"source": source} if source else None,
            comment=True,
        )
    source = request.POST.get("source")
    services.remove_sources(
        request.user, entity, names=[source] if source else None, comment=request.POST.get("comment", "")
    )
    messages.success(request, f"Source {source} removed." if source else "All sources removed.")
    return HttpResponseRedirect(entity_url(entity))


# --- Curators: panels --------------------------------------------------------------------


@allowed(policy.can_curate)
@require_http_methods(["GET", "POST"])
@answers_refusals
def create_panel(request: HttpRequest) -> HttpResponse:
    form = forms.PanelForm(_posted(request), initial={"status": Panel.Status.INTERNAL})
    context = {"form": form, "panel": None}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        panel = _save(
            request,
            lambda: services.create_panel(
                request.user,
                name=data["name"],
                types=data["types"],
                child_panels=data["child_panels"],
                comment=data["comment"],
                relevant_disorders=data["relevant_disorders"],
                description=data["description"],
                omim=data["omim"],
                orphanet=data["orphanet"],
                hpo=data["hpo"],
                disease_group=data["disease_group"],
                disease_sub_group=data["disease_sub_group"],
                status=data["status"],
            ),
            form=form,
            page="panels/curation/panel_form.html",
            context=context,
        )
        messages.success(request, f"Panel {panel.name} is created.")
        return HttpResponseRedirect(panel_url(panel))
    return render(request, "panels/curation/panel_form.html", context, status=400 if form.errors else 200)


@allowed(policy.can_curate)
@require_http_methods(["GET", "POST"])
@answers_refusals
def update_panel(request: HttpRequest, pk: int) -> HttpResponse:
    panel = _panel(request, pk)
    form = forms.PanelForm(_posted(request), panel=panel, initial=forms.PanelForm.initial_for(panel))
    context = {"form": form, "panel": panel}
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        base_version = data.pop("base_version") or None
        _save(
            request,
            lambda: services.update_panel(request.user, panel, base_version=base_version, **data),
            form=form,
            page="panels/curation/panel_form.html",
            context=context,
        )
        messages.success(request, f"Panel {panel.name} is saved.")
        return HttpResponseRedirect(panel_url(panel))
    return render(request, "panels/curation/panel_form.html", context, status=400 if form.errors else 200)


@allowed(policy.can_curate)
@require_http_methods(["GET", "POST"])
@answers_refusals
def promote_panel(request: HttpRequest, pk: int) -> HttpResponse:
    panel = _panel(request, pk)
    form = forms.PromoteForm(_posted(request), initial={"base_version": panel.version})
    context = {"form": form, "panel": panel}
    if request.method == "POST" and form.is_valid():
        promoted = _save(
            request,
            lambda: services.promote_and_notify(
                request.user,
                panel,
                comment=form.cleaned_data["comment"],
                base_version=form.cleaned_data["base_version"] or None,
            ),
            form=form,
            page="panels/curation/promote.html",
            context=context,
        )
        messages.success(request, f"{promoted.name} is promoted to version {promoted.version}; contributors are told.")
        return HttpResponseRedirect(panel_url(panel))
    return render(request, "panels/curation/promote.html", context, status=400 if form.errors else 200)


class StatusAction(NamedTuple):
    """A panel status change the panel page offers: where it leads, from where, and whether it asks first."""

    status: str
    done: str
    applies_to: frozenset[str]
    confirm: bool
    consequence: str = ""


_ALL = frozenset(Panel.Status.values) - {Panel.Status.DELETED}
STATUS_ACTIONS = {
    # A promoted panel is public already; approving it would only undo the promotion.
    "approve": StatusAction(
        Panel.Status.PUBLIC, "approved: public", frozenset({Panel.Status.INTERNAL, Panel.Status.RETIRED}), False
    ),
    "reject": StatusAction(
        Panel.Status.INTERNAL,
        "rejected: internal",
        _ALL - {Panel.Status.INTERNAL},
        True,
        "Only curators will see it; readers' links to it and the API answer not found until it is approved again.",
    ),
    "retire": StatusAction(
        Panel.Status.RETIRED,
        "retired",
        _ALL - {Panel.Status.RETIRED},
        True,
        "It is listed only when retired panels are asked for, and takes no new reviews, comments or genes "
        "from reviewers; it can still be read, and a curator can approve it again.",
    ),
    "delete": StatusAction(
        Panel.Status.DELETED,
        "deleted (its versions are kept)",
        _ALL,
        True,
        "Nobody will see it in the site or the API; its versions are kept, and only the admin can bring it back.",
    ),
}


@allowed(policy.can_curate)
@require_http_methods(["GET", "POST"])
def change_status(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Approve, reject, retire or delete a panel (deletion is a status: nothing is removed); only where it applies."""
    panel = _panel(request, pk)
    change = STATUS_ACTIONS[action]
    if panel.status not in change.applies_to:
        return bad_request(request, f"{panel.name} is {panel.get_status_display().lower()}: it cannot be {action}d.")
    if request.method == "GET":
        return confirmation(
            request,
            title=f"{action.capitalize()} {panel.name}?",
            consequence=change.consequence or f"It becomes {Panel.Status(change.status).label.lower()}.",
            confirm=f"{action.capitalize()} the panel",
            cancel_url=panel_url(panel),
            comment=True,
        )
    services.update_panel(request.user, panel, status=change.status, comment=request.POST.get("comment", ""))
    messages.success(request, f"{panel.name} is {change.done}.")
    return HttpResponseRedirect(reverse("panels:list") if change.status == Panel.Status.DELETED else panel_url(panel))


@allowed(policy.can_curate)
@require_http_methods(["GET", "POST"])
def mark_not_ready(request: HttpRequest, pk: int) -> HttpResponse:
    panel = _panel(request, pk)
    if request.method == "GET":
        return confirmation(
            request,
            title=f"Mark every entity of {panel.name} as not ready?",
            consequence="Each entity's ready mark is taken away; marking them ready again is one entity at a time.",
            confirm="Mark all as not ready",
            cancel_url=panel_url(panel),
        )
    changed = services.mark_panel_not_ready(request.user, panel)
    messages.success(request, f"{changed} entities marked as not ready.")
    return HttpResponseRedirect(panel_url(panel))


@allowed(policy.can_curate)
@require_http_methods(["GET", "POST"])
def copy_reviews(request: HttpRequest, pk: int) -> HttpResponse:
    """Copy the reviews of another panel onto this panel's matching entities."""
    panel = _panel(request, pk)
    form = forms.CopyReviewsForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        source = form.cleaned_data["source"]
        if Evaluation.objects.filter(entity__panel=source).count() > COPY_IN_REQUEST_LIMIT:
            tasks.copy_reviews.enqueue(request.user.pk, source.pk, panel.pk)
            messages.success(request, f"Copying the reviews of {source.name}: you will be notified when done.")
        else:
            copied = services.copy_reviews(request.user, source, panel)
            messages.success(request, f"{copied} reviews copied from {source.name}.")
        return HttpResponseRedirect(panel_url(panel))
    status = 400 if form.errors else 200
    return render(request, "panels/curation/copy_reviews.html", {"form": form, "panel": panel}, status=status)
