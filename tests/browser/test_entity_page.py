"""An entity's page in headless Chromium: stepping through a panel, links to other sites, guidance beside the review."""

from accounts.models import Reviewer
from panels import services

from tests.accounts.conftest import PASSWORD, make_account
from tests.browser.conftest import sign_in
from tests.panels.factories import add_gene, add_region, add_str, make_panel

PHONE = 390
DESKTOP = 1280


def test_a_reviewer_steps_through_a_panel_opens_the_guidance_and_reviews(page, site, screenshot):
    curator = make_account("curator", Reviewer.Role.CURATOR, email="curator@example.org")
    make_account("reviewer", Reviewer.Role.REVIEWER, email="reviewer@example.org")
    ataxia = make_panel(curator, "Hereditary ataxia")
    atxn1 = add_gene(curator, ataxia, "ATXN1", publications=["8358429"], phenotypes=["Spinocerebellar ataxia 1"])
    services.review_entity(curator, atxn1, rating="GREEN", comments="Well established.")
    add_gene(curator, ataxia, "FXN")
    add_str(curator, ataxia, "ATXN1_SCA1")
    add_region(curator, ataxia, "ISCA-37446-Loss")

    sign_in(page, "reviewer", PASSWORD)
    page.set_viewport_size({"width": DESKTOP, "height": 900})
    page.goto(f"/panels/{ataxia.pk}/gene/ATXN1/")
    assert page.get_by_role("link", name="ClinVar variants in ATXN1").get_attribute("rel") == "noopener noreferrer"
    screenshot(page, "entity-page-links")
    screenshot(page, "entity-page-links-phone", width=PHONE)

    # Next, with the keyboard, through the genes and on to the STR.
    page.set_viewport_size({"width": DESKTOP, "height": 900})
    page.get_by_role("link", name="Next: FXN").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/panels/{ataxia.pk}/gene/FXN/")
    page.get_by_role("link", name="Next: ATXN1_SCA1 (STR)").click()
    page.wait_for_url(f"**/panels/{ataxia.pk}/str/ATXN1_SCA1/")
    assert page.get_by_role("link", name="Ensembl chr4:3,074,877-3,074,939 (GRCh38)").count() == 1
    page.get_by_role("link", name="Previous: FXN").click()
    page.wait_for_url(f"**/panels/{ataxia.pk}/gene/FXN/")

    # The guidance is closed until opened, then beside the form.
    page.goto(f"/panels/{ataxia.pk}/gene/ATXN1/review/")
    guidance = page.locator("aside.guidance")
    assert not guidance.get_by_text("Diagnostic grade.").is_visible()
    guidance.get_by_text("Ratings: green, amber, red").click()
    guidance.get_by_text("Mode of inheritance").click()
    assert guidance.get_by_text("Diagnostic grade.", exact=False).is_visible()
    form_box, guidance_box = page.locator("form.stacked").bounding_box(), guidance.bounding_box()
    assert guidance_box["x"] > form_box["x"] + form_box["width"]  # beside it on a desktop
    screenshot(page, "entity-review-guidance")
    screenshot(page, "entity-review-guidance-phone", width=PHONE)
    form_box, guidance_box = page.locator("form.stacked").bounding_box(), guidance.bounding_box()
    assert guidance_box["y"] > form_box["y"]  # below it on a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
