"""The all-panels / genes / STRs / regions files: built by the worker into S3, coalesced, served by redirect."""

import csv
import io
import socket
from datetime import timedelta

import pytest
import requests
from accounts.models import Reviewer
from django.tasks import task_backends
from django.template import Context, Template
from django.utils import timezone
from panels import exports, services
from panels.models import ExportFile, Panel
from panels.tasks import build_exports

from tests.panels.factories import add_gene, add_region, add_str, bulk_genes, make_panel, make_user
from tests.test_storage_emulator import MEDIA_BUCKET

pytestmark = pytest.mark.django_db

Kind = ExportFile.Kind


def parse(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode(), newline=""), delimiter="\t"))


def read_export(s3, kind: str) -> list[dict[str, str]]:
    name = ExportFile.objects.get(kind=kind).name
    body = s3.client.get_object(Bucket=MEDIA_BUCKET, Key=f"media/{name}")["Body"].read()
    assert body.decode().splitlines()[0].split("\t") == list(exports.HEADERS[kind])
    return parse(body)


@pytest.fixture
def curator():
    user = make_user(Reviewer.Role.CURATOR)
    user.reviewer.affiliation = "Genomics England"
    user.reviewer.save()
    return user


@pytest.fixture
def panels(curator):
    """A public ataxia panel (gene, STR, region), an internal panel, and a super panel over the first."""
    ataxia = make_panel(curator, "Hereditary ataxia")
    services.review_entity(curator, add_gene(curator, ataxia, "ATXN1", tags=["founder"]), rating="GREEN")
    add_gene(curator, ataxia, "ATXN2")
    add_str(curator, ataxia, "ATXN1_SCA1", gene="ATXN1")
    add_region(curator, ataxia, "ISCA-37446-Loss")
    internal = make_panel(curator, "Secret", status=Panel.Status.INTERNAL)
    add_gene(curator, internal, "SECRET1")
    make_panel(curator, "Neurology super panel", child_panels=[ataxia])
    return Panel.objects.get(pk=ataxia.pk)


@pytest.fixture
def queued(settings):
    """Panel changes schedule rebuilds into an in-memory backend that runs nothing."""
    settings.PANEL_EXPORTS_REBUILD_ON_CHANGE = True
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    backend = task_backends["default"]
    backend.clear()
    return backend


# --- What the files hold --------------------------------------------------------------


def test_the_genes_file_lists_every_gene_of_every_public_panel_in_upstreams_columns(s3, panels):
    exports.build_exports()

    rows = read_export(s3, Kind.GENES)

    # Upstream's "-" (no super panel) is written as it is: no spreadsheet runs a lone "-".
    assert [(r["Symbol"], r["Panel Name"], r["Super Panel Name"]) for r in rows] == [
        ("ATXN1", "Hereditary ataxia", "-"),
        ("ATXN2", "Hereditary ataxia", "-"),
        ("ATXN1", "Hereditary ataxia", "Neurology super panel"),
        ("ATXN2", "Hereditary ataxia", "Neurology super panel"),
    ]
    atxn1 = rows[0]
    assert atxn1["List"] == "green" and rows[1]["List"] == "grey"
    assert atxn1["Sources"] == "Expert Review Green;Literature"
    assert atxn1["Panel Status"] == "PUBLIC" and atxn1["Panel Types"] == "Rare Disease 100K"
    assert atxn1["Tags"] == "founder" and atxn1["Biotype"] == "protein_coding"
    assert atxn1["GeneLocation((GRch37)"] == "1:100-200" and atxn1["EnsemblId(GRch38)"].startswith("ENSG")


def test_the_strs_and_regions_files_list_theirs(s3, panels):
    exports.build_exports()

    (str_row, _) = read_export(s3, Kind.STRS)
    (region_row, _) = read_export(s3, Kind.REGIONS)

    assert (str_row["Name"], str_row["Symbol"], str_row["Repeated sequence"], str_row["Pathogenic repeats"]) == (
        "ATXN1_SCA1",
        "ATXN1",
        "CAG",
        "40",
    )
    assert (region_row["Name"], region_row["Symbol"], region_row["Required region overlap"]) == (
        "ISCA-37446-Loss",
        "",
        "60",
    )
    assert region_row["Position GRCh38 end"] == "21111383" and region_row["List"] == "grey"


