"""Files of junk: the report stops at ``files.MAX_ERRORS`` problems and says how many rows it did not check,
its page comes a hundred problems at a time (each page far below the ALB's 1 MB), and the file is streamed
from storage, never held whole in the worker's memory."""

import codecs
import io
import json
import re
import tracemalloc

import pytest
from django.urls import reverse
from panels.imports import files, jobs
from panels.imports.files import MAX_ERRORS
from panels.imports.models import ImportJob
from panels.models import Panel
from panels.tsv import COLUMNS as PANEL_COLUMNS
from serverless.models import TaskRecord

from tests.imports.conftest import drain
from tests.imports.files import HGNC_COLUMNS, hgnc_row
from tests.imports.test_uploads_through_the_worker import start_import

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("production_mailers")]

MiB = 1024 * 1024
ALB_LIMIT = 1_000_000  # the ALB refuses a Lambda response over 1 MB
HEADER = ("\t".join(PANEL_COLUMNS) + "\n").encode()
# A junk row has two problems: an unknown entity type, and no panel name.
PROBLEMS_PER_JUNK_ROW = 2


@pytest.fixture
def browser(client, curator):
    client.force_login(curator)
    return client


def junk_panel_file(size: int, row: bytes = b"x\n") -> tuple[bytes, int]:
    """A panel file of ``size`` bytes: the header, then junk rows; and how many rows."""
    rows = (size - len(HEADER)) // len(row)
    return HEADER + row * rows, rows


def report_pages(browser, job: ImportJob) -> list[bytes]:
    """Every page of the import's report, following its "More problems" links."""
    pages, url = [], reverse("imports:job", args=[job.pk])
    while url:
        response = browser.get(url)
        assert response.status_code == 200
        pages.append(response.content)
        more = re.search(rb'href="(\?page=\d+)" rel="next"', response.content)
        url = reverse("imports:job", args=[job.pk]) + more.group(1).decode() if more else None
    return pages


def test_a_7_mb_file_of_junk_rows_stops_at_the_limit_and_says_how_many_rows_were_not_checked(
    browser, media, queues, worker, lambda_context, mailoutbox
):
    content, rows = junk_panel_file(7 * MiB)
    job = start_import(browser, media, "panels", content)

    responses = drain(queues, worker, lambda_context)

    assert all(response == {"batchItemFailures": []} for response in responses)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    checked = MAX_ERRORS // PROBLEMS_PER_JUNK_ROW
    assert len(job.errors) == MAX_ERRORS + 1
    assert job.summary["lines_not_checked"] == rows - checked > 3_000_000
    assert job.errors[-1]["message"] == (
        f"Stopped after {MAX_ERRORS:,} problems: the {rows - checked:,} lines after row {checked + 1} were not checked."
    )
    [mail] = mailoutbox
    assert "... and 951 more on the import's page." in mail.body
    assert TaskRecord.objects.filter(status="SUCCESSFUL").count() == 2  # the import and its e-mail


def test_every_page_of_the_report_is_far_below_the_alb_s_limit_even_with_long_cells_to_escape(
    browser, media, queues, worker, lambda_context
):
    # Each cell is 2 KB that HTML escapes to several times its size, quoted in the problem's message.
    cell = "<'&\"" * 500
    row = "\t".join([cell, cell, *[""] * (len(PANEL_COLUMNS) - 2)]).encode() + b"\n"
    content, _ = junk_panel_file(len(HEADER) + len(row) * 600, row)
    job = start_import(browser, media, "panels", content)

    drain(queues, worker, lambda_context)

    job.refresh_from_db()
    pages = report_pages(browser, job)
    assert len(pages) == 11  # 1,001 lines, 100 a page
    assert max(len(page) for page in pages) < ALB_LIMIT // 4
    assert sum(page.count(b"<tr><td>") for page in pages) == MAX_ERRORS + 1
    assert b"were not checked" in pages[0]  # the note is on every page, not only the last


def test_a_page_number_out_of_range_shows_the_last_page(browser, curator):
    job = jobs.create_job("panels", source="unused", file_name="junk.tsv", user=curator)
    errors = [{"row": n, "column": "", "message": f"problem {n}"} for n in range(2, 252)]
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED, errors=errors)

    page = browser.get(reverse("imports:job", args=[job.pk]) + "?page=99").content.decode()

    assert "Page 3 of 3" in page and "problem 251" in page and "problem 151" not in page


