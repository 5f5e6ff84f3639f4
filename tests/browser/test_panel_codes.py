"""A panel's description and codes in Chromium: the panel page, the curator's form, the panel list by disorder code.

With ``SCREENSHOTS=docs`` the pages are kept in docs/screenshots/ (desktop and 390-pixel phone).
"""

import pytest
from accounts.models import Reviewer

from tests.browser.conftest import sign_in
from tests.browser.test_site import PHONE
from tests.panels.factories import add_gene, make_panel, make_user

DESCRIPTION = (
    "Adult-onset cerebellar ataxias: progressive imbalance, dysarthria and eye-movement disorders, "
    "with or without spasticity or neuropathy."
)


@pytest.fixture
def coded(site):
    curator = make_user(Reviewer.Role.CURATOR, username="curator")
    curator.set_password("pass-word-1")
    curator.save()
    panel = make_panel(
        curator,
        name="Hereditary ataxia",
        description=DESCRIPTION,
        omim=["164400", "183090", "607136"],
        orphanet=["ORPHA:98755"],
        hpo=["HP:0001251", "HP:0002066"],
        relevant_disorders=["R54 Hereditary ataxia", "Spinocerebellar ataxia"],
    )
    add_gene(curator, panel, "ATXN1")
    make_panel(curator, name="Breast cancer", relevant_disorders=["R208 Inherited breast cancer and ovarian cancer"])
    return panel


def shoot_both(tab, screenshot, name: str) -> None:
    screenshot(tab, name, width=1280)
    screenshot(tab, f"{name}-phone", width=PHONE)
    overflow = tab.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} scrolls sideways on a phone by {overflow}px"
    tab.set_viewport_size({"width": 1280, "height": 900})


def test_the_panel_page_shows_the_description_and_links_each_code(page, coded, screenshot):
    page.goto(f"/panels/{coded.pk}/")

    assert DESCRIPTION in page.locator(".panel-description").inner_text()
    assert page.get_by_role("link", name="HP:0001251").get_attribute("href") == (
        "https://hpo.jax.org/browse/term/HP:0001251"
    )
    shoot_both(page, screenshot, "panel-codes")


def test_other_panels_with_a_code_are_one_click_away_and_found_without_javascript(browser, site, coded, screenshot):
    context = browser.new_context(base_url=site, java_script_enabled=False)
    tab = context.new_page()
    tab.goto("/panels/")

    tab.get_by_label("Disorder code").fill("R208")
    tab.get_by_role("button", name="Search").click()

    assert tab.locator(".panel-table tbody tr").count() == 1
    assert tab.get_by_role("link", name="Breast cancer").is_visible()
    shoot_both(tab, screenshot, "panels-by-disorder-code")
    context.close()


def test_a_curator_edits_the_codes_and_a_bad_one_is_named(page, coded, screenshot):
    sign_in(page, "curator", "pass-word-1")
    page.goto(f"/panels/{coded.pk}/update/")
    shoot_both(page, screenshot, "panel-form-codes")

    page.get_by_label("HPO terms").fill("HP:0001251, HP:12")
    page.get_by_role("button", name="Save").click()

    assert "Incorrect HPO term 'HP:12'" in page.content().replace("&#x27;", "'")
    shoot_both(page, screenshot, "panel-form-codes-error")
