"""A panel version's JSON too large to answer inline: stored once, served by a redirect to the stored file.

``GET /api/v1/panels/<id>/`` (and ``?version=``) serves a version's stored
text byte for byte. The real PanelApp's largest panels answer megabytes, more
than the ALB passes on (1 MB) unless gzipped, and the super panels more than
Lambda does (6 MB) for a client that does not accept gzip. Such an answer is
written to the media bucket under a name made of the panel, the version and a
hash of the text (so a version is stored once, however often it is asked for,
and text written differently is a new file) and the client is redirected to an
expiring link to it, as the large TSV downloads are (``panels.downloads``).
A client that follows redirects gets the same bytes it would have got inline.

Whether an answer fits is decided by ``serverless.web.body_fits``, the code
that compresses and sends it, for the way this request came in.
"""

import hashlib
import io

from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from panels.exports import store_once
from panels.models import HistoricalSnapshot
from rest_framework.request import Request
from serverless.storage import media_redirect
from serverless.web import body_fits

from api.v1.renderers import BrowsableAPI

JSON = "application/json"


def stored_name(snapshot: HistoricalSnapshot, body: bytes) -> str:
    """Where a version's JSON is stored: by panel, version and the hash of the exact bytes served."""
    digest = hashlib.sha256(body).hexdigest()
    return f"api/v1/panels/{snapshot.panel_id}/{snapshot.version}/{digest}.json"


def fits(request: Request, body: bytes) -> bool:
    """Whether ``body`` can be answered inline to this request.

    A browser's page (the browsable API) shows the JSON indented and escaped,
    larger than the JSON: if the JSON alone would not fit as that page, the
    browser is sent to the file too. A page that still turns out too large is
    answered by the web handler's 500, never a 502.
    """
    page = isinstance(request.accepted_renderer, BrowsableAPI)
    return body_fits(request.META, body, "text/html" if page else JSON)


def redirect_to_stored(snapshot: HistoricalSnapshot, body: bytes) -> HttpResponse:
    """A redirect to the version's JSON in the media bucket, written there first if it is not yet."""
    return redirect_to_file(stored_name(snapshot, body), body)


def redirect_to_answer(folder: str, body: bytes) -> HttpResponse:
    """As ``redirect_to_stored``, for an answer made up of many panels (stored by the hash of its bytes)."""
    return redirect_to_file(f"{folder}/{hashlib.sha256(body).hexdigest()}.json", body)


def redirect_to_file(name: str, body: bytes) -> HttpResponse:
    name = store_once(name, io.BytesIO(body))
    response = media_redirect(name)
    # Whether a client is redirected depends on what it accepts, and the link expires: no cache keeps it.
    patch_vary_headers(response, ["Accept-Encoding"])
    add_never_cache_headers(response)
    return response
