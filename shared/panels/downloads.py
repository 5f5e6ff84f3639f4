"""Panels as upstream PanelApp's TSV files: one panel in the request, everything through the worker."""

from django.http import Http404, HttpResponse


def _not_built(*args, **kwargs) -> HttpResponse:
    raise Http404("Not built yet")


panel_tsv = all_panels = all_genes = all_strs = all_regions = _not_built
