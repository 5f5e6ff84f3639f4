"""``/panels/<pk>/download/<categories>/bed/<build>/``: a panel version's regions as BED (``panels.bed``).

Beside the TSV downloads and answered like them: the same category digits,
``?version=`` for an old version, the site's error pages for a bad request.
``?padding=`` widens each interval on both sides. A file above the inline
limit (a super panel of tens of thousands of entities) is stored once in the
media bucket and answered by a redirect, as a large TSV is.
"""

import json

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from panels import bed
from panels.downloads import attachment, categories_refused, error_page, requested_version
from panels.models import HistoricalSnapshot


@require_safe
def panel_bed(request: HttpRequest, pk: int, categories: str, build: str) -> HttpResponse:
    """One panel version's genes, STRs and regions at the given confidence levels, placed on one build."""
    if (refused := categories_refused(request, categories)) is not None:
        return refused
    try:
        build = bed.parse_build(build)
        padding = bed.parse_padding(request.GET.get("padding", ""))
    except ValueError as error:
        return error_page(request, 400, "Cannot write this file", str(error))
    found = requested_version(request, pk)
    if isinstance(found, HttpResponse):
        return found
    panel, snapshot = found
    body = bed.panel_bed(json.loads(snapshot.data), categories, build, padding).encode()
    return bed_response(body, bed.download_name(panel.name, snapshot.version, build, categories), snapshot)


def bed_response(body: bytes, filename: str, snapshot: HistoricalSnapshot) -> HttpResponse:
    """The file as an attachment, or a redirect to it stored once when it is too large to answer inline."""
    stored_as = f"downloads/panels/{snapshot.panel_id}/{snapshot.version}/bed"
    return attachment(body, filename, bed.CONTENT_TYPE, stored_as, "bed")
