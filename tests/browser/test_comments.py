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


def test_another_reviewer_may_not_touch_a_comment_and_a_curator_deletes_one_after_confirming(browser, site, screenshot):
    """The author's own review, edit and delete are the reviewer's journey (test_journeys.py)."""
    from panels import services

    curator = make_account("curator", Reviewer.Role.CURATOR, email="curator@example.org")
    reviewer = make_account("reviewer", Reviewer.Role.REVIEWER, email="reviewer@example.org")
    second = make_account("second", Reviewer.Role.REVIEWER, email="second@example.org")
    panel = make_panel(curator, "Hereditary ataxia")
    entity = add_gene(curator, panel, "ATXN1")
    services.review_entity(reviewer, entity, rating="AMBER", comments="Two unrelated families")
    services.review_entity(second, entity, comments="Not convinced")
    first, theirs = Comment.objects.order_by("created")
    entity_page = f"/panels/{panel.pk}/gene/ATXN1/"

    # Another reviewer sees no edit or delete on the first reviewer's comment.
    other = browser.new_context(base_url=site).new_page()
    sign_in(other, "second", PASSWORD)
    other.goto(entity_page)
    first_comment = other.locator(f"#comment-{first.pk}")
    assert first_comment.get_by_role("link", name="Edit").count() == 0
    assert first_comment.get_by_role("link", name="Delete").count() == 0
    for action in ("edit_comment", "delete_comment"):
        assert other.goto(f"/panels/{panel.pk}/gene/ATXN1/{action}/{first.pk}/").status == 403
    assert Comment.objects.filter(pk=first.pk).exists()

    # A curator deletes the other reviewer's comment, after the question (and may not edit it).
    desk = browser.new_context(base_url=site).new_page()
    sign_in(desk, "curator", PASSWORD)
    desk.goto(entity_page)
    screenshot(desk, "comment-thread")
    screenshot(desk, "comment-thread-phone", width=PHONE)
    desk.set_viewport_size({"width": 1280, "height": 900})
    assert desk.locator(f"#comment-{theirs.pk}").get_by_role("link", name="Edit").count() == 0
    desk.locator(f"#comment-{theirs.pk}").get_by_role("link", name="Delete").click()
    desk.get_by_role("dialog").get_by_role("button", name="Delete the comment").click()
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
