"""A curator uploads a panel file in Chromium: straight to storage, imported by the worker, the panel appears."""

import re

import pytest
from accounts.models import Reviewer
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.imports.files import gene_row, panel_file, str_row
from tests.panels.factories import make_gene, make_user

PASSWORD = "a long test password 1"


@pytest.fixture
def curator(site):
    user = make_user(Reviewer.Role.CURATOR, username="curator")
    user.set_password(PASSWORD)
    user.email = "curator@example.org"
    user.save()
    return user


def test_a_curator_uploads_a_panel_file_sees_the_result_and_the_panel_appears(page, curator, tmp_path, screenshot):
    make_gene("BRCA1")
    path = tmp_path / "new panel.tsv"
    name = "Uploaded in a browser"
    path.write_bytes(panel_file(gene_row("BRCA1", panel=name), str_row(panel=name)))
    sign_in(page, "curator", PASSWORD)

    page.goto("/panels/admin/")
    screenshot(page, "imports-upload")
    section = page.get_by_role("region", name="Import panels")
    section.get_by_label("File").set_input_files(str(path))
    section.get_by_role("button", name="Upload and import").click()

    page.wait_for_url(re.compile(r"/panels/admin/imports/[0-9a-f-]{36}/$"))
    expect(page.locator("#import-status")).to_have_attribute("data-status", "succeeded", timeout=30_000)
    expect(page.get_by_role("heading", level=1)).to_have_text("new panel.tsv")
    row = page.get_by_role("row", name=re.compile("Uploaded in a browser"))
    expect(row).to_contain_text("0.0")
    expect(row).to_contain_text("Created")
    screenshot(page, "imports-result")
    screenshot(page, "imports-result-phone", width=390)

    row.get_by_role("link", name="Uploaded in a browser").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Uploaded in a browser")
    expect(page.get_by_text("BRCA1").first).to_be_visible()


def test_a_bad_file_s_rows_are_listed_in_the_browser(page, curator, tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_bytes(panel_file(gene_row("NOPE1", Model_Of_Inheritance="Dominant")))
    sign_in(page, "curator", PASSWORD)

    page.goto("/panels/admin/")
    section = page.get_by_role("region", name="Import panels")
    section.get_by_label("File").set_input_files(str(path))
    section.get_by_role("button", name="Upload and import").click()

    expect(page.locator("#import-status")).to_have_attribute("data-status", "failed", timeout=30_000)
    expect(page.get_by_role("row", name=re.compile("Gene Symbol"))).to_contain_text("Unknown gene symbol 'NOPE1'")
    expect(page.get_by_role("row", name=re.compile("Model_Of_Inheritance"))).to_contain_text("'Dominant'")


def test_a_curator_imports_a_panel_file_into_a_bucket_on_another_origin_and_reads_its_report(
    page, aws_site, curator, tmp_path, screenshot
):
    """As in AWS and ``make run``: the page posts the file to the bucket's own origin, which the CSP and CORS allow."""
    make_gene("BRCA1")
    path = tmp_path / "cross origin.tsv"
    name = "Uploaded to the bucket"
    path.write_bytes(panel_file(gene_row("BRCA1", panel=name)))
    sign_in(page, "curator", PASSWORD)
    blocked = []
    page.on("console", lambda message: "Content Security Policy" in message.text and blocked.append(message.text))

    page.goto("/panels/admin/")
    section = page.get_by_role("region", name="Import panels")
    section.get_by_label("File").set_input_files(str(path))
    section.get_by_role("button", name="Upload and import").click()

    page.wait_for_url(re.compile(r"/panels/admin/imports/[0-9a-f-]{36}/$"))
    expect(page.locator("#import-status")).to_have_attribute("data-status", "succeeded", timeout=30_000)
    expect(page.get_by_role("heading", level=1)).to_have_text("cross origin.tsv")
    expect(page.get_by_role("row", name=re.compile(name))).to_contain_text("Created")
    assert not blocked
    assert [key.rsplit("/", 1)[-1] for key in aws_site.keys("panelapp-media", "media/uploads/")] == ["cross_origin.tsv"]
    screenshot(page, "imports-result-cross-origin")
    screenshot(page, "imports-result-cross-origin-phone", width=390)
