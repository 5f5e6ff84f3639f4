"""Watching a panel in Chromium: the panel page's button, the profile's list, the e-mail's link (desktop, 390 px)."""

import pytest
from accounts.models import Reviewer
from playwright.sync_api import expect
from subscriptions.models import Subscription
from subscriptions.services import unsubscribe_token

from tests.accounts.conftest import PASSWORD, make_account
from tests.browser.conftest import sign_in
from tests.panels.factories import add_gene, make_panel

PHONE = 390


@pytest.mark.parametrize("width", [1280, PHONE])
def test_a_reader_watches_a_panel_sees_it_on_their_profile_and_stops(browser, site, screenshot, width):
    curator = make_account("curator", Reviewer.Role.CURATOR)
    make_account("reader", Reviewer.Role.EXTERNAL, email="reader@example.org")
    panel = make_panel(curator, "Hereditary ataxia")
    add_gene(curator, panel, "ATXN1")
    suffix = "-phone" if width == PHONE else ""
    tab = browser.new_context(base_url=site, viewport={"width": width, "height": 900}).new_page()
    sign_in(tab, "reader", PASSWORD)

    tab.goto(f"/panels/{panel.pk}/")
    tab.get_by_role("button", name="Watch this panel").click()
    expect(tab.get_by_role("button", name="Stop watching")).to_be_visible()
    expect(tab.get_by_text("You are watching this panel")).to_be_visible()
    screenshot(tab, f"watch-panel{suffix}")

    tab.goto("/accounts/profile/")
    watching = tab.get_by_role("region", name="Watching")
    expect(watching.get_by_role("link", name="Hereditary ataxia")).to_be_visible()
    screenshot(tab, f"watch-profile{suffix}")
    watching.get_by_role("button", name="Stop watching Hereditary ataxia").click()
    expect(tab.get_by_text("You are not watching any panel")).to_be_visible()
    assert not Subscription.objects.exists()


@pytest.mark.parametrize("width", [1280, PHONE])
def test_the_e_mails_link_asks_then_stops_watching_without_signing_in(page, screenshot, width):
    curator = make_account("curator", Reviewer.Role.CURATOR)
    reader = make_account("reader", Reviewer.Role.EXTERNAL)
    panel = make_panel(curator, "Hereditary ataxia")
    token = unsubscribe_token(Subscription.objects.create(user=reader, panel=panel))
    suffix = "-phone" if width == PHONE else ""
    page.set_viewport_size({"width": width, "height": 900})

    page.goto(f"/panels/unsubscribe/{token}/")
    screenshot(page, f"watch-unsubscribe{suffix}")
    page.get_by_role("button", name="Stop watching Hereditary ataxia").click()

    expect(page.get_by_role("heading", name="You no longer watch Hereditary ataxia")).to_be_visible()
    screenshot(page, f"watch-unsubscribed{suffix}")
    assert not Subscription.objects.exists()


def test_the_panel_lists_feed_link_opens_an_atom_feed(page, screenshot):
    curator = make_account("curator", Reviewer.Role.CURATOR)
    make_panel(curator, "Hereditary ataxia")

    page.goto("/panels/")
    screenshot(page, "panel-list-feed-link")
    with page.expect_response(lambda response: response.url.endswith("/panels/feed/")) as feed:
        page.get_by_role("link", name="Atom feed").click()

    assert feed.value.headers["content-type"].startswith("application/atom+xml")
    assert "Hereditary ataxia v0.0: created" in feed.value.text()
