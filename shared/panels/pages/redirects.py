"""Old addresses that publications, lab reports and bookmarks still use, sent to today's pages."""

from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from panels.models import Entity
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


def _old_panel(request: HttpRequest, hash_id: str):
    """A readable panel by its first-generation id; any other id is the site's 404."""
    return get_object_or_404(readable_panels(request), hash_id=hash_id)


@require_safe
def to_page(request: HttpRequest, name: str, **kwargs) -> HttpResponsePermanentRedirect:
    """An old address whose page lives on under another name: ``name`` reversed with ``kwargs``."""
    return _with_query(request, reverse(name, kwargs=kwargs or None))


@require_safe
def first_edit_panel_redirect(request: HttpRequest, hash_id: str) -> HttpResponsePermanentRedirect:
    """``/crowdsourcing/PanelApp/EditPanel/<old id>``: the panel's page."""
    return _with_query(request, reverse("panels:detail", kwargs={"pk": _old_panel(request, hash_id).pk}))


@require_safe
def first_gene_review_redirect(request: HttpRequest, hash_id: str, entity_name: str) -> HttpResponsePermanentRedirect:
    """``/crowdsourcing/PanelApp/GeneReview/<old id>/<symbol>``: the gene on that panel."""
    panel = _old_panel(request, hash_id)
    kwargs = {"pk": panel.pk, "entity_type": Entity.Type.GENE, "entity_name": entity_name}
    return _with_query(request, reverse("panels:entity_in_panel", kwargs=kwargs))


@require_safe
def old_entity_redirect(request: HttpRequest, pk: int, entity_name: str) -> HttpResponsePermanentRedirect:
    """``/panels/<id>/<name>/``, the entity address before STRs and regions, now ``/panels/<id>/<type>/<name>/``.

    The kind is the stored entity's (a gene where the panel has none of that name, as upstream).
    """
    panel = get_object_or_404(readable_panels(request), pk=pk)
    found = panel.entities.filter(entity_name=entity_name).values_list("entity_type", flat=True).first()
    kwargs = {"pk": panel.pk, "entity_type": found or Entity.Type.GENE, "entity_name": entity_name}
    return _with_query(request, reverse("panels:entity_in_panel", kwargs=kwargs))


@require_safe
def copy_reviews_redirect(request: HttpRequest, panel_a: int, panel_b: int) -> HttpResponsePermanentRedirect:
    """``/panels/copy/<from>/<to>``: copying reviews is a tool of the receiving panel, the source chosen there."""
    return _with_query(request, reverse("panels:copy_reviews", kwargs={"pk": panel_b}))


# Pages of upstream kept the POST form of this address: it only redirects, so no token is asked for.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def download_version_redirect(request: HttpRequest, pk: int) -> HttpResponse:
    """``/panels/<id>/download_version/``: upstream's whole-panel TSV, of ``panel_version`` when posted.

    A GET is the current version's download (301); upstream's form posted the version, which
    becomes the download's ``?version=`` (303, so the browser follows with a GET).
    """
    url = reverse("panels:download_panel_tsv", kwargs={"pk": pk, "categories": "01234"})
    if request.method == "POST":
        version = request.POST.get("panel_version", "").strip()
        return HttpResponseRedirect(f"{url}?{urlencode({'version': version})}" if version else url, status=303)
    return _with_query(request, url)


def crowdsourcing_redirect(request: HttpRequest, rest: str) -> HttpResponsePermanentRedirect:
    """``/crowdsourcing/<page>``, PanelApp's first address, is ``/<page>`` today."""
    path = "/" + rest.lstrip("/\\")
    if not path.isprintable():
        raise Http404("No such page.")
    return _with_query(request, path)
