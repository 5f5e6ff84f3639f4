"""A panel file with upstream's placeholder codes, in Chromium: imported, and its page names each code left out."""

from pathlib import Path

import pytest
from accounts.models import Reviewer
from panels.imports import jobs
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.panels.factories import make_gene, make_user

PASSWORD = "a long test password 1"
PLACEHOLDER_CODES = Path(__file__).parents[1] / "imports" / "fixtures" / "upstream_placeholder_codes.tsv"


@pytest.fixture
def imported_job(site):
    user = make_user(Reviewer.Role.CURATOR, username="curator")
    user.set_password(PASSWORD)
    user.save()
    for symbol in ("BRCA1", "BRCA2"):
        make_gene(symbol)
    job = jobs.create_job("panels", source=str(PLACEHOLDER_CODES), file_name=PLACEHOLDER_CODES.name, user=user)
    return jobs.run_inline(job)


def test_the_page_of_an_import_that_left_codes_out_names_each_with_its_row_and_column(page, imported_job, screenshot):
    sign_in(page, "curator", PASSWORD)

    page.goto(f"/panels/admin/imports/{imported_job.pk}/")

    expect(page.locator("#import-status")).to_have_text("Imported")
    expect(page.get_by_text("Panels: 1")).to_be_visible()
    notes = page.locator(".import-notes li")
    expect(notes).to_have_count(5)
    expect(notes.first).to_contain_text("row 2, column 'Omim': Incorrect OMIM number 'asdf'")
    expect(notes.first).to_contain_text("Left out of the new panel 'Placeholder codes panel'")
    screenshot(page, "imports-report-codes-left-out")
    screenshot(page, "imports-report-codes-left-out-phone", width=390)
