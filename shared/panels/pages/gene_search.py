"""The add-gene form's suggestions as a curator types (``panelapp/gene-search.js``), as JSON.

Gene reference data is public (API v1 serves it as ``gene_data``), so anyone
may ask; each answer is at most ``gene_search.LIMIT`` genes from indexed
queries. Without JavaScript the add-gene page's own "Find a gene" form lists
the same matches (``panels.curation.add_entity``).
"""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from panels.gene_search import MAX_QUERY_LENGTH, find_genes, gene_data_loaded, marked_on_panel
from panels.pages.common import clean_text, readable_panels


@require_GET
def gene_search(request: HttpRequest) -> JsonResponse:
    """``?q=BRC``: ``{"query", "genes": [{hgnc_symbol, hgnc_id, gene_name, matched, matched_name, on_panel}]}``.

    With ``&panel=<id>`` (the panel being added to), ``on_panel`` marks the
    genes it already has, if the asker may read it. When nothing is found,
    ``gene_data_loaded`` says whether that is because no gene data is loaded
    at all, so the page can say what to do next.
    """
    query = clean_text(request, "q", max_length=1000)
    if len(query) > MAX_QUERY_LENGTH:
        return JsonResponse({"detail": f"Search for at most {MAX_QUERY_LENGTH} characters."}, status=400)
    panel_id = request.GET.get("panel", "")
    if panel_id and not (panel_id.isascii() and panel_id.isdigit()):
        return JsonResponse({"detail": "panel is a panel's number, e.g. panel=245."}, status=400)
    matches = find_genes(query)
    if panel_id:
        matches = marked_on_panel(matches, readable_panels(request), int(panel_id))
    body: dict = {"query": query, "genes": [match.as_json() for match in matches]}
    if not matches:
        body["gene_data_loaded"] = gene_data_loaded()
    return JsonResponse(body)
