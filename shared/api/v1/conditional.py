"""Conditional requests on API v1: ``ETag`` and ``Last-Modified`` on every 200, ``304 Not Modified`` when unchanged.

Pipelines that mirror PanelApp ask again every night; most of what they ask
has not changed. The ETag is a hash of the body served (so it changes exactly
when the bytes do, for this reader and this representation). The web adapter
gzips large answers and marks their ETag weak (``W/"..."``, as RFC 9110 asks
of a transformed body); Django's ``get_conditional_response`` compares
``If-None-Match`` weakly, so the weak form a client got back matches too.

``Last-Modified`` is exact where a view knows when its content was made (a
stored version's time); elsewhere it is the newest change to any panel (a
version or an activity), which is never earlier than the content's own. When
``If-None-Match`` is sent, ``If-Modified-Since`` is ignored (RFC 9110), so a
client that keeps ETags is always answered exactly.

A 304 does not count against the rate limit: the throttle leaves a
conditional request uncounted (``api.throttling``) and ``count_deferred``
counts it here once it is known not to end in 304.
"""

import hashlib
from datetime import datetime

from django.db.models import Max, Subquery
from django.db.models.functions import Greatest
from django.http import HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from panels.models import Activity, Panel
from rest_framework.request import Request

CONDITIONAL_HEADERS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")


def is_conditional(request: Request) -> bool:
    return request.method in ("GET", "HEAD") and any(request.META.get(name) for name in CONDITIONAL_HEADERS)


def newest_change() -> datetime | None:
    """When any panel last changed: its newest version or activity, whichever is later (one query)."""
    activity = Subquery(Activity.objects.order_by("-created").values("created")[:1])
    found = Panel.objects.aggregate(newest=Greatest(Max("version_created"), activity))
    return found["newest"]


def etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:40] + '"'


def answer(request: Request, response: HttpResponse, last_modified: datetime | None) -> HttpResponse:
    """``response`` with its validators, or a 304 if the client's copy is current."""
    if hasattr(response, "render"):
        response.render()
    response["ETag"] = etag(response.content)
    modified = last_modified or newest_change()
    if modified is not None:
        response["Last-Modified"] = http_date(modified.timestamp())
    timestamp = int(modified.timestamp()) if modified is not None else None
    return get_conditional_response(request._request, response["ETag"], timestamp, response) or response
