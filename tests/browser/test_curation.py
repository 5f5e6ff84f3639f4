"""Reviewing and curating in headless Chromium: a reviewer's review, a curator's day, and what the API shows."""

import json

from accounts.models import Reviewer
from panels.models import Evaluation, Panel

from tests.accounts.conftest import PASSWORD, make_account
from tests.browser.conftest import sign_in
from tests.panels.factories import add_gene, make_panel


def api_version(tab, panel_pk: int) -> str:
    return json.loads(tab.request.get(f"/api/v1/panels/{panel_pk}/").text())["version"]


def test_a_reviewer_reviews_and_edits_and_a_curator_rates_tags_readies_promotes_builds_and_copies(
    browser,
    site,
    delivered,
    screenshot,
):
    curator = make_account("curator", Reviewer.Role.CURATOR, email="curator@example.org")
    make_account("reviewer", Reviewer.Role.REVIEWER, email="reviewer@example.org")
    ataxia = make_panel(curator, "Hereditary ataxia")
    add_gene(curator, ataxia, "ATXN1")
    paraplegia = make_panel(curator, "Spastic paraplegia")
    add_gene(curator, paraplegia, "SPAST")
    copy_target = make_panel(curator, "Ataxia, second opinion")
    add_gene(curator, copy_target, "ATXN1")
    entity_page = f"/panels/{ataxia.pk}/gene/ATXN1/"

    # A verified reviewer reviews ATXN1, then changes the review.
    reviewer = browser.new_context(base_url=site).new_page()
    sign_in(reviewer, "reviewer", PASSWORD)
    reviewer.goto(entity_page)
    reviewer.get_by_role("link", name="Review ATXN1").click()
    screenshot(reviewer, "curation-review-form")
    reviewer.get_by_label("Rating").select_option("AMBER")
    reviewer.get_by_label("Comments").fill("Two unrelated families")
    reviewer.get_by_role("button", name="Save my review").click()
    assert reviewer.url.endswith(entity_page)
    assert "Your review is saved." in reviewer.locator("main").inner_text()
    reviewer.get_by_role("link", name="Change your review").click()
    reviewer.get_by_label("Rating").select_option("GREEN")
    reviewer.get_by_label("Comments").fill("Three unrelated families now")
    reviewer.get_by_role("button", name="Update my review").click()
    assert "Three unrelated families now" in reviewer.locator("main").inner_text()
    assert Evaluation.objects.get(user__username="reviewer").rating == "GREEN"

    # A curator rates it green, tags it and marks it ready, each in place (no page load).
    tab = browser.new_context(base_url=site).new_page()
    sign_in(tab, "curator", PASSWORD)
    tab.goto(entity_page)
    tab.evaluate("window.stillThisPage = true")
    tab.get_by_label("Curator rating").select_option("GREEN")
    tab.get_by_role("button", name="Set rating").click()
    tab.get_by_text("Rating saved.").wait_for()
    assert api_version(tab, ataxia.pk) == "0.2"
    tab.get_by_label("Tags").fill("founder, anticipation")
    tab.get_by_role("button", name="Save tags").click()
    tab.get_by_text("Tags saved.").wait_for()
    assert api_version(tab, ataxia.pk) == "0.3"
    tab.get_by_role("button", name="Mark as ready").click()
    tab.get_by_text("Marked as ready.").wait_for()
    assert tab.evaluate("window.stillThisPage") is True
    screenshot(tab, "curation-entity-tools")
    api = json.loads(tab.request.get(f"/api/v1/panels/{ataxia.pk}/").text())
    [gene] = api["genes"]
    assert (gene["confidence_level"], gene["tags"]) == ("3", ["anticipation", "founder"])

    # The curator promotes the panel; the reviewer is told by e-mail, delivered through the task queue.
    tab.goto(f"/panels/{ataxia.pk}/")
    tab.get_by_role("link", name="Promote").click()
    tab.get_by_label("Comment").fill("Reviewed by the neurology GMS panel")
    tab.get_by_role("button", name="Promote").click()
    assert api_version(tab, ataxia.pk) == "1.0"
    assert delivered("reviewer@example.org", "promoted to version 1.0").endswith(f"/panels/{ataxia.pk}/")

    # A super panel of two panels.
    tab.goto("/panels/create/")
    tab.get_by_label("Name").fill("Neurology super panel")
    tab.get_by_label("Status").select_option("public")
    tab.get_by_label("Child panels").select_option([str(ataxia.pk), str(paraplegia.pk)])
    screenshot(tab, "curation-new-panel")
    tab.get_by_role("button", name="Create the panel").click()
    created = Panel.objects.get(name="Neurology super panel")
    api = json.loads(tab.request.get(f"/api/v1/panels/{created.pk}/").text())
    assert sorted(g["entity_name"] for g in api["genes"]) == ["ATXN1", "SPAST"]

    # Reviews copied from one panel to another.
    tab.goto(f"/panels/{copy_target.pk}/")
    tab.get_by_role("link", name="Copy reviews from a panel").click()
    tab.get_by_label("Source").select_option(str(ataxia.pk))
    tab.get_by_role("button", name="Copy the reviews").click()
    assert "2 reviews copied from Hereditary ataxia." in tab.locator("main").inner_text()
    assert Evaluation.objects.filter(entity__panel=copy_target).count() == 2
