"""Where files live: static files on S3 behind CloudFront, private media.

* ``serverless.storage.s3``: the two S3 storages (django-storages). Static
  files get hashed names cached for a year; media stays in a private bucket and
  every link to it is presigned and expires.
* ``serverless.storage.local``: the ``USE_S3=FALSE`` stand-in for media, with
  the same contract (signed, expiring links served by the application).

Views and tasks use the helpers below (or ``default_storage``) and read the same
whichever is configured. This module imports neither boto3 nor the S3
backends, so loading it costs the Lambda init nothing, nor Django until a
helper is called: ``make deploy`` runs ``serverless.storage.publish`` with the
SAM CLI's Python, which has boto3 but no Django.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.http import HttpResponseRedirect


def media_url(name: str, *, expires_in: int | None = None, download_name: str | None = None) -> str:
    """An expiring link to a media file; ``download_name`` makes browsers save it under that name."""
    from django.core.files.storage import default_storage
    from django.utils.http import content_disposition_header

    parameters = {}
    if download_name:
        parameters["ResponseContentDisposition"] = content_disposition_header(True, download_name)
    return default_storage.url(name, parameters=parameters or None, expire=expires_in)


def media_exists(name: str) -> bool:
    """Whether a media file is there: one HEAD on S3, so a page can check before linking to it.

    Missing is False whether S3 answers 404 or, without ``s3:ListBucket``, 403;
    any other failure (S3 unreachable) raises, for the caller to tell apart.
    """
    from django.core.files.storage import default_storage

    from serverless.uploads import stat

    return stat(default_storage, name) is not None


def media_redirect(name: str, *, download_name: str | None = None) -> "HttpResponseRedirect":
    """Send the browser to the file itself: responses through the ALB stop at 1 MB."""
    from django.http import HttpResponseRedirect

    return HttpResponseRedirect(media_url(name, download_name=download_name))