def test_the_panels_file_has_one_row_per_public_panel_with_reviewers_but_no_emails(s3, panels, curator, settings):
    curator.email = "curator@example.org"
    curator.save()

    exports.build_exports()
    rows = read_export(s3, Kind.PANELS)

    assert [r["Level 4 title"] for r in rows] == ["Hereditary ataxia", "Neurology super panel"]
    ataxia = rows[0]
    assert ataxia["URL"] == f"{settings.PANEL_APP_BASE_URL}/panels/{panels.pk}/"
    assert ataxia["Current Version"] == panels.version
    assert ataxia["# rated genes/total genes"] == "1 of 2 genes reviewed"
    assert ataxia["#reviewers"] == "1"
    assert ataxia["Reviewer name and affiliation (;)"] == "Curator Person (Genomics England)"
    assert ataxia["Reviewer emails (;)"] == ""
    assert ataxia["Status"] == "PUBLIC" and ataxia["Relevant disorders"] == "Disorder A;R1"
    assert "curator@example.org" not in str(rows)


def test_internal_panels_are_in_no_file(s3, panels):
    exports.build_exports()

    for kind in Kind.values:
        assert "SECRET" not in str(read_export(s3, kind)).upper()


# --- Idempotent, and only when something changed -------------------------------------------


def test_building_twice_writes_nothing_new(s3, panels):
    first = exports.build_exports()
    built_at = {e.kind: e.built_at for e in ExportFile.objects.all()}
    keys = s3.keys(MEDIA_BUCKET, "media/exports/")

    second = exports.build_exports()

    assert first == second
    assert s3.keys(MEDIA_BUCKET, "media/exports/") == keys
    assert {e.kind: e.built_at for e in ExportFile.objects.all()} == built_at


def test_a_panel_change_makes_new_files_and_keeps_the_old_ones_for_links_already_given(s3, panels, curator):
    before = exports.build_exports()

    add_gene(curator, panels, "ATXN3")
    after = exports.build_exports()

    assert after[Kind.GENES] != before[Kind.GENES]
    assert "ATXN3" in [r["Symbol"] for r in read_export(s3, Kind.GENES)]
    assert set(before.values()) | set(after.values()) <= {k.removeprefix("media/") for k in s3.keys(MEDIA_BUCKET)}


def test_superseded_files_are_deleted_once_their_links_have_expired(s3, panels, curator, settings):
    before = exports.build_exports()
    add_gene(curator, panels, "ATXN3")
    after = exports.build_exports()
    assert f"media/{before[Kind.GENES]}" in s3.keys(MEDIA_BUCKET, "media/exports/genes/")  # links may be out

    settings.MEDIA_URL_EXPIRY_SECONDS = 0  # every link handed out for the old files has expired
    deleted = exports.prune(Kind.GENES, keep=after[Kind.GENES])

    assert before[Kind.GENES] in deleted and after[Kind.GENES] not in deleted
    assert s3.keys(MEDIA_BUCKET, "media/exports/genes/") == [f"media/{after[Kind.GENES]}"]


def test_a_review_rebuilds_only_the_panels_file(s3, panels):
    before = exports.build_exports()
    reviewer = make_user(Reviewer.Role.REVIEWER)
    services.review_entity(reviewer, panels.entities.get(entity_name="ATXN2"), rating="AMBER")

    after = exports.build_exports()

    assert [kind for kind in Kind.values if after[kind] != before[kind]] == [Kind.PANELS]
    assert read_export(s3, Kind.PANELS)[0]["# rated genes/total genes"] == "2 of 2 genes reviewed"


# --- Coalesced scheduling --------------------------------------------------------------------


