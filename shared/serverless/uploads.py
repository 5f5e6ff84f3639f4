"""Direct uploads: the browser sends the file to storage, never through Lambda.

The ALB stops request bodies at 1 MB, so a large file goes straight to S3 with
a presigned POST whose policy pins the object key (under a prefix of the
uploader's own), the content type and the size range. S3 refuses anything
else. Afterwards the application only looks at what arrived (``stat``).

``presigned_form``, ``stat`` and ``open_stored`` take the configured default storage,
``MediaStorage`` (S3) or ``LocalMediaStorage``. On S3 the form is posted to
``settings.AWS_S3_MEDIAFILES_UPLOAD_URL``, the bucket's regional address, which
the pages' Content-Security-Policy allows (the bucket's CORS allows the site in
turn). With local files
(``USE_S3=FALSE``) the form is posted to the application's own target
(``uploads.views.local_target``), which enforces the same policy, signed with
``SECRET_KEY``: callers see one interface.
"""

import posixpath
import re
import time
import unicodedata
import uuid
from dataclasses import dataclass
from typing import Any, BinaryIO

from django.conf import settings
from django.core import signing
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import Storage
from django.utils.text import get_valid_filename
from storages.utils import safe_join

from serverless.storage.local import LocalMediaStorage

LOCAL_POLICY_SALT = "serverless.uploads.local-policy"
MAX_NAME_LENGTH = 100
MAX_EXTENSION_LENGTH = 16
# What a name shown to people (pages, e-mail subjects, the admin) may be: a
# database column holds 255 characters, and a mail header no line break.
MAX_DISPLAY_NAME_LENGTH = 255
# Characters that are not text: controls (CR/LF, NUL, TAB), invisible formatting
# (right-to-left overrides that disguise an extension), line and paragraph
# separators, lone surrogates (which UTF-8, and so PostgreSQL, cannot store),
# private-use and unassigned code points.
NOT_TEXT = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class UploadForm:
    """What the browser needs: POST ``fields`` plus the file (last) to ``url``."""

    url: str
    fields: dict[str, str]


@dataclass(frozen=True)
class StoredObject:
    size: int
    content_type: str  # empty when the storage does not record it


def safe_file_name(original: str) -> str:
    """The client's file name reduced to a harmless last path component.

    Directories (either slash), traversal and odd characters go; the extension
    stays, as importers look at it.
    """
    base = posixpath.basename(original.replace("\\", "/"))
    try:
        name = get_valid_filename(base).lstrip(".")
    except SuspiciousFileOperation:  # nothing usable left, e.g. ".." or "???"
        name = ""
    stem, extension = posixpath.splitext(name or "upload")
    extension = extension[:MAX_EXTENSION_LENGTH]
    return (stem or "upload")[: MAX_NAME_LENGTH - len(extension)] + extension


def clean_file_name(original: str, max_length: int = MAX_DISPLAY_NAME_LENGTH) -> str:
    """A file name as people will see it: its last path component, as text, on one line, at most ``max_length``.

    Names arrive from browsers (``POST /uploads/``), operators (a command's
    path or s3:// key) and old rows; every one ends up in a page, an e-mail
    subject (where a line break makes ``send_mail`` refuse the message) and a
    255-character column. Characters that are not text become spaces, runs of
    spaces one space; a name too long keeps its extension. Empty when nothing
    is left.
    """
    base = original.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(" " if unicodedata.category(character) in NOT_TEXT else character for character in base)
    name = SPACES.sub(" ", text).strip()
    if len(name) <= max_length:
        return name
    stem, extension = posixpath.splitext(name)
    extension = extension if len(extension) <= MAX_EXTENSION_LENGTH else ""
    return stem[: max_length - len(extension) - 1].rstrip() + "…" + extension


def has_control_characters(name: str) -> bool:
    """Whether ``name`` holds control characters (NUL, CR, LF, TAB...) or lone surrogates: no name a person chose."""
    return any(unicodedata.category(character) in {"Cc", "Cs"} for character in name)


