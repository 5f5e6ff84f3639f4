"""The direct-upload API, in three steps.

1. ``POST /uploads/`` with ``{"filename", "content_type", "size"}``: records a
   pending upload and answers a presigned form (``url`` + ``fields``).
2. The browser posts ``fields`` and the file to ``url`` (S3, or the local
   target when ``USE_S3=FALSE``); nothing passes through Lambda.
3. ``POST /uploads/<id>/confirm/``: checks what arrived against what was
   allowed and records it; importers then take the upload's id.

Errors are JSON ``{"error": ...}`` with a 4xx status; a confirm that comes too
early (409) can simply be repeated, and so can one that meets storage down (503).

Each user may hold ``UPLOAD_MAX_OPEN_PER_USER`` open forms at once and start
uploads of at most ``UPLOAD_MAX_BYTES_PER_USER_PER_DAY`` bytes in 24 hours; past
either, ``POST /uploads/`` answers 429 with ``Retry-After``. The form allows
the declared size and no more, so the declared sizes are what is counted.

Only curators start uploads (``accounts.policy.can_upload_files``): a file
reaches the site only to be imported, and only curators import. The file's
name is checked as it arrives, since it is shown on pages and in e-mail
subjects: control characters (NUL, CR, LF...) are refused, folders dropped,
invisible characters removed and a long name shortened
(``serverless.uploads.clean_file_name``).
"""

import json
import logging
import math
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from uuid import UUID

from accounts.policy import can_upload_files
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from serverless.ratelimit import ratelimit
from serverless.storage.local import LocalMediaStorage
from serverless.uploads import (
    PolicyError,
    check_local_policy,
    clean_file_name,
    has_control_characters,
    presigned_form,
    stat,
    upload_name,
)

from uploads.models import Upload

logger = logging.getLogger(__name__)

START_SHAPE = '{"filename": ..., "content_type": ..., "size": ...}'


def error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def too_many(message: str, *, retry_at: datetime) -> JsonResponse:
    response = error(message, 429)
    response["Retry-After"] = str(max(1, math.ceil((retry_at - timezone.now()).total_seconds())))
    return response


def storage_unavailable(action: str) -> JsonResponse:
    logger.exception("storage unavailable while %s", action)
    response = error("File storage cannot be reached just now; try again in a moment.", 503)
    response["Retry-After"] = "30"
    return response


def quota_refusal(user, size: int) -> JsonResponse | None:
    """429 when a new upload of ``size`` bytes would pass the user's limits; call with the user's row locked."""
    now = timezone.now()
    form_lifetime = timedelta(seconds=settings.UPLOAD_FORM_EXPIRY_SECONDS)
    pending = Upload.objects.filter(owner=user, confirmed_at__isnull=True, created_at__gt=now - form_lifetime)
    opened = list(pending.order_by("created_at").values_list("created_at", flat=True))
    if len(opened) >= settings.UPLOAD_MAX_OPEN_PER_USER:
        return too_many(
            f"You have {len(opened)} uploads waiting to be sent and confirmed (the limit is "
            f"{settings.UPLOAD_MAX_OPEN_PER_USER}); finish one or wait for its form to expire.",
            retry_at=opened[0] + form_lifetime,
        )
    today = Upload.objects.filter(owner=user, created_at__gt=now - timedelta(days=1))
    # What can land: the stored size once confirmed, the allowed size until then.
    used = today.aggregate(bytes=Sum(Coalesce("size", "max_size")))["bytes"] or 0
    limit = settings.UPLOAD_MAX_BYTES_PER_USER_PER_DAY
    if used + size > limit:
        first = today.order_by("created_at").values_list("created_at", flat=True).first() or now
        return too_many(
            f"This upload ({size} bytes) would pass your limit of {limit} bytes in 24 hours "
            f"({used} already used); try again later.",
            retry_at=first + timedelta(days=1),
        )
    return None


