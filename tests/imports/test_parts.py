"""Panel and reviews files of any size: checked whole, staged in parts, each part one task within the worker's timeout.

Through the real worker handler with SQS events (moto): a file split into
several parts applies whole, a bad row anywhere applies nothing, a part
delivered twice applies once, and a part killed half-way leaves nothing and
completes when SQS delivers it again.
"""

from datetime import timedelta

import pytest
from accounts.models import Reviewer
from django.urls import reverse
from django.utils import timezone
from panels import services
from panels.imports import jobs
from panels.imports.models import ImportJob, StagedPart
from panels.models import Activity, Evaluation, HistoricalSnapshot, Panel
from serverless.models import TaskRecord

from tests.imports.conftest import drain
from tests.imports.files import gene_row, panel_file, review_row, reviews_file
from tests.imports.test_uploads_through_the_worker import start_import
from tests.panels.factories import add_gene, make_gene, make_panel, make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("production_mailers")]

PART_ROWS = 4  # small, so a file of a few panels is several parts
# Panel name -> its genes: 11 rows in 4 panels; parts of at most 4 rows of whole panels make 3 parts (A and B, C, D).
PANELS = {
    "Panel A": ["G1", "G2", "G3"],
    "Panel B": ["G4"],
    "Panel C": ["G5", "G6", "G7", "G8"],
    "Panel D": ["G9", "G10", "G11"],
}


class Killed(BaseException):
    """Stands for Lambda ending the invocation at its timeout: nothing of the worker runs after it."""


@pytest.fixture
def browser(client, curator):
    client.force_login(curator)
    return client


@pytest.fixture
def small_parts(monkeypatch):
    monkeypatch.setitem(jobs.PART_ROWS, ImportJob.Kind.PANELS, PART_ROWS)
    monkeypatch.setitem(jobs.PART_ROWS, ImportJob.Kind.REVIEWS, PART_ROWS)


def the_panel_file(**bad: str) -> bytes:
    for symbols in PANELS.values():
        for symbol in symbols:
            make_gene(symbol)
    rows = [gene_row(symbol, panel=name) for name, symbols in PANELS.items() for symbol in symbols]
    rows[-1].update(bad)
    return panel_file(*rows)