def test_a_burst_of_panel_changes_queues_one_delayed_build(queued, curator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        panel = make_panel(curator)
    for symbol in ("BRCA1", "BRCA2", "PALB2"):
        with django_capture_on_commit_callbacks(execute=True):
            add_gene(curator, panel, symbol)

    (result,) = queued.results
    assert result.task.func is build_exports.func
    delay = result.task.run_after - timezone.now()
    assert (
        timedelta(seconds=exports.REBUILD_DELAY_SECONDS - 10)
        < delay
        <= timedelta(seconds=exports.REBUILD_DELAY_SECONDS)
    )


def test_a_change_after_a_build_started_queues_the_next(s3, queued, curator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        panel = make_panel(curator)
    exports.build_exports()

    with django_capture_on_commit_callbacks(execute=True):
        add_gene(curator, panel)

    assert len(queued.results) == 2


def test_a_pending_mark_that_outlived_its_build_is_replaced(queued, curator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        panel = make_panel(curator)
    ExportFile.objects.update(rebuild_requested_at=timezone.now() - exports.PENDING_EXPIRES_AFTER)

    with django_capture_on_commit_callbacks(execute=True):
        add_gene(curator, panel)

    assert len(queued.results) == 2


def test_a_panel_change_succeeds_even_when_the_build_cannot_be_queued(
    settings, curator, django_capture_on_commit_callbacks, caplog
):
    settings.PANEL_EXPORTS_REBUILD_ON_CHANGE = True
    settings.TASKS = {"default": {"BACKEND": "serverless.tasks.backends.SQSBackend", "OPTIONS": {}}}

    with django_capture_on_commit_callbacks(execute=True):
        panel = make_panel(curator, "Still saved")

    assert Panel.objects.get(pk=panel.pk).name == "Still saved"
    assert "Could not schedule a rebuild of the panel exports" in caplog.text
    # Nothing was queued, so nothing is marked pending: the next change tries again.
    assert not ExportFile.objects.filter(rebuild_requested_at__isnull=False).exists()


# --- The download views ---------------------------------------------------------------------


def test_a_reader_waiting_on_a_missing_file_replaces_a_build_that_never_started(client, queued):
    """A restarted local stack loses its in-memory queue, and the pending mark of the build it held stays up."""
    exports.schedule_rebuild()
    ExportFile.objects.update(rebuild_requested_at=timezone.now() - exports.LOST_BUILD_AFTER - timedelta(seconds=1))

    response = client.get("/panels/download_genes/")

    assert response.status_code == 202
    assert len(queued.results) == 2


def test_a_reader_does_not_queue_again_while_a_build_may_still_start(client, queued):
    exports.schedule_rebuild()

    client.get("/panels/download_genes/")

    assert len(queued.results) == 1


def test_before_the_first_build_the_download_says_so_and_requests_one_at_once(client, queued, settings):
    settings.PANEL_EXPORTS_REBUILD_ON_CHANGE = False  # asking for a missing file builds it regardless

    response = client.get("/panels/download_genes/")

    assert response.status_code == 202
    assert response["Retry-After"] == "60"
    page = response.content.decode()
    assert "All genes: not built yet" in page and '<link rel="stylesheet"' in page
    (result,) = queued.results
    assert result.task.func is build_exports.func and result.task.run_after is None
    client.get("/panels/download_panel/")  # asking again does not queue again
    assert len(queued.results) == 1


def test_each_download_redirects_to_its_newest_file_presigned(s3, client, panels):
    exports.build_exports()

    for url, kind in [
        ("/panels/download_panel/", Kind.PANELS),
        ("/panels/download_genes/", Kind.GENES),
        ("/panels/download_strs/", Kind.STRS),
        ("/panels/download_regions/", Kind.REGIONS),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        export = ExportFile.objects.get(kind=kind)
        assert response["Location"].startswith(f"{s3.endpoint}/{MEDIA_BUCKET}/media/{export.name}?")
        assert "X-Amz-Expires=3600" in response["Location"]


def test_a_download_view_costs_one_query(s3, client, panels, django_assert_num_queries):
    exports.build_exports()

    with django_assert_num_queries(1):
        assert client.get("/panels/download_genes/").status_code == 302


def test_a_large_export_goes_out_through_s3_as_a_presigned_redirect(s3, client, curator):
    name = "Genetic epilepsy syndromes, developmental and epileptic encephalopathies and neurodevelopmental disorders"
    bulk_genes(curator, make_panel(curator, name), 6000)
    exports.build_exports()

    response = client.get("/panels/download_genes/")
    fetched = requests.get(response["Location"], timeout=30)

    assert fetched.status_code == 200
    assert len(fetched.content) > 1024 * 1024
    built_at = ExportFile.objects.get(kind=Kind.GENES).built_at
    assert fetched.headers["Content-Disposition"] == f'attachment; filename="All_genes_{built_at:%Y%m%d-%H%M}.tsv"'
    assert len(parse(fetched.content)) == 6000


def test_the_links_expire(s3, client, panels):
    exports.build_exports()
    url = client.get("/panels/download_strs/")["Location"]
    assert requests.get(url, timeout=10).status_code == 200

    s3.rules.offset = 3601

    assert requests.get(url, timeout=10).status_code == 403


# --- Files built before cells were neutralised ------------------------------------------------------


def built_before_the_rule(kind: str = Kind.GENES) -> None:
    """Every file built, ``kind``'s by code before ``exports.FORMAT``: its source does not name the format."""
    exports.export_rows()
    current = f"{exports.FORMAT};snapshots:1:1"
    ExportFile.objects.update(name="exports/current.tsv", source=current, built_at=timezone.now())
    ExportFile.objects.filter(kind=kind).update(name=f"exports/{kind}/old.tsv", source="snapshots:1:1")


def test_a_file_of_an_older_format_is_never_served_and_a_build_is_queued(client, queued):
    built_before_the_rule(Kind.GENES)
    exports.store_once("exports/current.tsv", io.BytesIO(b"current"))

    response = client.get("/panels/download_genes/")

    assert response.status_code == 202 and response["Retry-After"] == "60"
    assert "All genes: being rebuilt" in response.content.decode() and "older format" in response.content.decode()
    (result,) = queued.results
    assert result.task.func is build_exports.func
    assert client.get("/panels/download_strs/").status_code == 302  # the other files are current


def test_a_build_replaces_a_file_of_an_older_format_though_no_panel_changed(s3, client, panels):
    exports.build_exports()
    old_name = "exports/genes/built-before-the-rule.tsv"
    body = "\t".join(exports.HEADERS[Kind.GENES]) + "\r\n=1+1\r\n"
    s3.client.put_object(Bucket=MEDIA_BUCKET, Key=f"media/{old_name}", Body=body.encode())
    old_source = ExportFile.objects.get(kind=Kind.GENES).source.removeprefix(f"{exports.FORMAT};")
    ExportFile.objects.filter(kind=Kind.GENES).update(name=old_name, source=old_source)

    names = exports.build_exports()

    assert names[Kind.GENES] != old_name
    assert [r["Symbol"] for r in read_export(s3, Kind.GENES)] == ["ATXN1", "ATXN2", "ATXN1", "ATXN2"]
    assert client.get("/panels/download_genes/")["Location"].split("?")[0].endswith(names[Kind.GENES])


def test_the_block_shows_a_file_of_an_older_format_as_not_built():
    built_before_the_rule(Kind.GENES)

    html = render_block()

    assert html.count("not built yet") == 1 and html.count("built <time") == 3


# --- The downloads block -----------------------------------------------------------------------


def render_block() -> str:
    return Template('{% include "panels/_downloads.html" %}').render(Context({}))


def test_the_block_says_when_nothing_was_built_yet():
    html = render_block()

    assert html.count("not built yet") == 4
    for url in ("/panels/download_panel/", "/panels/download_genes/", "/panels/download_strs/"):
        assert f'href="{url}"' in html


def test_the_block_says_when_each_file_was_built_and_whether_an_update_is_coming(s3, panels):
    exports.build_exports()
    built_at = ExportFile.objects.get(kind=Kind.GENES).built_at
    ExportFile.objects.filter(kind=Kind.GENES).update(rebuild_requested_at=timezone.now())

    html = render_block()

    assert f'datetime="{built_at.isoformat()}"' in html
    assert html.count("built <time") == 4
    assert html.count("an update is being built") == 1


def test_the_block_costs_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        render_block()


# --- Files gone from storage (a restarted local stack, a bucket restored without them) ----------


@pytest.fixture
def media_on_s3(s3, settings):
    """Media on the emulated S3; static files (no collectstatic here) named as they are, for the pages."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    return s3


def test_a_file_gone_from_storage_is_never_linked_and_a_build_is_queued_at_once(media_on_s3, client, panels, queued):
    exports.build_exports()
    gone = ExportFile.objects.get(kind=Kind.PANELS).name
    media_on_s3.client.delete_object(Bucket=MEDIA_BUCKET, Key=f"media/{gone}")

    response = client.get("/panels/download_panel/")

    page = response.content.decode()
    assert response.status_code == 202 and "All panels: being rebuilt" in page and "no longer in storage" in page
    assert "first build" not in page
    (result,) = queued.results
    assert result.task.func is build_exports.func and result.task.run_after is None
    assert ExportFile.objects.get(kind=Kind.PANELS).name == ""
    again = client.get("/panels/download_panel/").content.decode()  # the name is forgotten: still a rebuild
    assert "All panels: being rebuilt" in again and "first build" not in again
    assert client.get("/panels/download_genes/").status_code == 302  # the others are still there


def test_a_file_gone_from_storage_is_written_again_though_no_panel_changed(s3, client, panels):
    exports.build_exports()
    gone = ExportFile.objects.get(kind=Kind.GENES).name
    s3.client.delete_object(Bucket=MEDIA_BUCKET, Key=f"media/{gone}")

    exports.build_exports()

    assert ExportFile.objects.get(kind=Kind.GENES).name == gone
    response = client.get("/panels/download_genes/")
    assert response.status_code == 302
    assert requests.get(response["Location"], timeout=10).status_code == 200


def test_a_pending_mark_does_not_keep_a_missing_file_from_being_rebuilt(media_on_s3, client, panels, queued):
    exports.build_exports()
    ExportFile.objects.update(rebuild_requested_at=timezone.now())  # a build that may never come
    media_on_s3.client.delete_object(Bucket=MEDIA_BUCKET, Key=f"media/{ExportFile.objects.get(kind=Kind.STRS).name}")

    assert client.get("/panels/download_strs/").status_code == 202

    (result,) = queued.results
    assert result.task.func is build_exports.func


def test_storage_not_answering_shows_a_page_not_an_error(media_on_s3, client, panels, settings, monkeypatch):
    exports.build_exports()
    monkeypatch.setenv("AWS_CLIENT_MAX_ATTEMPTS", "1")
    with socket.socket() as closed:  # a port nothing listens on: every connection is refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    default = settings.STORAGES["default"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**default, "OPTIONS": {**default["OPTIONS"], "endpoint_url": f"http://127.0.0.1:{port}"}},
    }

    response = client.get("/panels/download_panel/")

    assert response.status_code == 503
    assert "File storage is not answering" in response.content.decode()


def test_without_a_queue_that_outlives_the_process_a_build_is_not_delayed(settings):
    """A command beside ``make run`` runs tasks in a thread of its own and exits: a delayed build would be lost."""
    from serverless.models import TaskRecord

    settings.TASKS = {"default": {"BACKEND": "serverless.tasks.backends.ThreadBackend"}}

    assert exports.schedule_rebuild()

    (record,) = TaskRecord.objects.filter(task_path=build_exports.module_path)
    assert record.run_after is None