def test_a_junk_hgnc_set_stops_at_the_limit_too(tmp_path):
    rows = [hgnc_row(n, f"G{n}", hgnc_id=f"X:{n}") for n in range(1, 45_001)]
    path = tmp_path / "hgnc_complete_set.txt"
    path.write_text("\n".join(["\t".join(HGNC_COLUMNS), *["\t".join(r[c] for c in HGNC_COLUMNS) for r in rows]]))

    job = jobs.run_inline(jobs.create_job("genes", source=str(path), file_name=path.name))

    assert job.status == ImportJob.Status.FAILED and len(job.errors) == MAX_ERRORS + 1
    assert job.summary["lines_not_checked"] == 45_000 - MAX_ERRORS
    assert job.errors[0] == {"row": 2, "column": "hgnc_id", "message": "'X:1' is not an HGNC id (HGNC:<number>)."}


def test_a_large_file_is_streamed_so_the_worker_s_memory_stays_small(tmp_path, curator):
    path = tmp_path / "junk.tsv"
    line = b"x" * 199 + b"\n"
    with path.open("wb") as out:
        out.write(HEADER)
        for _ in range(48 * MiB // (len(line) * 1000)):
            out.write(line * 1000)
    panels = Panel.objects.count()

    tracemalloc.start()
    try:
        job = jobs.run_inline(jobs.create_job("panels", source=str(path), file_name=path.name, user=curator))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert job.status == ImportJob.Status.FAILED and job.summary["lines_not_checked"] > 200_000
    assert peak < 12 * MiB, f"peak {peak / MiB:.1f} MiB for a {path.stat().st_size / MiB:.0f} MiB file"
    assert Panel.objects.count() == panels


@pytest.mark.parametrize(
    "rest, lines",
    [(b"a\nb\n", 2), (b"a\r\nb\r\n", 2), (b"a\rb\r", 2), (b"a\nb", 2), (b"\n\n", 2), (b"", 0), (b"a\r\n\r\nb  ", 3)],
)
@pytest.mark.parametrize("chunk", [1, 2, 3, 1024])
def test_the_lines_left_are_counted_in_the_bytes_whatever_their_line_breaks(monkeypatch, rest, lines, chunk):
    monkeypatch.setattr(files, "CHUNK_BYTES", chunk)
    reader = files.Lines(io.BytesIO(b"first\n" + rest))

    assert next(reader) == "first\n"
    assert reader.count_rest() == lines


@pytest.mark.parametrize("chunk", [1, 2, 5, 1024])
def test_a_file_read_in_chunks_gives_the_same_lines_and_names_the_line_of_a_bad_byte(monkeypatch, chunk):
    monkeypatch.setattr(files, "CHUNK_BYTES", chunk)
    text = 'a\tb\r\nc\u00e9\u2713\r"quoted\nline"\n\nlast'

    assert list(files.Lines(io.BytesIO(codecs.BOM_UTF8 + text.encode()))) == list(io.StringIO(text, newline=""))
    with pytest.raises(files.ImportFailed) as failed:
        list(files.Lines(io.BytesIO("ok\nok é\n".encode() + b"\xff\n")))
    assert failed.value.errors == [files.RowError(3, "", "Not UTF-8 (byte 0xFF); save the file as UTF-8 and retry.")]


def test_a_file_without_line_breaks_is_refused_before_it_fills_the_memory(monkeypatch):
    monkeypatch.setattr(files, "MAX_LINE_CHARS", 1000)
    monkeypatch.setattr(files, "CHUNK_BYTES", 256)

    with pytest.raises(files.ImportFailed, match="A line longer than 1,000 characters"):
        list(files.Lines(io.BytesIO(b"x" * 5000)))


def test_a_json_document_on_one_line_is_read_whole_as_hgnc_writes_it(monkeypatch):
    monkeypatch.setattr(files, "MAX_LINE_CHARS", 1000)
    monkeypatch.setattr(files, "CHUNK_BYTES", 256)
    document = json.dumps([{"gene_symbol": f"G{n}", "hgnc_id": f"HGNC:{n}"} for n in range(500)])

    assert "".join(files.Lines(io.BytesIO(b"\n " + document.encode()))) == "\n " + document
