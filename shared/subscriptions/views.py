"""Watching a panel on the site: the panel page's button, the profile's list, and the e-mail's unsubscribe link.

The buttons are forms (POST with CSRF) and work without JavaScript. The
e-mail's link works without signing in: it carries a signed token; following
it shows a page with a button (a mail scanner that follows links unsubscribes
nobody), and that button's POST, or a mail client's one-click POST
(RFC 8058, ``List-Unsubscribe-Post``), stops the watching.
"""

from accounts import policy
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from panels.models import Panel
from panels.pages.common import bad_request, readable_panels

from subscriptions import services
from subscriptions.models import Subscription


@login_required
@require_POST
def watch(request: HttpRequest, pk: int) -> HttpResponse:
    panel = get_object_or_404(readable_panels(request).only("pk", "name", "status", "major_version"), pk=pk)
    if not policy.can_watch_panel(request.user, panel):
        raise PermissionDenied("Your account cannot watch panels yet.")
    services.watch(request.user, panel)
    messages.success(request, f"You are watching {panel.name}: each promotion to a new major version is e-mailed.")
    return _back(request, reverse("panels:detail", args=[panel.pk]))


@login_required
@require_POST
def unwatch(request: HttpRequest, pk: int) -> HttpResponse:
    # Any panel id: one can stop watching a panel that has since become unreadable.
    name = Panel.objects.filter(pk=pk).values_list("name", flat=True).first() or f"panel {pk}"
    if services.stop_watching(request.user, pk):
        messages.success(request, f"You no longer watch {name}.")
    return _back(request, reverse("panels:detail", args=[pk]))


@csrf_exempt  # The signed token is the credential; a mail client's one-click POST carries no CSRF token.
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user_id, panel_id = services.read_token(token)
    except signing.BadSignature:
        return bad_request(
            request,
            "This unsubscribe link is not valid: it may have been cut short. "
            "Copy the whole link from the e-mail, or stop watching from your profile.",
        )
    panel_name = Panel.objects.filter(pk=panel_id).values_list("name", flat=True).first() or f"panel {panel_id}"
    watching = Subscription.objects.filter(user_id=user_id, panel_id=panel_id)
    context = {"panel_name": panel_name, "panel_id": panel_id, "token": token}
    if request.method == "POST":
        watching.delete()
        return render(request, "subscriptions/unsubscribed.html", context)
    return render(request, "subscriptions/unsubscribe.html", {**context, "watching": watching.exists()})


def _back(request: HttpRequest, default: str) -> HttpResponse:
    """To ``next`` (the profile's list sends it) if it is one of our pages, else to ``default``."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        target = default
    return HttpResponseRedirect(target)
