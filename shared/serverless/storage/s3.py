"""The S3 storages (django-storages): static behind CloudFront, private media.

* ``StaticStorage`` writes hashed names (``site.3f2a9c1b7d4e.css``) that can be
  cached for a year, stores them uncompressed with an exact ``Content-Type`` so
  CloudFront can serve brotli or gzip to whichever client asks, and gives only
  the hashed names the year-long ``Cache-Control``: the manifest and the
  unhashed copies change with every release.
* ``MediaStorage`` keeps the bucket private: no ACLs, every URL handed out is
  presigned (or a CloudFront signed URL) and expires, and a name already taken
  is never overwritten.

Credentials are never passed in: boto3 finds the Lambda role itself, or
``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` on an operator's machine.
"""

import logging
import time
from pathlib import Path

from django.conf import settings
from storages.backends.s3 import S3ManifestStaticStorage, S3Storage

from serverless.clients import client_config
from serverless.storage.names import cache_control  # also registers the types Python lacks

log = logging.getLogger(__name__)

# After the bucket failed to give its manifest, pages link unhashed copies and
# the manifest is asked for again after this many seconds.
MANIFEST_RETRY_SECONDS = 60


class StaticStorage(S3ManifestStaticStorage):
    """Collected static files in their bucket, under ``location``, hashed.

    No ACL: CloudFront reads the private bucket through its origin access control.

    The manifest (names to hashed names) is what every page's ``{% static %}``
    needs. It is read from the build (``STATIC_MANIFEST_FILE``, written by
    ``python -m serverless.storage.manifest``) when the build has one, so pages
    never wait for S3; otherwise from the bucket, and if the bucket is slow or
    down, pages link the unhashed copies (also in the bucket) rather than fail,
    and the manifest is asked for again a minute later.
    """

    manifest_failed_at: float | None = None

    def read_manifest(self) -> str | None:
        bundled = getattr(settings, "STATIC_MANIFEST_FILE", None)
        if bundled and Path(bundled).is_file():
            return Path(bundled).read_text()
        try:
            content = super().read_manifest()
        except Exception as error:  # botocore's connection, timeout and access errors alike
            log.warning("static manifest unreadable from S3, linking unhashed names for now: %r", error)
            self.manifest_failed_at = time.monotonic()
            return None
        self.manifest_failed_at = None
        return content

    def stored_name(self, name: str) -> str:
        if self.manifest_failed_at is not None and time.monotonic() - self.manifest_failed_at > MANIFEST_RETRY_SECONDS:
            self.hashed_files, self.manifest_hash = self.load_manifest()
        if self.manifest_failed_at is not None:
            # Without a manifest, hashing would read each file from S3: the unhashed copy instead.
            return self.clean_name(name)
        return super().stored_name(name)

    def get_default_settings(self) -> dict:
        return {
            **super().get_default_settings(),
            "default_acl": None,
            "signature_version": "s3v4",
            # Built here, with the storage, not in settings: botocore stays out of the web function's init.
            "client_config": client_config(),
        }

    def get_object_parameters(self, name: str) -> dict:
        parameters = super().get_object_parameters(name)
        parameters.setdefault("CacheControl", cache_control(name))
        return parameters


class MediaStorage(S3Storage):
    """Uploaded and generated files: private, reached only through expiring links.

    With a media custom domain the links are CloudFront signed URLs, which needs
    ``cloudfront_key_id`` and ``cloudfront_key``; settings refuse a custom domain
    without them, as plain CloudFront links would make media public.
    """

    def get_default_settings(self) -> dict:
        return {
            **super().get_default_settings(),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
            "signature_version": "s3v4",
            "client_config": client_config(),
        }
