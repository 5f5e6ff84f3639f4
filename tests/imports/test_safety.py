"""Imports under SQS: redelivered tasks import once, a failure half-way leaves nothing, one panel at a time."""

import threading
import time

import pytest
from django.db import connection
from panels import services
from panels.imports import jobs
from panels.imports.models import ImportJob
from panels.models import Entity, HistoricalSnapshot, Panel
from panels.services import versions
from serverless.models import TaskRecord

from tests.imports.conftest import drain
from tests.imports.files import gene_row, hgnc_file, hgnc_row, panel_file, str_row
from tests.imports.test_uploads_through_the_worker import start_import
from tests.panels.factories import make_gene, make_panel

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("production_mailers")]


@pytest.fixture
def browser(client, curator):
    client.force_login(curator)
    return client


def test_a_redelivered_import_task_does_not_import_twice(browser, media, queues, worker, lambda_context):
    make_gene("BRCA1")
    job = start_import(browser, media, "panels", panel_file(gene_row("BRCA1")))
    event = queues.receive_event()
    worker.lambda_handler(event, lambda_context)
    # The worker died after the import committed but before its result row said so: SQS delivers it again.
    TaskRecord.objects.filter(task_path="panels.imports.tasks.run_import").update(status="READY")
    event["Records"][0]["attributes"]["ApproximateReceiveCount"] = "2"

    assert worker.lambda_handler(event, lambda_context) == {"batchItemFailures": []}
    # Both deliveries queued the file's one part: it is applied once.
    drain(queues, worker, lambda_context)

    panel = Panel.objects.get(name="Imported panel")
    assert (panel.version, panel.snapshots.count(), panel.entities.count()) == ("0.0", 1, 1)
    assert TaskRecord.objects.filter(task_path="panels.imports.tasks.import_part").count() == 2
    job.refresh_from_db()
    assert job.status == ImportJob.Status.SUCCEEDED


def test_a_redelivered_chunk_is_applied_once(db, settings):
    settings.IMPORT_GENE_CHUNK_ROWS = 2
    job = jobs.create_job("genes", source="unused", file_name="h.txt")
    planned = jobs._plan_genes(job, hgnc_file(*[hgnc_row(n, f"G{n}") for n in range(1, 4)]).decode(), None)

    jobs.apply_chunk(planned[0])
    again = jobs.apply_chunk(planned[0])

    assert (again.chunks_done, again.chunks_total) == (1, 2)


def test_an_import_that_dies_half_way_leaves_nothing_and_its_retry_imports_it_whole(
    browser, media, queues, worker, lambda_context, monkeypatch
):
    make_gene("BRCA1")
    content = panel_file(gene_row("BRCA1", panel="First panel"), str_row(panel="Second panel"))
    real_import = services.import_panel
    calls = []

    def dies_on_the_second_panel(*args, **kwargs):
        calls.append(kwargs["name"])
        if len(calls) == 2:
            raise ConnectionError("database connection lost")
        return real_import(*args, **kwargs)

    monkeypatch.setattr(services, "import_panel", dies_on_the_second_panel)
    job = start_import(browser, media, "panels", content)
    drain(queues, worker, lambda_context, rounds=1)  # checked and staged: both panels in one part
    event = queues.receive_event()

    response = worker.lambda_handler(event, lambda_context)

    assert len(response["batchItemFailures"]) == 1  # SQS will deliver it again
    assert calls == ["First panel", "Second panel"]
    assert not Panel.objects.exists() and not Entity.objects.exists() and not HistoricalSnapshot.objects.exists()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.RUNNING

    monkeypatch.setattr(services, "import_panel", real_import)
    event["Records"][0]["attributes"]["ApproximateReceiveCount"] = "2"
    assert worker.lambda_handler(event, lambda_context) == {"batchItemFailures": []}
    assert sorted(Panel.objects.values_list("name", flat=True)) == ["First panel", "Second panel"]


