"""Atom feeds: ``/panels/<id>/feed/`` for one panel, ``/panels/feed/`` for every panel the reader may see.

Feed readers poll; each poll costs the few indexed queries of
``subscriptions.entries`` and nothing that grows with a panel's size. A
poller that sends back the ``ETag`` (a hash of the body) or the
``Last-Modified`` (the newest entry's time) it was given gets a 304.
"""

import hashlib
from datetime import datetime

from accounts import policy
from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.feedgenerator import Atom1Feed
from django.utils.http import parse_http_date_safe
from panels.models import Panel
from panels.pages.common import readable_panels

from subscriptions import entries
from subscriptions.entries import Entry


class VersionsFeed(Feed):
    """What the two feeds share: Atom, and an entry per version or sign-off."""

    feed_type = Atom1Feed
    author_name = "PanelApp"

    def item_title(self, item: Entry) -> str:
        return item.title

    def item_description(self, item: Entry) -> str:
        return item.description

    def item_link(self, item: Entry) -> str:
        return item.path

    def item_guid(self, item: Entry) -> str:
        return f"{settings.PANEL_APP_BASE_URL}{item.path}"

    def item_pubdate(self, item: Entry) -> datetime:
        return item.when

    def item_updateddate(self, item: Entry) -> datetime:
        return item.when

    def item_author_name(self, item: Entry) -> str:
        return item.who or "PanelApp"

    def item_categories(self, item: Entry) -> tuple[str, ...]:
        return (item.kind,)

    def __call__(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = super().__call__(request, *args, **kwargs)
        response["ETag"] = '"' + hashlib.sha256(response.content).hexdigest()[:40] + '"'
        modified = parse_http_date_safe(response.get("Last-Modified", ""))
        return get_conditional_response(request, response["ETag"], modified, response) or response


class PanelFeed(VersionsFeed):
    """One panel's new versions, promotions and sign-offs."""

    def get_object(self, request: HttpRequest, pk: int) -> Panel:
        return get_object_or_404(readable_panels(request).only("pk", "name"), pk=pk)

    def title(self, panel: Panel) -> str:
        return f"PanelApp: {panel.name}"

    def subtitle(self, panel: Panel) -> str:
        return f"New versions, promotions and sign-offs of {panel.name}"

    def link(self, panel: Panel) -> str:
        return reverse("panels:detail", args=[panel.pk])

    def feed_url(self, panel: Panel) -> str:
        return reverse("panels:feed", args=[panel.pk])

    def items(self, panel: Panel) -> list[Entry]:
        return entries.panel_entries(panel.pk)


class AllPanelsFeed(VersionsFeed):
    """Every readable panel's new versions, promotions and sign-offs (retired panels' too, as their pages are open)."""

    title = "PanelApp: all panels"
    subtitle = "New versions, promotions and sign-offs of every panel"

    def get_object(self, request: HttpRequest) -> list[str]:
        return policy.visible_panel_statuses(request.user, retired=True)

    def link(self) -> str:
        return reverse("panels:list")

    def feed_url(self) -> str:
        return reverse("panels:all_feed")

    def items(self, statuses: list[str]) -> list[Entry]:
        return entries.all_entries(statuses)
