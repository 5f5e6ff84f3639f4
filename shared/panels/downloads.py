"""Panels as upstream PanelApp's TSV files: one panel in the request, everything else through the worker.

``/panels/<pk>/download/<categories>/`` writes one version of one panel from
its stored snapshot (``?version=1.15`` for an old one). Lambda responses
through the ALB stop at 1 MB, so a file above ``INLINE_MAX_BYTES`` is stored
in the media bucket under a name made of the panel, version, categories and
a hash of the content (stored once, however often it is asked for) and the
answer is a redirect to an expiring presigned link.

``/panels/download_panel/`` and the genes, STRs and regions files are built by
the worker (``panels.exports``); these views only redirect to the newest one
written in the current format (``exports.servable``).

A panel file is written afresh from its snapshot on every request, so each one
served passes through ``tsv.neutralise_cell``; a large one stored before that
rule existed is never linked again, since its name is the hash of content that
is no longer written.
"""

import hashlib
import io
import json
import logging

from accounts.policy import visible_panels
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe
from serverless.storage import media_redirect

from panels import exports, flags, tsv
from panels.file_names import attachment_header, panel_file_name
from panels.models import Evaluation, ExportFile, HistoricalSnapshot, Panel
from panels.services import parse_version

log = logging.getLogger(__name__)

# Well under the ALB's 1 MB response limit, leaving room for headers.
INLINE_MAX_BYTES = 512 * 1024
# What a client asking for an export not built (or being rebuilt) is told to wait: a build takes up to a minute.
BUILD_RETRY_SECONDS = 60


def error_page(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    return render(request, "panels/download_error.html", {"title": title, "message": message}, status=status)


@require_safe
def panel_tsv(request: HttpRequest, pk: int, categories: str) -> HttpResponse:
    """One panel version's entities at the given confidence levels, in upstream's 36 columns."""
    # "This colour or better": ?min_confidence=2 keeps amber and green of the categories asked for.
    least = request.GET.get("min_confidence", "")
    if least and least not in {"0", "1", "2", "3"}:
        message = f"“{least}” is not a confidence level: use 0 (no list), 1 (red), 2 (amber) or 3 (green)."
        return error_page(request, 400, "Unknown confidence level", message)
    if (refused := categories_refused(request, categories)) is not None:
        return refused
    found = requested_version(request, pk)
    if isinstance(found, HttpResponse):
        return found
    panel, snapshot = found
    data = json.loads(snapshot.data)
    # Reviewers' ratings and the curators' marks are live; an old version's are not known, and stay empty.
    current = (snapshot.major_version, snapshot.minor_version) == (panel.major_version, panel.minor_version)
    ratings = rating_counts(data) if current else None
    marks = flags.entity_marks(flags.source_panel_ids(data)) if current else None
    # 4 (green and ready) is at least any level; none left is the header alone.
    kept = "".join(digit for digit in categories if digit >= least) if least else categories
    body = tsv.panel_tsv(data, kept, ratings=ratings, marks=marks).encode()
    stored_as = f"downloads/panels/{panel.pk}/{snapshot.version}/{categories}"
    filename = panel_file_name(panel.name, snapshot.version, "tsv")
    return attachment(body, filename, tsv.CONTENT_TYPE, stored_as, "tsv")


def categories_refused(request: HttpRequest, categories: str) -> HttpResponse | None:
    """The error page for a category string that is not one (``34`` green, ``01234`` all), else None."""
    if tsv.valid_categories(categories):
        return None
    return error_page(
        request,
        400,
        "Unknown categories",
        f"“{categories}” is not a list of categories. Use the digits 0 to 4: 3 green, 2 amber, 1 red, "
        "0 no list; for example 34 for the green list or 01234 for the whole panel.",
    )


def requested_version(request: HttpRequest, pk: int) -> tuple[Panel, HistoricalSnapshot] | HttpResponse:
    """The panel and the version a download asks for (``?version=``, else the current), or the page saying why not."""
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
    return panel, snapshot


def attachment(body: bytes, filename: str, content_type: str, stored_as: str, extension: str) -> HttpResponse:
    """The file as an attachment; too large to send inline, stored once (``<stored_as>-<sha256>``) and redirected."""
    if len(body) > INLINE_MAX_BYTES:
        name = f"{stored_as}-{hashlib.sha256(body).hexdigest()}.{extension}"
        return media_redirect(exports.store_once(name, io.BytesIO(body)), download_name=filename)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = attachment_header(filename)
    return response


def rating_counts(panel_data: dict) -> tsv.Ratings:
    """Green, amber and red reviews of every entity of the panel (a super panel's: its children's), in one query."""
    panel_ids = {panel_data["id"]}
    for collection in ("genes", "strs", "regions"):
        panel_ids.update(entity["panel"]["id"] for entity in panel_data[collection] if entity.get("panel"))
    counts = (
        Evaluation.objects.filter(entity__panel_id__in=panel_ids)
        .values_list("entity__panel_id", "entity__entity_type", "entity__entity_name")
        .annotate(
            green=Count("pk", filter=Q(rating=Evaluation.Rating.GREEN)),
            amber=Count("pk", filter=Q(rating=Evaluation.Rating.AMBER)),
            red=Count("pk", filter=Q(rating=Evaluation.Rating.RED)),
        )
        .order_by()
    )
    return {(panel_id, kind, name): (green, amber, red) for panel_id, kind, name, green, amber, red in counts}


def _export_view(kind: str):
    @require_safe
    def download(request: HttpRequest) -> HttpResponse:
        export = ExportFile.objects.filter(kind=kind).first()
        # A file of an older format may hold live formulas: until it is rebuilt, it is as good as not built.
        servable = exports.servable(export)
        # Why there is no file to link, for the page: never built, built in an older format, or lost from storage.
        missing_because = "format" if export and export.name and not servable else "never"
        if servable:
            # One HEAD: a file gone from storage is rebuilt, never linked (storage would answer with its XML error).
            try:
                servable = not exports.forget_missing(export)
            except Exception:
                log.exception("Could not check the %s export in storage", kind)
                return error_page(
                    request, 503, "Downloads unavailable", "File storage is not answering; try again in a minute."
                )
            missing_because = "lost"
        elif export and export.built_at and not export.name:
            # Found lost on an earlier request (forget_missing cleared the name): still a rebuild, not a first build.
            missing_because = "lost"
        if not servable:
            exports.schedule_rebuild(delay_seconds=0, stale_after=exports.LOST_BUILD_AFTER)
            context = {
                "label": ExportFile.Kind(kind).label,
                "missing_because": missing_because,
                "built_at": export.built_at if export else None,
            }
            # 202: the build is under way (not an outage, which a 503 would report to monitoring).
            response = render(request, "panels/download_pending.html", context, status=202)
            response["Retry-After"] = str(BUILD_RETRY_SECONDS)
            return response
        return media_redirect(export.name, download_name=exports.download_name(export))

    download.__name__ = download.__qualname__ = f"all_{kind}"
    download.__doc__ = f"A redirect to the newest {ExportFile.Kind(kind).label.lower()} file, or why there is none."
    return download


all_panels = _export_view(ExportFile.Kind.PANELS)
all_genes = _export_view(ExportFile.Kind.GENES)
all_strs = _export_view(ExportFile.Kind.STRS)
all_regions = _export_view(ExportFile.Kind.REGIONS)
