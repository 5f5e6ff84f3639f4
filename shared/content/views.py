"""Curators edit the home page's tabs and upload their images and files; everyone reads the files.

Every write leaves a line in Django's admin log (``LogEntry``), the same
history the admin keeps when a tab is changed there: the site's activity
page is the panels' history, and home page text is no panel's. A tab's or
file's "History" in the admin then tells who changed what, and when,
whichever way it was done.
"""

import re

from accounts import policy
from django.contrib import messages
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.admin.utils import construct_change_message
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods
from panels.curation import allowed
from serverless.storage import media_redirect

from content import markdown
from content.forms import HomeFileForm, HomeTabForm
from content.models import HomeFile, HomeTab

SLUG = re.compile(r"[-a-zA-Z0-9_]+")
# The files page lists the latest uploads only: it stays one bounded query however many there are.
FILES_LISTED = 30


def _save_logged(request: HttpRequest, form, action: int, *, user_field: str):
    """The form's object saved with the signed-in user in ``user_field``, and its admin log line, at once."""
    with transaction.atomic():
        obj = form.save(commit=False)
        setattr(obj, user_field, request.user)
        obj.save()
        message = construct_change_message(form, None, action == ADDITION)
        LogEntry.objects.log_actions(request.user.pk, [obj], action, change_message=message, single_object=True)
    return obj


@require_http_methods(["GET", "POST"])
@allowed(policy.can_edit_home_content)
def edit_tab(request: HttpRequest, slug: str) -> HttpResponse:
    """Edit a tab; "Preview" shows the page's rendering of the text without saving (no JavaScript needed)."""
    tab = get_object_or_404(HomeTab, slug=slug)
    form = HomeTabForm(request.POST if request.method == "POST" else None, instance=tab)
    preview = None
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            preview = markdown.render(form.cleaned_data["body"]).html
        else:
            tab = _save_logged(request, form, CHANGE, user_field="modified_by")
            messages.success(request, f"The {tab.title} tab is saved.")
            return HttpResponseRedirect(tab.get_absolute_url())
    status = 400 if form.errors else 200
    recent = HomeFile.objects.all()[:FILES_LISTED]
    return render(
        request, "content/edit_tab.html", {"tab": tab, "form": form, "preview": preview, "files": recent}, status=status
    )


@require_http_methods(["GET", "POST"])
@allowed(policy.can_edit_home_content)
def files(request: HttpRequest) -> HttpResponse:
    """Upload an image or file and get the Markdown that shows it; the latest uploads with theirs."""
    form = HomeFileForm(*(request.POST, request.FILES) if request.method == "POST" else ())
    if request.method == "POST" and form.is_valid():
        uploaded = _save_logged(request, form, ADDITION, user_field="uploaded_by")
        messages.success(request, f"{uploaded.title} is uploaded: paste its Markdown into a tab.")
        return HttpResponseRedirect(f"{reverse('content:files')}?uploaded={uploaded.pk}#file-{uploaded.pk}")
    uploaded_pk = request.GET.get("uploaded", "")
    context = {
        "form": form,
        "files": HomeFile.objects.select_related("uploaded_by")[:FILES_LISTED],
        "uploaded": int(uploaded_pk) if uploaded_pk.isdigit() else None,
        "back": back if SLUG.fullmatch(back := request.GET.get("tab", "")) else "",
    }
    return render(request, "content/files.html", context, status=400 if form.errors else 200)


@require_GET
@cache_control(private=True, max_age=300)
def file(request: HttpRequest, pk: int, name: str) -> HttpResponseRedirect:
    """The file itself, through a fresh expiring link to the media storage (the stored HTML holds this address).

    Cached five minutes by the browser, well within the link's lifetime
    (``MEDIA_URL_EXPIRY_SECONDS``). Images open in place; other files download
    under their own name.
    """
    stored = HomeFile.objects.filter(pk=pk).first()
    if stored is None or stored.file_name != name:
        raise Http404("No such home page file.")
    return media_redirect(stored.file.name, download_name=None if stored.is_image else stored.file_name)