def upload_name(owner_id: Any, original: str) -> str:
    """``uploads/<owner>/<random>/<safe name>``: unique, so nobody's file is overwritten."""
    return f"uploads/{owner_id}/{uuid.uuid4().hex}/{safe_file_name(original)}"


def upload_prefix(name: str) -> str:
    return name.rsplit("/", 1)[0] + "/"


def presigned_form(
    storage: Storage, name: str, *, content_type: str, max_size: int, expires_in: int, local_url: str
) -> UploadForm:
    """A form that can store exactly ``name`` (≤ ``max_size`` bytes, ``content_type``) and nothing else."""
    if not isinstance(storage, LocalMediaStorage):
        key = safe_join(storage.location, name)
        post = storage.connection.meta.client.generate_presigned_post(
            Bucket=storage.bucket_name,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[
                ["starts-with", "$key", upload_prefix(key)],
                {"Content-Type": content_type},
                ["content-length-range", 1, max_size],
            ],
            ExpiresIn=expires_in,
        )
        # The policy is signed, not the address: the form goes to the bucket's address that
        # settings allow in the pages' Content-Security-Policy (connect-src), so the two agree.
        url = getattr(settings, "AWS_S3_MEDIAFILES_UPLOAD_URL", None) or post["url"]
        return UploadForm(url=url, fields=post["fields"])
    policy = {"name": name, "content_type": content_type, "max_size": max_size, "expires": time.time() + expires_in}
    token = signing.dumps(policy, salt=LOCAL_POLICY_SALT)
    return UploadForm(url=local_url, fields={"key": name, "Content-Type": content_type, "policy": token})


class PolicyError(ValueError):
    """The upload does not match the policy it was sent with."""


def check_local_policy(token: str, *, key: str, content_type: str, size: int) -> str:
    """What S3 checks for a presigned POST, for the local stand-in; returns the name to store."""
    try:
        policy = signing.loads(token, salt=LOCAL_POLICY_SALT)
    except signing.BadSignature as error:
        raise PolicyError("Invalid upload policy.") from error
    if policy["expires"] < time.time():
        raise PolicyError("The upload form has expired.")
    if key != policy["name"]:
        raise PolicyError("The key is not the one this form allows.")
    if content_type != policy["content_type"]:
        raise PolicyError("The content type is not the one this form allows.")
    if not 1 <= size <= policy["max_size"]:
        raise PolicyError(f"The file must be between 1 and {policy['max_size']} bytes.")
    return policy["name"]


def stat(storage: Storage, name: str) -> StoredObject | None:
    """Size and type of a stored file, or ``None`` if nothing is there (one request on S3)."""
    if not isinstance(storage, LocalMediaStorage):
        from botocore.exceptions import ClientError  # only S3 needs botocore

        try:
            head = storage.connection.meta.client.head_object(
                Bucket=storage.bucket_name, Key=safe_join(storage.location, name)
            )
        except ClientError as error:
            # Without s3:ListBucket a missing key answers 403, not 404.
            if error.response["ResponseMetadata"]["HTTPStatusCode"] in {403, 404}:
                return None
            raise
        return StoredObject(size=head["ContentLength"], content_type=head.get("ContentType", ""))
    if not storage.exists(name):
        return None
    # The file system keeps no type; the local target already enforced it.
    return StoredObject(size=storage.size(name), content_type="")


def open_stored(storage: Storage, name: str) -> BinaryIO:
    """A stored file as a stream of bytes, read from storage as it is consumed.

    ``storage.open()`` on S3 copies the whole object into memory first (the
    storage's spooled file never rolls over to disk by default); an import of
    a 100 MiB file must not, so on S3 this is ``GetObject``'s own body.
    """
    if not isinstance(storage, LocalMediaStorage):
        response = storage.connection.meta.client.get_object(
            Bucket=storage.bucket_name, Key=safe_join(storage.location, name)
        )
        return response["Body"]
    return storage.open(name, "rb")
