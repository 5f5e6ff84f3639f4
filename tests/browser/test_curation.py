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


PHONE = 390


def signed_off_in_api(tab, panel_pk: int) -> list[tuple[str, str]]:
    """(version, date) of the panel's sign-offs as the API lists them."""
    body = json.loads(tab.request.get(f"/api/v1/panels/signedoff/?panel_id={panel_pk}&display=all").text())
    return [(panel["version"], panel["signed_off"]) for panel in body["results"]]


def shoot(screenshot, tab, name: str) -> None:
    """The page at desktop width and on a phone, then back to desktop."""
    screenshot(tab, name, width=1280)
    screenshot(tab, f"{name}-phone", width=PHONE)
    tab.set_viewport_size({"width": 1280, "height": 900})


def test_a_curator_finds_their_tools_confirms_a_removal_signs_off_and_withdraws(browser, site, page, screenshot):
    from datetime import date

    from django.utils import timezone
    from panels import services

    curator = make_account("curator", Reviewer.Role.CURATOR, email="curator@example.org")
    waiting = make_account("hopeful", Reviewer.Role.EXTERNAL)
    Reviewer.objects.filter(user=waiting).update(approval=Reviewer.Approval.PENDING, email_verified_at=timezone.now())
    ataxia = make_panel(curator, "Hereditary ataxia")
    add_gene(curator, ataxia, "ATXN1")
    add_gene(curator, ataxia, "ATXN2")  # ataxia is now at 0.2
    retired = make_panel(curator, "Retired ataxia", status=Panel.Status.RETIRED)
    services.sign_off(
        curator, make_panel(curator, "Spastic paraplegia"), version="0.0", signed_off_date=date(2025, 3, 31)
    )
    sign_in(page, "curator", PASSWORD)

    # The header's curator menu: every tool, with the one person waiting to become a reviewer.
    page.goto("/panels/")
    page.get_by_text("Curate", exact=True).click()
    menu = page.locator(".curator-menu")
    assert [" ".join(a.inner_text().split()) for a in menu.get_by_role("link").all()] == [
        "Create a panel",
        "Imports",
        "Home page files",
        "Reviewers waiting 1",
    ]
    shoot(screenshot, page, "curation-menu")
    page.keyboard.press("Escape")
    assert not menu.get_attribute("open") and menu.get_by_role("link").first.is_hidden()
    # A retired panel stays out of the list until asked for, curator or not.
    assert page.get_by_role("link", name=retired.name).count() == 0
    page.get_by_label("Include retired panels").check()
    page.get_by_role("button", name="Search").click()
    assert page.get_by_role("link", name=retired.name).count() == 1

    # The panel offers only the status changes that apply: no "Approve" on a public panel.
    page.goto(f"/panels/{ataxia.pk}/")
    tools = page.locator(".tools")
    assert tools.get_by_role("button", name="Approve").count() == 0
    assert tools.get_by_role("link", name="Retire").count() == 1
    shoot(screenshot, page, "curation-panel-tools")

    # Removing a gene asks first, in a dialog: Cancel keeps it, Confirm removes it.
    page.goto(f"/panels/{ataxia.pk}/gene/ATXN2/")
    page.get_by_role("link", name="Remove ATXN2").click()
    dialog = page.get_by_role("dialog", name="Remove ATXN2 from Hereditary ataxia?")
    dialog.wait_for()
    shoot(screenshot, page, "curation-confirm-dialog")
    dialog.get_by_role("link", name="Cancel").click()
    dialog.wait_for(state="detached")
    assert ataxia.entities.filter(entity_name="ATXN2").exists()
    page.get_by_role("link", name="Remove ATXN2").click()
    page.get_by_role("dialog").get_by_label("Comment").fill("Not this phenotype")
    page.get_by_role("dialog").get_by_role("button", name="Remove ATXN2").click()
    page.get_by_text("ATXN2 is removed from Hereditary ataxia.").wait_for()
    assert not ataxia.entities.filter(entity_name="ATXN2").exists()
    assert api_version(page, ataxia.pk) == "0.3"

    # Without JavaScript the same link is a page asking the same question.
    plain = browser.new_context(base_url=site, java_script_enabled=False).new_page()
    sign_in(plain, "curator", PASSWORD)
    plain.goto(f"/panels/{ataxia.pk}/gene/ATXN1/")
    plain.get_by_role("link", name="Clear all sources").click()
    assert plain.locator("h1").inner_text() == "Remove all sources of ATXN1?"
    shoot(screenshot, plain, "curation-confirm-page")
    plain.get_by_role("button", name="Remove all sources").click()
    assert "All sources removed." in plain.locator("main").inner_text()
    assert not ataxia.entities.get(entity_name="ATXN1").evidence.exists()
    plain.context.close()

    # Sign off an earlier version on a chosen day; the panel page and the list say so.
    page.goto(f"/panels/{ataxia.pk}/")
    page.get_by_role("link", name="Sign off a version").click()
    page.get_by_label("Version", exact=True).select_option("0.1")
    page.get_by_label("Signed off on").fill("2025-03-31")
    shoot(screenshot, page, "curation-sign-off")
    page.get_by_role("button", name="Sign off").click()
    assert "Version 0.1 of Hereditary ataxia is signed off on 31 Mar 2025." in page.locator("main").inner_text()
    assert "✔ v0.1 on 31 Mar 2025" in page.locator(".facts").inner_text()
    assert signed_off_in_api(page, ataxia.pk) == [("0.1", "2025-03-31")]
    page.goto("/panels/")
    row = page.locator("tr", has=page.get_by_role("link", name="Hereditary ataxia", exact=True))
    assert "✔ v0.1 signed off 31 Mar 2025" in row.inner_text()
    shoot(screenshot, page, "curation-panel-list-signed-off")

    # Withdraw it, after the question.
    page.goto(f"/panels/{ataxia.pk}/sign_off/")
    page.get_by_role("link", name="Withdraw the sign-off of v0.1").click()
    page.get_by_role("dialog").get_by_role("button", name="Withdraw the sign-off").click()
    assert "The sign-off of version 0.1 of Hereditary ataxia is withdrawn." in page.locator("main").inner_text()
    assert page.locator(".facts").get_by_text("Signed off").count() == 0
    assert "signed off" not in page.locator(".versions").inner_text().lower()
    assert signed_off_in_api(page, ataxia.pk) == []


def test_a_superusers_rating_changes_the_confidence_level_on_the_page_and_in_the_api(page, screenshot):
    curator = make_account("curator", Reviewer.Role.CURATOR)
    make_account("root", is_staff=True, is_superuser=True)
    ataxia = make_panel(curator, "Hereditary ataxia")
    add_gene(curator, ataxia, "ATXN1")
    sign_in(page, "root", PASSWORD)

    page.goto(f"/panels/{ataxia.pk}/gene/ATXN1/")
    page.get_by_text("Curate", exact=True).click()
    assert page.locator(".curator-menu").get_by_role("link", name="Admin").is_visible()
    page.keyboard.press("Escape")
    page.get_by_label("Curator rating").select_option("RED")
    page.get_by_role("button", name="Set rating").click()
    page.get_by_text("Rating saved.").wait_for()

    assert "Red" in page.locator("main .badge-red").first.inner_text()
    [gene] = json.loads(page.request.get(f"/api/v1/panels/{ataxia.pk}/").text())["genes"]
    assert gene["confidence_level"] == "1" and "Expert Review Red" in gene["evidence"]
    assert api_version(page, ataxia.pk) == "0.2"
    shoot(screenshot, page, "curation-superuser-rating")
