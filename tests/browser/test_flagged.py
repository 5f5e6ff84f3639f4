"""Flagged entities in headless Chromium: a reviewer's addition is flagged until a curator approves it."""

from accounts.models import Reviewer
from panels import services

from tests.accounts.conftest import PASSWORD, make_account
from tests.browser.conftest import sign_in
from tests.panels.factories import add_gene, make_panel

PHONE = 390
DESKTOP = 1280


def test_a_curator_finds_a_reviewers_addition_by_its_flag_and_approves_it(page, site, screenshot):
    curator = make_account("curator", Reviewer.Role.CURATOR, email="curator@example.org")
    reviewer = make_account("reviewer", Reviewer.Role.REVIEWER, email="reviewer@example.org")
    ataxia = make_panel(curator, "Hereditary ataxia")
    atxn1 = add_gene(curator, ataxia, "ATXN1", phenotypes=["Spinocerebellar ataxia 1"])
    services.review_entity(curator, atxn1, rating="GREEN", comments="Well established.")
    add_gene(curator, ataxia, "FXN", phenotypes=["Friedreich ataxia"])
    add_gene(reviewer, ataxia, "SETX", phenotypes=["Ataxia with oculomotor apraxia 2"], sources=["Literature"])
    services.update_entity(curator, ataxia.entities.get(entity_name="FXN"), transcript=["NM_000144.5"])

    sign_in(page, "curator", PASSWORD)
    page.set_viewport_size({"width": DESKTOP, "height": 900})
    page.goto(f"/panels/{ataxia.pk}/")
    setx_row = page.locator("tr", has=page.get_by_role("link", name="SETX", exact=True))
    assert "Flagged" in setx_row.inner_text()
    screenshot(page, "flagged-panel")
    screenshot(page, "flagged-panel-phone", width=PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE

    # "Flagged only", with the keyboard: the table keeps the flagged rows at once (filter.js), the server agrees.
    page.set_viewport_size({"width": DESKTOP, "height": 900})
    page.get_by_label("Flagged only").focus()
    page.keyboard.press("Space")
    assert page.locator("tr[data-flagged]").is_visible()
    assert not page.locator("tr", has=page.get_by_role("link", name="FXN", exact=True)).is_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Filter").click()
    assert "flagged=1" in page.url
    assert page.get_by_role("link", name="FXN", exact=True).count() == 0

    page.get_by_role("link", name="SETX", exact=True).click()
    page.wait_for_url(f"**/panels/{ataxia.pk}/gene/SETX/")
    screenshot(page, "flagged-entity")
    screenshot(page, "flagged-entity-phone", width=PHONE)
    page.set_viewport_size({"width": DESKTOP, "height": 900})
    page.get_by_label("Comment on the approval (optional)").fill("Two families in the literature")
    page.get_by_role("button", name="Approve SETX").click()
    page.get_by_text("SETX is approved.").wait_for()
    assert page.get_by_role("button", name="Approve SETX").count() == 0
    assert page.locator(".badge-flagged").count() == 0
    assert "SETX approved: Two families in the literature" in page.locator("#history-title + ol").inner_text()

    page.goto(f"/panels/{ataxia.pk}/gene/FXN/")
    assert page.locator("dt", has_text="Transcripts").count() == 1
    assert page.get_by_text("NM_000144.5").is_visible()
    screenshot(page, "gene-transcripts")
