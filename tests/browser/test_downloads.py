"""Downloading panels in Chromium: the TSV arrives as a file a pipeline can parse, even above 1 MB."""

import csv
import io
import time

import pytest
from accounts.models import Reviewer
from django.core.management import call_command
from panels import exports, services, tsv
from panels.models import ExportFile, Panel

from tests.imports.files import gene_row, panel_file
from tests.panels.factories import add_gene, add_str, bulk_genes, make_gene, make_panel, make_user
from tests.test_storage_emulator import MEDIA_BUCKET

pytestmark = pytest.mark.browser


def parse(text: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter="\t")
    assert tuple(reader.fieldnames) == tsv.COLUMNS
    return list(reader)


def follow_link(page, href: str):
    """Click a link to ``href`` on the current page and return the download it starts."""
    page.evaluate(
        """href => { const a = document.createElement('a'); a.href = href; a.id = 'download-link';
                     a.textContent = 'Download'; document.body.append(a); }""",
        href,
    )
    with page.expect_download() as started:
        page.click("#download-link")
    return started.value


@pytest.fixture
def curator(site):
    return make_user(Reviewer.Role.CURATOR)


def test_a_panel_tsv_downloads_from_its_page_and_parses(page, curator):
    panel = make_panel(curator, "Hereditary ataxia")
    services.review_entity(curator, add_gene(curator, panel, "ATXN1"), rating="GREEN")
    add_gene(curator, panel, "ATXN2")
    add_str(curator, panel, "ATXN1_SCA1")
    page.goto(f"/panels/{panel.pk}/")

    download = follow_link(page, f"/panels/{panel.pk}/download/01234/")

    assert download.suggested_filename == f"Hereditary ataxia-v{Panel.objects.get(pk=panel.pk).version}.tsv"
    rows = parse(download.path().read_text(encoding="utf-8"))
    assert [(r["Entity Name"], r["Entity type"], r["GEL_Status"]) for r in rows] == [
        ("ATXN1", "gene", "3"),
        ("ATXN2", "gene", "0"),
        ("ATXN1_SCA1", "str", "0"),
    ]


def test_the_green_list_of_a_panel_downloads_only_its_green_entities(page, curator):
    panel = make_panel(curator, "Hereditary ataxia")
    services.review_entity(curator, add_gene(curator, panel, "ATXN1"), rating="GREEN")
    add_gene(curator, panel, "ATXN2")
    page.goto(f"/panels/{panel.pk}/")

    download = follow_link(page, f"/panels/{panel.pk}/download/34/")

    assert [r["Entity Name"] for r in parse(download.path().read_text(encoding="utf-8"))] == ["ATXN1"]


def test_a_panel_above_1_mb_downloads_from_s3(page, curator, s3):
    panel = make_panel(curator, "Genetic epilepsy syndromes and developmental and epileptic encephalopathies")
    bulk_genes(curator, panel, 6000)
    page.goto(f"/panels/{panel.pk}/")

    download = follow_link(page, f"/panels/{panel.pk}/download/01234/")

    assert download.url.startswith(f"{s3.endpoint}/panelapp-media/media/downloads/panels/{panel.pk}/")
    assert download.suggested_filename == f"{panel.name}-v{Panel.objects.get(pk=panel.pk).version}.tsv"
    text = download.path().read_text(encoding="utf-8")
    assert len(text.encode()) > 1024 * 1024
    assert len(parse(text)) == 6000


def test_a_bad_category_string_shows_a_friendly_page(page, curator, screenshot):
    panel = make_panel(curator, "Hereditary ataxia")

    response = page.goto(f"/panels/{panel.pk}/download/green/")

    assert response.status == 400
    assert page.locator("h1").inner_text() == "Unknown categories"
    assert "34 for the green list" in page.locator("main").inner_text()
    assert screenshot(page, "download-bad-categories").stat().st_size > 0
    assert screenshot(page, "download-bad-categories-phone", width=390).stat().st_size > 0


def test_an_export_not_built_yet_says_so(page, screenshot, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}  # the build is not run

    response = page.goto("/panels/download_genes/")

    assert response.status == 202
    assert page.locator("h1").inner_text() == "All genes: not built yet"
    assert screenshot(page, "download-not-built-yet", width=390).stat().st_size > 0


def download_all_panels(page):
    """Follow "All panels (TSV)" on the panels list; the rows of the file it downloads."""
    page.goto("/panels/")
    with page.expect_download() as started:
        page.get_by_role("link", name="All panels (TSV)").click()
    download = started.value
    assert download.suggested_filename.startswith("All_panels_")
    return list(csv.DictReader(io.StringIO(download.path().read_text(encoding="utf-8"), newline=""), delimiter="\t"))


def built(kind: str = ExportFile.Kind.PANELS, timeout: float = 30) -> None:
    """Wait for the worker's build of the panels as they are now: the file's source is the current one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        export = ExportFile.objects.filter(kind=kind, rebuild_requested_at__isnull=True).exclude(name="").first()
        if export and export.source == exports.sources()[kind]:
            return
        time.sleep(0.2)
    raise AssertionError(f"the {kind} export was not built within {timeout} s")


def test_all_panels_downloads_after_a_command_line_import_and_after_a_restart(
    page, aws_site, curator, settings, tmp_path, screenshot
):
    """As under ``make run``: the import's change rebuilds the file; a bucket emptied by a restart rebuilds it again."""
    settings.PANEL_EXPORTS_REBUILD_ON_CHANGE = True
    panel = make_panel(curator, "Hereditary ataxia", status=Panel.Status.PUBLIC)
    make_gene("ATXN1")
    path = tmp_path / "ataxia.tsv"
    path.write_bytes(panel_file(gene_row("ATXN1", panel="Hereditary ataxia")))

    call_command("import_panels", str(path), stdout=io.StringIO())
    panel.refresh_from_db()
    assert panel.version != "0.0"  # the import made a version
    built()

    rows = download_all_panels(page)
    assert [(row["Level 4 title"], row["Current Version"]) for row in rows] == [("Hereditary ataxia", panel.version)]
    screenshot(page, "downloads-after-import")

    for key in aws_site.keys(MEDIA_BUCKET, "media/"):  # a restarted make run: a new, empty bucket
        aws_site.client.delete_object(Bucket=MEDIA_BUCKET, Key=key)
    response = page.goto("/panels/download_panel/")

    assert response.status == 202 and page.locator("h1").inner_text() == "All panels: being rebuilt"
    screenshot(page, "downloads-rebuilding-after-restart", width=390)
    built()
    assert download_all_panels(page) == rows
