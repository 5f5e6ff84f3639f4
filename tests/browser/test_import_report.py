"""A report that stopped at its limit, in Chromium: the note, a page of problems, the way to the next page."""

import pytest
from accounts.models import Reviewer
from panels.imports import jobs
from panels.imports.files import MAX_ERRORS
from panels.imports.models import ImportJob
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.panels.factories import make_user

PASSWORD = "a long test password 1"


@pytest.fixture
def stopped_job(site):
    user = make_user(Reviewer.Role.CURATOR, username="curator")
    user.set_password(PASSWORD)
    user.save()
    job = jobs.create_job("panels", source="unused", file_name="junk rows.tsv", user=user)
    errors = [
        {"row": 2 + n // 2, "column": "Level4" if n % 2 else "Entity type", "message": "Unknown entity type 'x'."}
        for n in range(MAX_ERRORS)
    ]
    stopped = "Stopped after 1,000 problems: the 3,669,224 lines after row 501 were not checked."
    errors.append({"row": None, "column": "", "message": stopped})
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED, errors=errors, summary={"lines_not_checked": 3_669_224}
    )
    return job


def test_a_stopped_report_says_so_and_pages_its_problems(page, stopped_job, screenshot):
    sign_in(page, "curator", PASSWORD)

    page.goto(f"/panels/admin/imports/{stopped_job.pk}/")

    expect(page.locator(".stopped")).to_contain_text("the 3,669,224 lines of the file after them were not checked")
    expect(page.get_by_text("Problems 1 to 100 of 1001.")).to_be_visible()
    screenshot(page, "imports-report-stopped")
    screenshot(page, "imports-report-stopped-phone", width=390)
    page.get_by_role("link", name="More problems").click()
    expect(page.get_by_text("Page 2 of 11")).to_be_visible()
    expect(page.locator(".row-errors tbody tr")).to_have_count(100)
