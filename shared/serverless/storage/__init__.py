"""Where files live: static files on S3 behind CloudFront, private media.

* ``serverless.storage.s3``: the two S3 storages (django-storages). Static
  files get hashed names cached for a year; media stays in a private bucket and
  every link to it is presigned and expires.
* ``serverless.storage.local``: the ``USE_S3=FALSE`` stand-in for media, with
  the same contract (signed, expiring links served by the application).

Views and tasks use the helpers below (or ``default_storage``) and read the same
whichever is configured. This module imports neither boto3 nor the S3
backends, so loading it costs the Lambda init nothing.
"""

from django.core.files.storage import default_storage
from django.http import HttpResponseRedirect
from django.utils.http import content_disposition_header


def media_url(name: str, *, expires_in: int | None = None, download_name: str | None = None) -> str:
    """An expiring link to a media file; ``download_name`` makes browsers save it under that name."""
    parameters = {}
    if download_name:
        parameters["ResponseContentDisposition"] = content_disposition_header(True, download_name)
    return default_storage.url(name, parameters=parameters or None, expire=expires_in)


def media_redirect(name: str, *, download_name: str | None = None) -> HttpResponseRedirect:
    """Send the browser to the file itself: responses through the ALB stop at 1 MB."""
    return HttpResponseRedirect(media_url(name, download_name=download_name))