def deliver_again(event: dict, task_path: str) -> None:
    """SQS's second delivery of ``event``: the worker died before the task's end was recorded, its lease ran out."""
    TaskRecord.objects.filter(task_path=task_path).update(
        status="RUNNING", lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    for record in event["Records"]:
        record["attributes"]["ApproximateReceiveCount"] = "2"


def test_a_panel_file_split_into_parts_applies_whole_one_version_per_panel(
    browser, media, queues, worker, lambda_context, small_parts
):
    job = start_import(browser, media, "panels", the_panel_file())

    responses = drain(queues, worker, lambda_context)

    assert all(response == {"batchItemFailures": []} for response in responses)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.SUCCEEDED and job.rows == 11
    parts = list(StagedPart.objects.filter(job=job).values_list("rows", "done"))
    # The split: no part task applies more than PART_ROWS rows, and each is a task of its own.
    assert parts == [(4, True), (4, True), (3, True)]
    assert TaskRecord.objects.filter(task_path="panels.imports.tasks.import_part", status="SUCCESSFUL").count() == 3
    assert sorted(c["panel_name"] for c in job.changes) == list(PANELS)
    for name, symbols in PANELS.items():
        panel = Panel.objects.get(name=name)
        assert (panel.version, panel.snapshots.count(), panel.entities.count()) == ("0.0", 1, len(symbols))
    assert (job.applied, job.to_apply) == (4, 4)


def test_a_bad_row_anywhere_in_a_file_of_many_parts_applies_nothing(
    browser, media, queues, worker, lambda_context, small_parts
):
    job = start_import(browser, media, "panels", the_panel_file(**{"Gene Symbol": "NOPE1"}))

    drain(queues, worker, lambda_context)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert [(e["row"], e["column"]) for e in job.errors] == [(12, "Gene Symbol")]
    assert not Panel.objects.exists() and not StagedPart.objects.exists()
    assert not TaskRecord.objects.filter(task_path="panels.imports.tasks.import_part").exists()


def test_a_part_delivered_twice_applies_once(browser, media, queues, worker, lambda_context, small_parts):
    job = start_import(browser, media, "panels", the_panel_file())
    drain(queues, worker, lambda_context, rounds=1)  # checked and staged
    event = queues.receive_event()
    assert worker.lambda_handler(event, lambda_context) == {"batchItemFailures": []}
    applied = list(Panel.objects.values_list("name", "major_version", "minor_version"))

    deliver_again(event, "panels.imports.tasks.import_part")
    assert worker.lambda_handler(event, lambda_context) == {"batchItemFailures": []}

    assert list(Panel.objects.values_list("name", "major_version", "minor_version")) == applied
    assert HistoricalSnapshot.objects.count() == len(applied)
    job.refresh_from_db()
    assert job.chunks_done == len(event["Records"])


def test_a_part_killed_half_way_leaves_nothing_and_completes_when_delivered_again(
    browser, media, queues, worker, lambda_context, monkeypatch
):
    monkeypatch.setitem(jobs.PART_ROWS, ImportJob.Kind.PANELS, 100)  # one part of four panels
    job = start_import(browser, media, "panels", the_panel_file())
    drain(queues, worker, lambda_context, rounds=1)
    real_import = services.import_panel
    calls = []

    def killed_at_the_third_panel(*args, **kwargs):
        calls.append(kwargs["name"])
        if len(calls) == 3:
            raise Killed
        return real_import(*args, **kwargs)

    monkeypatch.setattr(services, "import_panel", killed_at_the_third_panel)
    event = queues.receive_event()

    with pytest.raises(Killed):
        worker.lambda_handler(event, lambda_context)

    assert calls == ["Panel A", "Panel B", "Panel C"]
    assert not Panel.objects.exists() and not HistoricalSnapshot.objects.exists()
    assert not StagedPart.objects.get(job=job).done
    monkeypatch.setattr(services, "import_panel", real_import)
    deliver_again(event, "panels.imports.tasks.import_part")

    assert worker.lambda_handler(event, lambda_context) == {"batchItemFailures": []}

    job.refresh_from_db()
    assert job.status == ImportJob.Status.SUCCEEDED
    assert sorted(Panel.objects.values_list("name", flat=True)) == list(PANELS)
    assert HistoricalSnapshot.objects.count() == len(PANELS)


def test_progress_shows_on_the_import_s_page(browser, media, queues, worker, lambda_context, small_parts):
    job = start_import(browser, media, "panels", the_panel_file())
    drain(queues, worker, lambda_context, rounds=1)  # staged
    [first, *_] = queues.receive()
    from serverless.local.events import sqs_event

    arn = queues.sqs.get_queue_attributes(QueueUrl=queues.url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    worker.lambda_handler(sqs_event([first], arn, "eu-west-2"), lambda_context)

    page = browser.get(reverse("imports:job", args=[job.pk])).content.decode()

    job.refresh_from_db()
    assert job.chunks_done == 1 and job.applied in (1, 2)  # one part: panels A and B, C or D
    assert "1 of 3 parts imported" in page and f"Panels applied: {job.applied} of 4." in page
    for change in job.changes:  # the panels already applied, linked
        assert f'<a href="/panels/{change["panel_id"]}/">{change["panel_name"]}</a>' in page
    assert 'http-equiv="refresh"' in page


def test_a_reviews_file_in_parts_gives_each_panel_one_version(
    browser, media, queues, worker, lambda_context, curator, small_parts
):
    opinion = make_user(Reviewer.Role.EXTERNAL, "reviewer")
    panels = [make_panel(curator, name=name) for name in ("Reviewed 1", "Reviewed 2")]
    rows = []
    for number, panel in enumerate(panels):
        for symbol in (f"R{number}A", f"R{number}B", f"R{number}C"):
            add_gene(curator, panel, symbol)
            rows += [review_row(symbol, panel.name, "curator"), review_row(symbol, panel.name, "reviewer")]
    before = {p.pk: Panel.objects.get(pk=p.pk).minor_version for p in panels}

    job = start_import(browser, media, "reviews", reviews_file(*rows), "reviews.tsv")
    drain(queues, worker, lambda_context)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.SUCCEEDED, job.errors
    assert list(StagedPart.objects.filter(job=job).values_list("rows", flat=True)) == [4, 4, 4]
    assert Evaluation.objects.filter(user__in=[curator, opinion]).count() == 12
    for panel in panels:
        panel.refresh_from_db()
        assert panel.minor_version == before[panel.pk] + 1  # once for the file, though its reviews span parts
        assert Activity.objects.filter(panel=panel, text="Reviews imported from reviews.tsv").count() == 1
    assert sorted(c["version"] for c in job.changes) == sorted(p.version for p in panels)
    assert TaskRecord.objects.filter(task_path="panels.imports.tasks.finish_review_import").count() == 1


def test_a_panel_gone_after_the_check_stops_the_file_and_the_page_names_what_changed(
    browser, media, queues, worker, lambda_context, curator, small_parts
):
    job = start_import(browser, media, "panels", the_panel_file())
    make_panel(curator, name="Panel D")  # exists when the file is checked
    drain(queues, worker, lambda_context, rounds=1)
    Panel.objects.filter(name="Panel D").update(status=Panel.Status.DELETED)
    Panel.objects.filter(name="Panel D").delete()

    drain(queues, worker, lambda_context)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED, job.errors
    assert sorted(c["panel_name"] for c in job.changes) == ["Panel A", "Panel B", "Panel C"]
    page = browser.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert "only partly imported" in page and "Part 3 of 3 could not be applied" in page
    assert "Panels changed by the parts applied before it: Panel A (0.0), Panel B (0.0), Panel C (0.0)." in page
