"""What a static file's name says about how it is stored: its type and how long it may be cached.

Shared by ``StaticStorage`` (``collectstatic`` on Lambda) and
``serverless.storage.publish`` (the deploy's upload ahead of the code), so both
store a file alike. Standard library only: the deploy runs it without Django.
"""

import mimetypes
import re

# Exact types let CloudFront compress (it only compresses known text types) and
# browsers trust them under X-Content-Type-Options: nosniff. Python's table
# lacks a few that front-end builds produce.
for _type, _extension in (
    ("font/woff2", ".woff2"),
    ("font/woff", ".woff"),
    ("application/json", ".map"),
    ("application/manifest+json", ".webmanifest"),
    ("text/javascript", ".mjs"),
):
    mimetypes.add_type(_type, _extension)

# HashedFilesMixin inserts the first 12 hex digits of the MD5 before the suffix.
HASHED_NAME = re.compile(r"\.[0-9a-f]{12}(\.[^./]+)?$")
CACHE_FOREVER = "public, max-age=31536000, immutable"
# Unhashed copies and the manifest: short enough for a release to show quickly.
CACHE_BRIEFLY = "public, max-age=300"


def is_hashed(name: str) -> bool:
    """Whether ``name`` carries its content's hash (so it never changes and may be cached for a year)."""
    return HASHED_NAME.search(name) is not None


def cache_control(name: str) -> str:
    return CACHE_FOREVER if is_hashed(name) else CACHE_BRIEFLY


def content_type(name: str) -> str:
    """The type django-storages would store ``name`` with."""
    return mimetypes.guess_type(name)[0] or "application/octet-stream"