def login_required_json(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return error("Log in to upload files.", 401)
        return view(request, *args, **kwargs)

    return wrapper


@require_POST
@login_required_json
@ratelimit("upload-start", "UPLOAD_START_RATE")
def start(request: HttpRequest) -> JsonResponse:
    if not can_upload_files(request.user):
        return error("Only curators upload files: uploads are for importing panels, reviews and gene data.", 403)
    # Checked before the body is read: a multipart body has been streamed into request.POST already.
    if request.content_type != "application/json":
        return error(f"Send JSON (Content-Type: application/json): {START_SHAPE}.", 415)
    try:
        data = json.loads(request.body)
        filename = str(data["filename"])
        content_type = str(data["content_type"]).strip().lower()
        size = int(data.get("size") or settings.UPLOAD_MAX_BYTES)
    except (ValueError, KeyError, TypeError, AttributeError, OverflowError):
        return error(f"Send JSON: {START_SHAPE}.", 400)
    if has_control_characters(filename):
        # A line break in a name would reach e-mail headers; no browser sends one from a file picker.
        return error("The file name contains control characters (NUL, line breaks, tabs...); rename the file.", 400)
    filename = clean_file_name(filename)
    if not filename:
        return error("The file name is empty.", 400)
    if content_type not in settings.UPLOAD_CONTENT_TYPES:
        allowed = ", ".join(settings.UPLOAD_CONTENT_TYPES)
        return error(f"Files of type {content_type!r} are not accepted (accepted: {allowed}).", 400)
    if not 1 <= size <= settings.UPLOAD_MAX_BYTES:
        return error(f"Files must be between 1 and {settings.UPLOAD_MAX_BYTES} bytes.", 400)

    with transaction.atomic():
        # One start at a time per user, so two parallel starts cannot both pass the limits.
        get_user_model().objects.select_for_update().filter(pk=request.user.pk).first()
        if refusal := quota_refusal(request.user, size):
            return refusal
        upload = Upload.objects.create(
            owner=request.user,
            name=upload_name(request.user.pk, filename),
            original_name=filename,
            content_type=content_type,
            max_size=size,
        )
    form = presigned_form(
        storages["default"],
        upload.name,
        content_type=content_type,
        max_size=upload.max_size,
        expires_in=settings.UPLOAD_FORM_EXPIRY_SECONDS,
        local_url=request.build_absolute_uri(reverse("uploads:local-target")),
    )
    return JsonResponse(
        {
            "id": str(upload.id),
            "url": form.url,
            "fields": form.fields,
            "max_size": upload.max_size,
            "expires_in": settings.UPLOAD_FORM_EXPIRY_SECONDS,
        },
        status=201,
    )


@require_POST
@login_required_json
def confirm(request: HttpRequest, upload_id: UUID) -> JsonResponse:
    upload = Upload.objects.filter(pk=upload_id, owner=request.user).first()
    if upload is None:
        return error("No such upload.", 404)
    if upload.confirmed:
        return JsonResponse(upload.as_json())
    storage = storages["default"]
    try:
        stored = stat(storage, upload.name)
    except Exception:  # S3 unreachable, throttled or refusing: the client may simply confirm again
        return storage_unavailable(f"confirming upload {upload.pk}")
    if stored is None:
        return error("The file has not arrived yet; upload it, then confirm again.", 409)
    wrong_type = stored.content_type and stored.content_type.lower() != upload.content_type
    if stored.size > upload.max_size or wrong_type:
        # The policy should have stopped it; never keep what was not allowed.
        try:
            storage.delete(upload.name)
        except Exception:
            return storage_unavailable(f"discarding upload {upload.pk}")
        logger.warning(
            "Deleted upload %s outside its policy (%s bytes, %s)", upload.pk, stored.size, stored.content_type
        )
        return error("The file does not match what was allowed and has been discarded.", 400)
    upload.size = stored.size
    upload.confirmed_at = timezone.now()
    upload.save(update_fields=["size", "confirmed_at"])
    return JsonResponse(upload.as_json())


@csrf_exempt  # like S3's POST target: the signed policy is the credential
@require_POST
def local_target(request: HttpRequest) -> HttpResponse:
    """Where browsers post direct uploads when files are local (``USE_S3=FALSE``)."""
    storage = storages["default"]
    if not isinstance(storage, LocalMediaStorage):
        return error("Uploads go straight to S3.", 404)
    file = request.FILES.get("file")
    if file is None:
        return error("No file in the form (field 'file').", 400)
    try:
        name = check_local_policy(
            request.POST.get("policy", ""),
            key=request.POST.get("key", ""),
            content_type=request.POST.get("Content-Type", ""),
            size=file.size,
        )
    except PolicyError as refusal:
        return error(str(refusal), 403)
    if storage.exists(name):
        return error("This upload has already been received.", 409)
    saved = storage.save(name, file)
    if saved != name:  # a concurrent post won the name: keep only that one
        storage.delete(saved)
        return error("This upload has already been received.", 409)
    return HttpResponse(status=204)
