"""``/panels/<pk>/download/<categories>/bed/<build>/``: a panel version's regions as BED (``panels.bed``).

Beside the TSV downloads and answered like them: the same category digits,
``?version=`` for an old version, the site's error pages for a bad request.
``?padding=`` widens each interval on both sides. A file above the inline
limit (a super panel of tens of thousands of entities) is stored once in the
media bucket and answered by a redirect, as a large TSV is.
"""

import hashlib
import io
import json

from accounts.policy import visible_panels
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe
from serverless.storage import media_redirect

from panels import bed, exports, tsv
from panels.downloads import INLINE_MAX_BYTES, error_page
from panels.models import HistoricalSnapshot
from panels.services import parse_version


@require_safe
def panel_bed(request: HttpRequest, pk: int, categories: str, build: str) -> HttpResponse:
    """One panel version's genes, STRs and regions at the given confidence levels, placed on one build."""
    if not tsv.valid_categories(categories):
        return error_page(
            request,
            400,
            "Unknown categories",
            f"“{categories}” is not a list of categories. Use the digits 0 to 4: 3 green, 2 amber, 1 red, "
            "0 no list; for example 34 for the green list or 01234 for the whole panel.",
        )
    try:
        build = bed.parse_build(build)
        padding = bed.parse_padding(request.GET.get("padding", ""))
    except ValueError as error:
        return error_page(request, 400, "Cannot write this file", str(error))
    panel = visible_panels(request.user, retired=True).filter(pk=pk)
    panel = panel.only("pk", "name", "major_version", "minor_version").first()
    if panel is None:
        return error_page(request, 404, "Panel not found", f"There is no panel {pk}.")
    major, minor = panel.major_version, panel.minor_version
    if "version" in request.GET:
        try:
            major, minor = parse_version(request.GET["version"])
        except ValidationError as error:
            return error_page(request, 400, "Unknown version", error.messages[0])
    snapshot = HistoricalSnapshot.objects.filter(panel=panel, major_version=major, minor_version=minor)
    snapshot = snapshot.only("panel_id", "major_version", "minor_version", *HistoricalSnapshot.TEXT_FIELDS).first()
    if snapshot is None:
        return error_page(request, 404, "Version not found", f"{panel.name} has no version {major}.{minor}.")
    body = bed.panel_bed(json.loads(snapshot.data), categories, build, padding).encode()
    return bed_response(body, bed.download_name(panel.name, snapshot.version, build, categories), snapshot)


def bed_response(body: bytes, filename: str, snapshot: HistoricalSnapshot) -> HttpResponse:
    """The file as an attachment, or a redirect to it stored once when it is too large to answer inline."""
    if len(body) > INLINE_MAX_BYTES:
        digest = hashlib.sha256(body).hexdigest()
        name = f"downloads/panels/{snapshot.panel_id}/{snapshot.version}/bed-{digest}.bed"
        return media_redirect(exports.store_once(name, io.BytesIO(body)), download_name=filename)
    response = HttpResponse(body, content_type=bed.CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