def run_concurrently(*targets) -> list[BaseException]:
    """Start each target in its own thread (own database connection) at the same moment."""
    barrier = threading.Barrier(len(targets))
    errors: list[BaseException] = []

    def run(target):
        try:
            barrier.wait()
            target()
        except BaseException as error:  # reported by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


def slow_bumps(monkeypatch):
    """Hold each panel's lock a little longer, so overlapping imports must wait for each other."""
    real_bump = versions.bump

    def bump(*args, **kwargs):
        time.sleep(0.3)
        return real_bump(*args, **kwargs)

    monkeypatch.setattr(versions, "bump", bump)


def test_two_imports_on_one_panel_serialize(curator, tmp_path, monkeypatch):
    make_gene("BRCA1")
    make_gene("TP53")
    panel = make_panel(curator, name="Shared panel")
    first = tmp_path / "first.tsv"
    first.write_bytes(panel_file(gene_row("BRCA1", panel="Shared panel")))
    second = tmp_path / "second.tsv"
    second.write_bytes(panel_file(gene_row("TP53", panel="Shared panel")))
    slow_bumps(monkeypatch)

    def importer(path):
        return lambda: jobs.run_inline(jobs.create_job("panels", source=str(path), file_name=path.name))

    errors = run_concurrently(importer(first), importer(second))

    assert errors == []
    panel.refresh_from_db()
    assert panel.version == "0.2"
    assert list(panel.snapshots.order_by("minor_version").values_list("minor_version", flat=True)) == [0, 1, 2]
    assert sorted(panel.entities.values_list("entity_name", flat=True)) == ["BRCA1", "TP53"]
    assert set(ImportJob.objects.values_list("status", flat=True)) == {"succeeded"}


def test_two_files_creating_the_same_panel_make_one_panel(db, tmp_path, monkeypatch):
    make_gene("BRCA1")
    make_gene("TP53")
    paths = []
    for symbol in ("BRCA1", "TP53"):
        path = tmp_path / f"{symbol}.tsv"
        path.write_bytes(panel_file(gene_row(symbol, panel="Brand new")))
        paths.append(path)
    slow_bumps(monkeypatch)

    errors = run_concurrently(
        *[lambda p=p: jobs.run_inline(jobs.create_job("panels", source=str(p), file_name=p.name)) for p in paths]
    )

    assert errors == []
    panel = Panel.objects.get(name="Brand new")
    assert panel.version == "0.1" and panel.entities.count() == 2


def test_a_gene_finish_with_many_panels_continues_in_a_new_task(curator, tmp_path, capsys, monkeypatch):
    from tests.imports.conftest import run_command
    from tests.imports.files import hgnc_file, hgnc_row
    from tests.panels.factories import add_gene

    run_command("genes", hgnc_file(hgnc_row(1, "G1")), tmp_path, capsys=capsys)
    panels = [make_panel(curator, name=f"Panel {n}") for n in range(3)]
    for panel in panels:
        add_gene(curator, panel, "G1")
    job = jobs.create_job("genes", source=str(tmp_path / "new.tsv"), file_name="new.tsv")
    (tmp_path / "new.tsv").write_bytes(hgnc_file(hgnc_row(1, "G1", name="renamed protein")))
    planned: list[int] = []
    jobs.run(job.pk, dispatch=planned.extend, dispatch_parts=planned.extend)
    jobs.apply_chunk(planned[0])

    assert jobs.finish_genes(job.pk, seconds=0) == jobs.MORE_PANELS  # out of time after the first panel
    job.refresh_from_db()
    assert len(job.changes) == 1 and job.status == ImportJob.Status.RUNNING
    assert jobs.finish_genes(job.pk) == ImportJob.Status.SUCCEEDED
    job.refresh_from_db()
    assert sorted(c["panel_name"] for c in job.changes) == ["Panel 0", "Panel 1", "Panel 2"]
