"""What changed, when, by whom: filtered by panel, version, entity and dates; a CSV for curators.

Paged newest first by cursor (panels.keyset): "Older" and "Newer" links carry
where the page ends, so the oldest page reads as few rows as the newest and no
page counts the table. Each filter is served by an index of ``Activity``.
Numbered links from before (``?page=N``) still land: 1 on the newest page,
``last`` on the oldest, any other number on the newest with a note.
"""

from datetime import date, datetime, time, timedelta
from itertools import chain

from accounts import policy
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from panels import services
from panels.keyset import InvalidCursor
from panels.models import Activity
from panels.pages.common import bad_request, clean_text, readable_panels
from panels.queries import ACTIVITY_ORDER
from panels.tsv import delimited_lines

PER_PAGE = 50
# A CSV answer must fit a Lambda response (1 MB): the newest rows matching the filters.
CSV_ROWS = 5000


@require_GET
def activity(request: HttpRequest) -> HttpResponse:
    panels = readable_panels(request)
    entries = Activity.objects.filter(panel__in=panels)
    panel_id = request.GET.get("panel", "")
    version = clean_text(request, "version", 16)
    entity = clean_text(request, "entity", 128)
    context = {
        "panels": panels.order_by("name").values_list("pk", "name"),
        "panel": int(panel_id) if panel_id.isascii() and panel_id.isdigit() else None,
        "version": version,
        "entity": entity,
        "date_from": request.GET.get("date_from", ""),
        "date_to": request.GET.get("date_to", ""),
        "may_export": policy.can_curate(request.user),
        "csv_rows": CSV_ROWS,
    }
    try:
        since, until = _date(request, "date_from"), _date(request, "date_to")
        _check_filters(panel_id, version)
    except ValueError as error:
        # A filter that cannot match would list nothing and read as "no changes": the page says what is wrong.
        return render(request, "panels/activity.html", {**context, "error": str(error)}, status=400)
    if panel_id:
        entries = entries.filter(panel_id=int(panel_id))
    if version:
        entries = entries.filter(panel_version=version)
    if entity:
        entries = entries.filter(entity_name__iexact=entity)
    if since:
        entries = entries.filter(created__gte=_start_of(since))
    if until:
        entries = entries.filter(created__lt=_start_of(until + timedelta(days=1)))
    entries = entries.order_by("-created", "-id")

    if request.GET.get("format") == "csv":
        if not context["may_export"]:
            return render(request, "403.html", {"message": "The CSV export is for curators."}, status=403)
        return _csv(entries)
    number, cursor = request.GET.get("page", ""), request.GET.get("cursor", "")
    try:
        if number == "last" and not cursor:
            page = ACTIVITY_ORDER.last(entries, PER_PAGE)
        else:
            page = ACTIVITY_ORDER.page(entries, cursor, PER_PAGE)
    except InvalidCursor:
        return bad_request(request, "This page link is damaged or was not made here: start again from the newest.")
    context |= {
        "page": page,
        # An old numbered link past the first page: its rows cannot be found without reading every page before.
        "renumbered": number not in ("", "1", "last") and not cursor,
        "oldest": number == "last" and not cursor,
    }
    return render(request, "panels/activity.html", context)


def _check_filters(panel_id: str, version: str) -> None:
    """A ValueError saying which of the panel and version filters is malformed."""
    if panel_id and not (panel_id.isascii() and panel_id.isdigit()):
        raise ValueError(f"Panel {panel_id!r} is not a panel id.")
    if version:
        try:
            services.parse_version(version)
        except ValidationError:
            raise ValueError(f"Version {version!r} is not a panel version: expected MAJOR.MINOR, e.g. 1.15.") from None


def _date(request: HttpRequest, name: str) -> date | None:
    value = request.GET.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name.replace('_', ' ').capitalize()} {value!r} is not a date (YYYY-MM-DD).") from None


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def _csv(entries) -> HttpResponse:
    """The newest entries as CSV, written by ``panels.tsv`` so a cell a spreadsheet would run is neutralised."""
    header = ["Date", "Panel", "Panel ID", "Panel Version", "Entity Type", "Entity Name", "User", "Activity"]
    rows = entries.values_list(
        "created", "panel_name", "panel_id", "panel_version", "entity_type", "entity_name", "user_name", "text"
    )[:CSV_ROWS]
    lines = delimited_lines(chain([header], ((created.isoformat(), *rest) for created, *rest in rows)), delimiter=",")
    response = HttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="panelapp-activity.csv"'
    return response
