"""What changed between two versions of a panel (``panels.diffs``): the page, its TSV, and the form that picks them.

``/panels/<pk>/diff/<from>/<to>/`` lists the lines of change, 250 a page: a
diff of two versions of a 4,000-gene super panel is thousands of lines, more
than one response through the ALB (1 MB) may carry. The TSV
(``.../tsv/``) holds every line, stored once and redirected to when large, as
the panel downloads are.
"""

import hashlib
import io

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_safe
from serverless.storage import media_redirect

from panels import diffs, exports, tsv
from panels.downloads import INLINE_MAX_BYTES
from panels.file_names import attachment_header, panel_file_name
from panels.models import HistoricalSnapshot, Panel
from panels.pages.common import bad_request, readable_panels

LINES_PER_PAGE = 250
VERSIONS_OFFERED = 200


@require_GET
def diff_latest(request: HttpRequest, pk: int) -> HttpResponse:
    """The form's target (``?from=&to=``), and by default the latest version against the one before it."""
    panel = get_object_or_404(readable_panels(request), pk=pk)
    try:
        old, new = diffs.find_versions(
            panel, request.GET.get("from", "").strip() or None, request.GET.get("to", "").strip() or None
        )
    except ValidationError as error:
        return bad_request(request, error.messages[0])
    except diffs.VersionNotFound as error:
        raise Http404(str(error)) from None
    return redirect("panels:diff", pk=panel.pk, from_version=old.version, to_version=new.version)


@require_GET
def diff_page(request: HttpRequest, pk: int, from_version: str, to_version: str) -> HttpResponse:
    panel, found = _diff(request, pk, from_version, to_version)
    if isinstance(found, HttpResponse):
        return found
    page = Paginator(found.lines, LINES_PER_PAGE).get_page(request.GET.get("page"))
    versions = panel.snapshots.defer(*HistoricalSnapshot.TEXT_FIELDS).order_by("-major_version", "-minor_version")
    context = {
        "panel": panel,
        "diff": found,
        "page": page,
        "summary": found.summary,
        "versions": list(versions.only("major_version", "minor_version", "created")[:VERSIONS_OFFERED]),
    }
    return render(request, "panels/diff.html", context)


@require_safe
def diff_tsv(request: HttpRequest, pk: int, from_version: str, to_version: str) -> HttpResponse:
    """Every line of the diff as TSV: the page's lines, with before and after in columns of their own."""
    panel, found = _diff(request, pk, from_version, to_version)
    if isinstance(found, HttpResponse):
        return found
    body = "".join(found.tsv_lines()).encode()
    filename = panel_file_name(panel.name, found.old.version, "tsv", f"to-v{found.new.version}")
    if len(body) > INLINE_MAX_BYTES:
        digest = hashlib.sha256(body).hexdigest()
        name = f"downloads/panels/{panel.pk}/diff/{found.old.version}-{found.new.version}-{digest}.tsv"
        return media_redirect(exports.store_once(name, io.BytesIO(body)), download_name=filename)
    response = HttpResponse(body, content_type=tsv.CONTENT_TYPE)
    response["Content-Disposition"] = attachment_header(filename)
    return response


def _diff(request: HttpRequest, pk: int, old: str, new: str) -> tuple[Panel, diffs.Diff | HttpResponse]:
    panel = get_object_or_404(readable_panels(request), pk=pk)
    try:
        versions = diffs.find_versions(panel, old, new)
    except ValidationError as error:
        return panel, bad_request(request, error.messages[0])
    except diffs.VersionNotFound as error:
        raise Http404(str(error)) from None
    return panel, diffs.diff_versions(panel, *versions)
