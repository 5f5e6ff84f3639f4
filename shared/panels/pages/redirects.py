"""Old addresses that publications, lab reports and bookmarks still use, sent to today's pages."""

from django.http import Http404, HttpRequest, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse

from panels.pages.common import readable_panels


def _with_query(request: HttpRequest, path: str) -> HttpResponsePermanentRedirect:
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{path}?{query}" if query else path)


def old_genes_redirect(request: HttpRequest, entity_name: str | None = None) -> HttpResponsePermanentRedirect:
    """``/panels/genes/`` and ``/panels/genes/<name>``: genes became entities."""
    if entity_name is None:
        return _with_query(request, reverse("panels:entities"))
    return _with_query(request, reverse("panels:entity", kwargs={"entity_name": entity_name}))


def old_panel_redirect(request: HttpRequest, hash_id: str, rest: str) -> HttpResponsePermanentRedirect:
    """A panel by its 24-character id of PanelApp's first generation, and any page under it."""
    panel = get_object_or_404(readable_panels(request), hash_id=hash_id)
    return _with_query(request, reverse("panels:detail", kwargs={"pk": panel.pk}) + rest.lstrip("/"))


def crowdsourcing_redirect(request: HttpRequest, rest: str) -> HttpResponsePermanentRedirect:
    """``/crowdsourcing/<page>``, PanelApp's first address, is ``/<page>`` today."""
    path = "/" + rest.lstrip("/\\")
    if not path.isprintable():
        raise Http404("No such page.")
    return _with_query(request, path)
