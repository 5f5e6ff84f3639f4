"""Curators' upload pages at upstream's ``/panels/admin/``: send a file, then follow its import.

The browser sends the file straight to S3 (``uploads``: presigned POST, then
confirm) with ``imports/upload.js``; the form then names the confirmed upload
and the import is queued for the worker. The import's page shows its
progress, every bad row, or the panels and versions it made.
"""

from uuid import UUID

from accounts.policy import can_curate
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from panels.imports import jobs
from panels.imports.forms import ImportForm
from panels.imports.models import ImportJob
from panels.imports.tasks import run_import

RECENT_IMPORTS = 20
# Problems listed per page of an import's report: with messages cut to
# ``files.MAX_MESSAGE_CHARS`` a page stays far below the ALB's 1 MB response limit.
ERRORS_PER_PAGE = 100
SECTIONS = [
    (
        ImportJob.Kind.PANELS,
        "Import panels",
        "A panel file: the 36 tab-separated columns of a panel download. Level4 names the panel; "
        "a panel of that name is updated, otherwise created.",
    ),
    (
        ImportJob.Kind.REVIEWS,
        "Import reviews",
        "A reviews file: upstream's 22 tab-separated columns, one review of a gene on a panel per row, "
        "by an existing user.",
    ),
    (
        ImportJob.Kind.GENES,
        "Import gene data",
        "HGNC's complete set (hgnc_complete_set.txt) or PanelApp's gene JSON. Panels with changed genes "
        "get a new version.",
    ),
]


def _curator(request: HttpRequest) -> None:
    if not can_curate(request.user):
        raise PermissionDenied("Only curators import files.")


@require_GET
@login_required
def upload_page(request: HttpRequest) -> HttpResponse:
    _curator(request)
    return _render_page(request, ImportForm(user=request.user))


@require_POST
@login_required
def start_import(request: HttpRequest) -> HttpResponse:
    _curator(request)
    form = ImportForm(request.POST, user=request.user)
    if not form.is_valid():
        return _render_page(request, form, status=400)
    upload = form.cleaned_data["upload"]
    job = jobs.create_job(
        form.cleaned_data["kind"],
        source=upload.name,
        file_name=upload.original_name,
        user=request.user,
        upload=upload,
    )
    transaction.on_commit(lambda: run_import.enqueue(str(job.pk)))
    return redirect("imports:job", job_id=job.pk)


@require_GET
@login_required
def job_page(request: HttpRequest, job_id: UUID) -> HttpResponse:
    _curator(request)
    job = get_object_or_404(ImportJob.objects.select_related("user"), pk=job_id)
    # A page out of range shows the last; a page that is not a number, the first.
    errors = Paginator(job.errors, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"job": job, "errors": errors, "stopped": None}
    unchecked = job.summary.get("lines_not_checked") if job.status == ImportJob.Status.FAILED else None
    if unchecked is not None:
        # The checker's report is its problems and then the line saying it stopped.
        context["stopped"] = {"problems": f"{len(job.errors) - 1:,}", "lines": f"{unchecked:,}" if unchecked else ""}
    return render(request, "imports/job.html", context)


def _render_page(request: HttpRequest, form: ImportForm, status: int = 200) -> HttpResponse:
    context = {
        "form": form,
        "sections": SECTIONS,
        "max_bytes": settings.UPLOAD_MAX_BYTES,
        # The reports and results stay in the database: the list shows names and outcomes.
        "recent": ImportJob.objects.select_related("user").defer("errors", "changes")[:RECENT_IMPORTS],
    }
    return render(request, "imports/admin.html", context, status=status)
