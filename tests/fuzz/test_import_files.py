"""Fuzzing imports through the real path: hostile file names and hostile cells, uploaded and imported.

Each example is a curator's upload as ``imports/upload.js`` makes it (``POST
/uploads/``, the file to S3, confirm; S3 and SQS are moto), the import form,
then the worker handler until the queue is empty. After each: no answer of the
site is a 5xx, no worker batch reports a failure (nothing is retried towards
the DLQ) and every task, the e-mail's too, succeeded; the report is bounded;
and the file was applied whole or not at all. Seeded (``derandomize``), so a
failure reproduces.
"""

import itertools
import random
from collections import Counter

import pytest
from accounts.models import Reviewer
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from panels.imports.files import MAX_ERRORS
from panels.imports.models import ImportJob
from panels.models import Panel
from panels.tsv import COLUMNS as PANEL_COLUMNS
from serverless.models import TaskRecord
from uploads.models import Upload

from tests.fuzz import fuzz_settings
from tests.imports import conftest as imports
from tests.imports.conftest import MEDIA_BUCKET, drain
from tests.imports.files import gene_row, str_row
from tests.panels.factories import make_gene, make_user

pytestmark = pytest.mark.django_db(transaction=True)
# The imports' fixtures: moto's S3 and SQS, the worker handler, e-mail through the worker.
aws, declared, queues, media = imports.aws, imports.declared, imports.queues, imports.media
worker, production_mailers = imports.worker, imports.production_mailers

EXAMPLES = 60
ALB_LIMIT = 1_000_000
SERIAL = itertools.count()
OUTCOMES: Counter = Counter()

# Pieces of names a browser or an operator may send: shown once cleaned...
NAME_PIECES = [
    "panel", ".tsv", ".json", "Bcc: evil@example.org", "/", "\\", "..", "C:\\fakepath\\", "\u202e", "\u200b",
    "\u2028", "é", "✓", "\U0001d518", "你好", " ", "a" * 300, "<script>", "%00", "'", '"',
]  # fmt: skip
# ... and control characters, which ``POST /uploads/`` refuses.
CONTROL_PIECES = ["\r\n", "\n", "\r", "\x00", "\t", "\x1b[31m", "\x7f", "\ud800"]
CELLS = [
    "=cmd|' /C calc'!A0", "'=already", "''+1", "+44", "-", "@SUM(1)", "\x00", "\r", "é✓", "<b>x</b>",
    '"quoted"', 'a"b', "x" * 5000, "9" * 5000, "-5", "1e9", "\u202e", ";;;", " ", "",
]  # fmt: skip
shown_names = st.lists(st.sampled_from(NAME_PIECES), max_size=6).map("".join)
control_names = st.lists(st.sampled_from(NAME_PIECES + CONTROL_PIECES), min_size=1, max_size=6).map("".join)
names = st.one_of(shown_names, shown_names, control_names)
# Which column of which row gets which hostile cell; rows may be cut short, doubled or junk.
edits = st.lists(st.tuples(st.integers(0, 5), st.sampled_from(PANEL_COLUMNS), st.sampled_from(CELLS)), max_size=6)
# Mostly good rows: a file is imported or refused as a whole, and both must happen.
GOOD_SHAPES = ["gene", "str", "blank"] * 3
shapes = st.lists(st.sampled_from([*GOOD_SHAPES, "short", "long", "junk", "invalid utf-8"]), max_size=6)


@pytest.fixture
def browser(client, settings):
    settings.UPLOAD_START_RATE = "100000/hour"  # the fuzzing is one busy curator
    user = make_user(Reviewer.Role.CURATOR, "fuzz-curator")
    user.email = "fuzz@example.org"
    user.save()
    client.force_login(user)
    make_gene("BRCA1")
    return client


def build_file(panel: str, edits: list, shapes: list[str]) -> bytes:
    rows = [gene_row("BRCA1", panel=panel), *[str_row(f"STR{n}", panel=panel) for n in range(len(shapes))]]
    for index, column, cell in edits:
        rows[index % len(rows)][column] = cell
    lines = ["\t".join(PANEL_COLUMNS)]
    for row, shape in itertools.zip_longest(rows, shapes):
        cells = [row[column] for column in PANEL_COLUMNS]
        if shape == "short":
            cells = cells[:7]
        elif shape == "long":
            cells += ["extra"]
        lines.append("\t".join(cells))
        if shape == "blank":
            lines.append("")
        elif shape == "junk":
            lines.append("x")
    data = ("\n".join(lines) + "\n").encode("utf-8", errors="surrogatepass")
    return data + b"\xff\xfe" if "invalid utf-8" in shapes else data


def snapshot() -> set[tuple[int, int, int]]:
    return set(Panel.objects.values_list("pk", "major_version", "minor_version"))


@fuzz_settings(EXAMPLES)
@given(name=names, edits=edits, shapes=shapes, seed=st.integers(0, 2**32))
def test_hostile_names_and_cells_never_crash_lose_a_task_or_half_apply(
    browser, media, queues, worker, lambda_context, production_mailers, name, edits, shapes, seed
):
    panel = f"Fuzz panel {next(SERIAL)}"
    random.Random(seed).shuffle(edits)  # noqa: S311 (reproducible with the example)
    content = build_file(panel, edits, shapes)
    before = snapshot()

    started = browser.post(
        "/uploads/",
        {"filename": name, "content_type": "text/tab-separated-values", "size": len(content)},
        content_type="application/json",
    )
    assert started.status_code in {201, 400}, started.content
    if started.status_code == 400:
        assert started.json()["error"]
        OUTCOMES["name refused"] += 1
        return
    form = started.json()
    media.put_object(
        Bucket=MEDIA_BUCKET, Key=form["fields"]["key"], Body=content, ContentType="text/tab-separated-values"
    )
    assert browser.post(f"/uploads/{form['id']}/confirm/").status_code == 200
    shown = Upload.objects.get(pk=form["id"]).original_name
    assert shown and len(shown) <= 255 and not any(c in shown for c in "\r\n\x00/\\")
    response = browser.post(reverse("imports:start"), {"kind": "panels", "upload": form["id"]})
    assert response.status_code == 302
    job = ImportJob.objects.get(upload_id=form["id"])

    responses = drain(queues, worker, lambda_context)

    assert all(r == {"batchItemFailures": []} for r in responses), responses
    assert not TaskRecord.objects.exclude(status="SUCCESSFUL").exists()
    job.refresh_from_db()
    assert job.finished and len(job.errors) <= MAX_ERRORS + 1
    page = browser.get(reverse("imports:job", args=[job.pk]))
    assert page.status_code == 200 and len(page.content) < ALB_LIMIT
    after = snapshot()
    OUTCOMES[job.status] += 1
    if job.status == ImportJob.Status.FAILED:
        assert after == before and not Panel.objects.filter(name=panel).exists()
    else:
        changed = {pk for pk, *_ in after - before}
        assert changed == {change["panel_id"] for change in job.changes if change["changed"]}


def test_the_run_refused_names_and_both_imported_and_refused_files():
    if not OUTCOMES:
        pytest.skip("the fuzz test above did not run (selected alone)")
    print(f"import outcomes: {dict(OUTCOMES)}")
    assert min(OUTCOMES[kind] for kind in ("name refused", "succeeded", "failed")) >= 5, OUTCOMES
