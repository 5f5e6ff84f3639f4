"""Curators' uploads end to end: the file in S3, the import queued on SQS (both moto), run by the worker handler."""

import pytest
from accounts.models import Reviewer
from django.urls import reverse
from panels.imports.models import GeneChunk, ImportJob
from panels.models import Gene, Panel
from serverless.models import TaskRecord

from tests.imports.conftest import BAD_FILES, MEDIA_BUCKET, drain
from tests.imports.files import gene_row, hgnc_file, hgnc_row, panel_file, review_row, reviews_file, str_row
from tests.panels.factories import add_gene, make_gene, make_panel, make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("production_mailers")]

CONTENT_TYPES = {"panels": "text/tab-separated-values", "reviews": "text/tab-separated-values"}


@pytest.fixture
def browser(client, curator):
    client.force_login(curator)
    return client


def upload(browser, media, content: bytes, filename: str = "panel.tsv") -> str:
    """What upload.js does: start a direct upload, send the file to S3, confirm it."""
    content_type = "application/json" if filename.endswith(".json") else "text/tab-separated-values"
    form = browser.post(
        "/uploads/", {"filename": filename, "content_type": content_type, "size": max(len(content), 1)},
        content_type="application/json",
    ).json()  # fmt: skip
    media.put_object(Bucket=MEDIA_BUCKET, Key=form["fields"]["key"], Body=content, ContentType=content_type)
    assert browser.post(f"/uploads/{form['id']}/confirm/").status_code == 200
    return form["id"]


def start_import(browser, media, kind: str, content: bytes, filename: str = "panel.tsv") -> ImportJob:
    upload_id = upload(browser, media, content, filename)
    response = browser.post(reverse("imports:start"), {"kind": kind, "upload": upload_id})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("imports:job", args=[job.pk])
    return job


@pytest.mark.parametrize("bad", BAD_FILES, ids=[bad.case for bad in BAD_FILES])
def test_a_bad_file_is_reported_on_its_page_and_by_e_mail_and_changes_nothing(
    bad, known_data, browser, media, queues, worker, lambda_context, mailoutbox
):
    panels_before = list(Panel.objects.values_list("pk", "major_version", "minor_version"))
    filename = "genes.json" if bad.content.lstrip()[:1] in (b"[", b"{") else f"{bad.kind}.tsv"
    job = start_import(browser, media, bad.kind, bad.content, filename)

    drain(queues, worker, lambda_context)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert any(
        e["row"] == bad.row and bad.message in e["message"] and (not bad.column or e["column"] == bad.column)
        for e in job.errors
    ), job.errors
    page = browser.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert "not imported" in page and "nothing was changed" in page
    [mail] = mailoutbox
    assert mail.subject == f"PanelApp: {filename} was not imported" and mail.to == ["curator@example.org"]
    assert bad.message in mail.body and reverse("imports:job", args=[job.pk]) in mail.body
    assert list(Panel.objects.values_list("pk", "major_version", "minor_version")) == panels_before
    assert TaskRecord.objects.get(task_path="panels.imports.tasks.run_import").status == "SUCCESSFUL"


def test_a_good_panel_file_creates_the_panel_and_its_page_lists_it(
    browser, media, queues, worker, lambda_context, mailoutbox
):
    make_gene("BRCA1")
    job = start_import(browser, media, "panels", panel_file(gene_row("BRCA1"), str_row()))
    assert browser.get(reverse("imports:job", args=[job.pk])).content.decode().count('http-equiv="refresh"') == 1

    assert drain(queues, worker, lambda_context)[0] == {"batchItemFailures": []}

    job.refresh_from_db()
    panel = Panel.objects.get(name="Imported panel")
    assert job.status == ImportJob.Status.SUCCEEDED and job.rows == 2
    assert job.changes == [
        {"panel_id": panel.pk, "panel_name": "Imported panel", "version": "0.0", "created": True, "changed": True}
    ]
    page = browser.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert f'href="/panels/{panel.pk}/"' in page and "Created" in page and "refresh" not in page
    [mail] = mailoutbox
    assert mail.subject == "PanelApp: panel.tsv imported"
    assert "- Imported panel: created at version 0.0" in mail.body
    assert job.user.notifications.get().url == reverse("imports:job", args=[job.pk])  # and on their profile


