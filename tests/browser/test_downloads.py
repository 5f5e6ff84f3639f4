"""Downloading panels in Chromium: the TSV arrives as a file a pipeline can parse, even above 1 MB."""

import csv
import io

import pytest
from accounts.models import Reviewer
from panels import services, tsv
from panels.models import Panel

from tests.panels.factories import add_gene, add_str, bulk_genes, make_panel, make_user

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
