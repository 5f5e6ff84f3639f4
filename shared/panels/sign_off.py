"""Signing off panel versions in the site: a curator's word that a version is fit for use, dated, and withdrawable.

Any stored version may be signed off, with the date the sign-off was given
(today by default, never later): sign-offs agreed elsewhere are recorded
after the fact. A sign-off given in error is withdrawn after a confirmation.
Both write an activity line through ``panels.services``; the panel list,
the panel page and the API's signed-off listings show the latest left.
"""

from datetime import date

from accounts import policy
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_http_methods

from panels import services
from panels.curation import _panel, _save, allowed, answers_refusals, confirmation, panel_url
from panels.models import Panel
from panels.pages.common import bad_request

PAGE = "panels/curation/sign_off.html"


class SignOffForm(forms.Form):
    """Which version, and the day it was signed off."""

    version = forms.ChoiceField(label="Version")
    signed_off_date = forms.DateField(
        label="Signed off on",
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text="The day the sign-off was given: today, or earlier when recording one given elsewhere.",
    )

    def __init__(self, *args, versions: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].choices = versions
        # The browser's date picker offers no day after today either.
        self.fields["signed_off_date"].widget.attrs["max"] = timezone.localdate().isoformat()

    def clean_signed_off_date(self) -> date:
        signed_off = self.cleaned_data["signed_off_date"]
        if signed_off > timezone.localdate():
            raise ValidationError("A sign-off cannot be dated in the future.", code="future_date")
        return signed_off


def _versions(panel: Panel) -> list[tuple[str, str]]:
    """(version, label) of every stored version, newest first; labels say when it was made and any sign-off."""
    rows = (
        panel.snapshots.order_by("-major_version", "-minor_version")
        .values_list("major_version", "minor_version", "created", "signed_off_date")
        .iterator()
    )
    choices = []
    for major, minor, created, signed_off in rows:
        label = f"{major}.{minor} of {date_format(created, 'j M Y')}"
        if signed_off is not None:
            label += f" (signed off {date_format(signed_off, 'j M Y')})"
        choices.append((f"{major}.{minor}", label))
    return choices


@allowed(policy.can_sign_off)
@require_http_methods(["GET", "POST"])
@answers_refusals
def sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    """Sign off a version chosen from all the panel's versions (``?version=`` preselects one)."""
    panel = _panel(request, pk)
    versions = _versions(panel)
    chosen = request.GET.get("version", "")
    initial = {
        "version": chosen if chosen in dict(versions) else panel.version,
        "signed_off_date": timezone.localdate(),
    }
    form = SignOffForm(request.POST if request.method == "POST" else None, versions=versions, initial=initial)
    signed_off = (
        panel.snapshots.filter(signed_off_date__isnull=False)
        .only("major_version", "minor_version", "signed_off_date")
        .order_by("-major_version", "-minor_version")
    )
    context = {"panel": panel, "form": form, "signed_off": signed_off}
    if request.method == "POST" and form.is_valid():
        version, day = form.cleaned_data["version"], form.cleaned_data["signed_off_date"]
        _save(
            request,
            lambda: services.sign_off(request.user, panel, version=version, signed_off_date=day),
            form=form,
            page=PAGE,
            context=context,
        )
        messages.success(request, f"Version {version} of {panel.name} is signed off on {date_format(day, 'j M Y')}.")
        return HttpResponseRedirect(panel_url(panel))
    return render(request, PAGE, context, status=400 if form.errors else 200)


@allowed(policy.can_sign_off)
@require_http_methods(["GET", "POST"])
def withdraw_sign_off(request: HttpRequest, pk: int, version: str) -> HttpResponse:
    """Take back one version's sign-off, after asking."""
    panel = _panel(request, pk)
    try:
        major, minor = services.parse_version(version)
    except ValidationError as error:
        return bad_request(request, error.messages[0])
    snapshot = panel.snapshots.filter(major_version=major, minor_version=minor).only("signed_off_date").first()
    if snapshot is None:
        raise Http404(f"{panel.name} has no version {version}.")
    if snapshot.signed_off_date is None:
        return bad_request(request, f"Version {version} of {panel.name} is not signed off.")
    if request.method == "GET":
        return confirmation(
            request,
            title=f"Withdraw the sign-off of {panel.name} version {version}?",
            consequence=f"Version {version} was signed off on {date_format(snapshot.signed_off_date, 'j M Y')}. "
            "Listings of signed-off panels will show the latest sign-off left, if any; "
            "the activity log keeps both the sign-off and its withdrawal.",
            confirm="Withdraw the sign-off",
            cancel_url=panel_url(panel),
        )
    try:
        services.withdraw_sign_off(request.user, panel, version=version)
    except ValidationError as error:  # withdrawn by someone else meanwhile
        return bad_request(request, error.messages[0])
    messages.success(request, f"The sign-off of version {version} of {panel.name} is withdrawn.")
    return HttpResponseRedirect(panel_url(panel))