def test_a_good_reviews_file_gives_its_panel_one_version(browser, media, queues, worker, lambda_context, curator):
    panel = make_panel(curator, name="Reviewed")
    add_gene(curator, panel, "BRCA1")
    add_gene(curator, panel, "TP53")
    panel.refresh_from_db()
    content = reviews_file(review_row("BRCA1", "Reviewed", "curator"), review_row("TP53", "Reviewed", "curator"))

    start_import(browser, media, "reviews", content, "reviews.tsv")
    drain(queues, worker, lambda_context)

    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.SUCCEEDED
    assert job.changes[0]["version"] == f"0.{panel.minor_version + 1}"


def test_hgnc_s_set_runs_as_chunk_tasks_then_one_version_per_panel(
    browser, media, queues, worker, lambda_context, settings, curator
):
    settings.IMPORT_GENE_CHUNK_ROWS = 3
    panel = make_panel(curator, name="Uses G1 and G7")
    for symbol in ("G1", "G7"):
        add_gene(curator, panel, symbol)
    panel.refresh_from_db()
    rows = [hgnc_row(n, f"G{n}") for n in range(1, 9)]

    job = start_import(browser, media, "genes", hgnc_file(*rows), "hgnc_complete_set.txt")
    drain(queues, worker, lambda_context)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.SUCCEEDED
    assert (job.chunks_total, job.chunks_done) == (3, 3)
    assert TaskRecord.objects.filter(task_path="panels.imports.tasks.import_gene_chunk").count() == 3
    assert job.summary["genes_created"] == 6 and job.summary["genes_updated"] == 2
    panel.refresh_from_db()
    assert job.changes == [{"panel_id": panel.pk, "panel_name": panel.name, "version": panel.version,
                            "created": False, "changed": True}]  # fmt: skip
    assert Gene.objects.count() == 8


def test_gene_import_progress_is_on_its_page(browser, media, queues, worker, lambda_context, settings):
    settings.IMPORT_GENE_CHUNK_ROWS = 2
    job = start_import(browser, media, "genes", hgnc_file(*[hgnc_row(n, f"G{n}") for n in range(1, 5)]), "h.txt")
    # Plan it and apply one chunk of two, as the worker would between page loads.
    from panels.imports import jobs

    planned: list[int] = []
    jobs.run(job.pk, dispatch=planned.extend, dispatch_parts=planned.extend)
    jobs.apply_chunk(planned[0])

    page = browser.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert "1 of 2 parts imported" in page and 'http-equiv="refresh"' in page
    assert GeneChunk.objects.filter(job=job, done=True).count() == 1


def test_someone_else_s_upload_cannot_be_imported(browser, media, client, curator):
    other = make_user(Reviewer.Role.CURATOR, "other curator")
    client.force_login(other)
    theirs = upload(client, media, panel_file(gene_row("BRCA1")))
    client.force_login(curator)

    response = browser.post(reverse("imports:start"), {"kind": "panels", "upload": theirs})

    assert response.status_code == 400
    assert "Unknown upload, or not one of yours" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_file_over_the_size_limit_is_reported_by_the_worker(browser, media, queues, worker, lambda_context, settings):
    content = panel_file(gene_row("BRCA1"))
    job = start_import(browser, media, "panels", content)
    settings.UPLOAD_MAX_BYTES = len(content) - 1  # the limit was lowered after the upload

    drain(queues, worker, lambda_context)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.errors == [
        {
            "row": None,
            "column": "",
            "message": f"The file is {len(content)} bytes, over the limit of {len(content) - 1} bytes.",
        }
    ]
