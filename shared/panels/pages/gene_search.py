"""The add-gene form's suggestions as a curator types (``panelapp/gene-search.js``), as JSON.

Gene reference data is public (API v1 serves it as ``gene_data``), so anyone
may ask; each answer is at most ``gene_search.LIMIT`` genes from indexed
queries. Without JavaScript the add-gene page's own "Find a gene" form lists
the same matches (``panels.curation.add_entity``).
"""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from panels.gene_search import MAX_QUERY_LENGTH, find_genes, gene_data_loaded
from panels.pages.common import clean_text


@require_GET
def gene_search(request: HttpRequest) -> JsonResponse:
    """``?q=BRC``: ``{"query", "genes": [{hgnc_symbol, hgnc_id, gene_name, matched, matched_name}]}``.

    When nothing is found, ``gene_data_loaded`` says whether that is because
    no gene data is loaded at all, so the page can say what to do next.
    """
    query = clean_text(request, "q", max_length=1000)
    if len(query) > MAX_QUERY_LENGTH:
        return JsonResponse({"detail": f"Search for at most {MAX_QUERY_LENGTH} characters."}, status=400)
    matches = find_genes(query)
    body: dict = {"query": query, "genes": [match.as_json() for match in matches]}
    if not matches:
        body["gene_data_loaded"] = gene_data_loaded()
    return JsonResponse(body)
