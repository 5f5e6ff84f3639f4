"""Media on the local file system (``USE_S3=FALSE``), private as on S3.

Links are signed with ``SECRET_KEY`` and expire like presigned S3 URLs, and
only ``serve_media`` (mounted by ``panelapp.urls``) hands the files out.
"""

import mimetypes
import time
from urllib.parse import urlencode

from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.storage import FileSystemStorage, storages
from django.http import FileResponse, Http404, HttpRequest

MEDIA_URL_SALT = "serverless.storage.local.media-url"


class LocalMediaStorage(FileSystemStorage):
    """``FileSystemStorage`` whose URLs carry a signed, expiring grant."""

    def __init__(self, *args, querystring_expire: int = 3600, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.querystring_expire = querystring_expire

    def url(self, name: str, parameters: dict | None = None, expire: int | None = None) -> str:
        """Like ``S3Storage.url``: ``parameters`` may carry ``ResponseContentDisposition``."""
        grant = {
            "name": name,
            "expires": int(time.time()) + (expire or self.querystring_expire),
            "disposition": (parameters or {}).get("ResponseContentDisposition", ""),
        }
        token = signing.dumps(grant, salt=MEDIA_URL_SALT)
        return f"{super().url(name)}?{urlencode({'token': token})}"


def serve_media(request: HttpRequest, path: str) -> FileResponse:
    """Serve a local media file to whoever holds an unexpired link to it."""
    storage = storages["default"]
    if not isinstance(storage, LocalMediaStorage):
        raise Http404("Media files are not served by the application.")
    try:
        grant = signing.loads(request.GET.get("token", ""), salt=MEDIA_URL_SALT)
    except signing.BadSignature as error:
        raise PermissionDenied("This link is invalid.") from error
    if grant["name"] != path:
        raise PermissionDenied("This link is for another file.")
    if grant["expires"] < time.time():
        raise PermissionDenied("This link has expired.")
    if not storage.exists(path):
        raise Http404("No such file.")
    content_type, _ = mimetypes.guess_type(path)
    response = FileResponse(storage.open(path), content_type=content_type or "application/octet-stream")
    if grant["disposition"]:
        response["Content-Disposition"] = grant["disposition"]
    response["Cache-Control"] = "private, no-store"
    return response
