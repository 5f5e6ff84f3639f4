"""The direct-upload API, in three steps.

1. ``POST /uploads/`` with ``{"filename", "content_type", "size"}``: records a
   pending upload and answers a presigned form (``url`` + ``fields``).
2. The browser posts ``fields`` and the file to ``url`` (S3, or the local
   target when ``USE_S3=FALSE``); nothing passes through Lambda.
3. ``POST /uploads/<id>/confirm/``: checks what arrived against what was
   allowed and records it; importers then take the upload's id.

Errors are JSON ``{"error": ...}`` with a 4xx status; a confirm that comes too
early (409) can simply be repeated.
"""

import json
import logging
from collections.abc import Callable
from functools import wraps
from uuid import UUID

from django.conf import settings
from django.core.files.storage import storages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from serverless.ratelimit import ratelimit
from serverless.storage.local import LocalMediaStorage
from serverless.uploads import PolicyError, check_local_policy, presigned_form, stat, upload_name

from uploads.models import Upload

logger = logging.getLogger(__name__)


def error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


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
    try:
        data = json.loads(request.body)
        filename = str(data["filename"]).strip()
        content_type = str(data["content_type"]).strip().lower()
        size = int(data.get("size") or 1)
    except (ValueError, KeyError, TypeError, AttributeError):
        return error('Send JSON: {"filename": ..., "content_type": ..., "size": ...}.', 400)
    if not filename:
        return error("The file name is empty.", 400)
    if content_type not in settings.UPLOAD_CONTENT_TYPES:
        allowed = ", ".join(settings.UPLOAD_CONTENT_TYPES)
        return error(f"Files of type {content_type!r} are not accepted (accepted: {allowed}).", 400)
    if not 1 <= size <= settings.UPLOAD_MAX_BYTES:
        return error(f"Files must be between 1 and {settings.UPLOAD_MAX_BYTES} bytes.", 400)

    upload = Upload.objects.create(
        owner=request.user,
        name=upload_name(request.user.pk, filename),
        original_name=filename[:255],
        content_type=content_type,
        max_size=settings.UPLOAD_MAX_BYTES,
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
    stored = stat(storage, upload.name)
    if stored is None:
        return error("The file has not arrived yet; upload it, then confirm again.", 409)
    wrong_type = stored.content_type and stored.content_type.lower() != upload.content_type
    if stored.size > upload.max_size or wrong_type:
        # The policy should have stopped it; never keep what was not allowed.
        storage.delete(upload.name)
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
