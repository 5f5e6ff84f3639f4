"""Comment threads in headless Chromium, and the small fixes of the pages around them (desktop and 390 px)."""

import pytest
from accounts.models import Reviewer
from panels.models import Comment
from playwright.sync_api import expect

from tests.accounts.conftest import PASSWORD, make_account
from tests.browser.conftest import sign_in
from tests.panels.factories import add_gene, make_panel

PHONE = 390


def shows_thread(tab, texts: list[str]) -> None:
    """The page the last click leads to shows these comments (waiting for it, as a reader would)."""
    expect(tab.locator(".thread__text")).to_have_text(texts)


def test_a_reviewer_comments_twice_edits_one_deletes_their_own_and_a_curator_deletes_another(browser, site, screenshot):
    curator = make_account("curator", Reviewer.Role.CURATOR, email="curator@example.org")
    make_account("reviewer", Reviewer.Role.REVIEWER, email="reviewer@example.org")
    make_account("second", Reviewer.Role.REVIEWER, email="second@example.org")
    panel = make_panel(curator, "Hereditary ataxia")
    add_gene(curator, panel, "ATXN1")
    entity_page = f"/panels/{panel.pk}/gene/ATXN1/"

    # A reviewer reviews with a comment, then comments again through the same form: both stay, oldest first.
    tab = browser.new_context(base_url=site).new_page()
    sign_in(tab, "reviewer", PASSWORD)
    tab.goto(entity_page)
    tab.get_by_role("link", name="Review ATXN1").click()
    tab.get_by_label("Rating").select_option("AMBER")
    tab.get_by_label("Comments").fill("Two unrelated familes")
    tab.get_by_role("button", name="Save my review").click()
    tab.get_by_role("link", name="Change your review").click()
    assert tab.get_by_label("Comments").input_value() == ""  # a new comment, not the old one to overwrite
    tab.get_by_label("Comments").fill("A third family since")
    tab.get_by_role("button", name="Update my review").click()
    shows_thread(tab, ["Two unrelated familes", "A third family since"])

    # The reviewer corrects the first comment: it keeps its place and says it was edited.
    first = Comment.objects.get(text="Two unrelated familes")
    tab.locator(f"#comment-{first.pk}").get_by_role("link", name="Edit").click()
    screenshot(tab, "comment-edit")
    screenshot(tab, "comment-edit-phone", width=PHONE)
    tab.set_viewport_size({"width": 1280, "height": 900})
    tab.get_by_label("Comment").fill("Two unrelated families")
    tab.get_by_role("button", name="Save my comment").click()
    assert "Your comment is updated." in tab.locator("main").inner_text()
    shows_thread(tab, ["Two unrelated families", "A third family since"])
    assert "edited" in tab.locator(f"#comment-{first.pk} .thread__meta").inner_text()

    # ... and deletes the second one of theirs.
    second = Comment.objects.get(text="A third family since")
    tab.locator(f"#comment-{second.pk}").get_by_role("button", name="Delete").click()
    tab.get_by_text("The comment is deleted.").wait_for()
    shows_thread(tab, ["Two unrelated families"])

    # Another reviewer comments; they see no edit or delete on the first reviewer's comment.
    other = browser.new_context(base_url=site).new_page()
    sign_in(other, "second", PASSWORD)
    other.goto(entity_page)
    other.get_by_role("link", name="Review ATXN1").click()
    other.get_by_label("Comments").fill("Not convinced")
    other.get_by_role("button", name="Save my review").click()
    theirs = Comment.objects.get(text="Not convinced")
    first_comment = other.locator(f"#comment-{first.pk}")
    assert first_comment.get_by_role("link", name="Edit").count() == 0
    assert first_comment.get_by_role("button", name="Delete").count() == 0

    # A curator deletes the other reviewer's comment (and may not edit it).
    desk = browser.new_context(base_url=site).new_page()
    sign_in(desk, "curator", PASSWORD)
    desk.goto(entity_page)
    screenshot(desk, "comment-thread")
    screenshot(desk, "comment-thread-phone", width=PHONE)
    assert desk.locator(f"#comment-{theirs.pk}").get_by_role("link", name="Edit").count() == 0
    desk.locator(f"#comment-{theirs.pk}").get_by_role("button", name="Delete").click()
    desk.get_by_text("The comment is deleted.").wait_for()
    shows_thread(desk, ["Two unrelated families"])
    assert list(Comment.objects.values_list("text", flat=True)) == ["Two unrelated families"]


def horizontal_overflow(tab) -> int:
    """How far the page is wider than the window (0: no sideways scroll)."""
    return tab.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.mark.parametrize("width", [1280, PHONE])
def test_a_very_long_search_wraps_instead_of_widening_the_page(page, screenshot, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/panels/?search=" + "a" * 10_000)

    screenshot(page, f"long-search-{width}")
    assert horizontal_overflow(page) == 0


@pytest.mark.parametrize("width", [1280, PHONE])
def test_the_home_pages_cards_stay_above_the_footer_with_no_link_in_a_link(page, screenshot, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/")

    screenshot(page, f"home-{width}")
    # Each card's text and links lie inside its own box (a link in a link is split by the parser and spills out).
    spills = page.evaluate(
        """[...document.querySelectorAll('.cards > li')].flatMap(card => {
             const box = card.getBoundingClientRect();
             return [...card.querySelectorAll('*')].filter(e => e.getBoundingClientRect().bottom > box.bottom + 0.5)
               .map(e => e.textContent.trim());
           })"""
    )
    assert spills == []
    footer_top = page.evaluate("document.querySelector('.site-footer').getBoundingClientRect().top")
    assert page.evaluate("document.querySelector('.cards').getBoundingClientRect().bottom") <= footer_top
    assert page.get_by_role("link", name="OpenAPI schema").get_attribute("href") == "/api/schema/"


@pytest.mark.parametrize("width", [1280, PHONE])
def test_the_profiles_labels_and_values_share_their_rows(browser, site, screenshot, width):
    make_account("me", Reviewer.Role.REVIEWER, email="me@example.org")
    tab = browser.new_context(base_url=site).new_page()
    sign_in(tab, "me", PASSWORD)
    tab.set_viewport_size({"width": width, "height": 900})
    tab.goto("/accounts/profile/")

    screenshot(tab, f"profile-{width}")
    rows = tab.evaluate(
        """[...document.querySelectorAll('.facts dt')].map(dt => [
             dt.getBoundingClientRect().top, dt.nextElementSibling.getBoundingClientRect().top,
             dt.getBoundingClientRect().left])"""
    )
    assert len(rows) >= 4
    assert all(abs(term_top - value_top) < 4 for term_top, value_top, _ in rows)  # each value beside its label
    assert len({round(left) for *_, left in rows}) == 1  # the labels in one column
    assert horizontal_overflow(tab) == 0
