"""A curator edits a home page tab in Chromium, with a preview and an uploaded image; a reader sees the result."""

import re

import pytest
from accounts.models import Reviewer
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.content.conftest import add_default_tabs, png
from tests.panels.factories import make_user

PASSWORD = "a long test password 1"


@pytest.fixture(autouse=True)
def default_tabs(site):
    add_default_tabs()


@pytest.fixture
def curator(site):
    user = make_user(Reviewer.Role.CURATOR, username="curator")
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def blocked(page):
    """What the Content-Security-Policy refused on the pages visited."""
    refused: list[str] = []
    page.on("console", lambda message: "Content Security Policy" in message.text and refused.append(message.text))
    return refused


def test_tabs_are_links_a_reader_follows_with_the_keyboard(page, site, blocked, screenshot):
    page.goto("/")
    tabs = page.get_by_role("navigation", name="About PanelApp")
    expect(tabs.get_by_role("link", name="About PanelApp")).to_have_attribute("aria-current", "page")

    tabs.get_by_role("link", name="Glossary").focus()
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"\?tab=Glossary"))
    expect(page.get_by_role("heading", level=2, name="Glossary")).to_be_visible()
    expect(tabs.get_by_role("link", name="Glossary")).to_have_attribute("aria-current", "page")
    assert not blocked
    screenshot(page, "home-tabs", width=1280)
    screenshot(page, "home-tabs-phone", width=390)


def test_an_upstream_link_to_a_tab_opens_that_tab(page, site, blocked):
    page.goto("/#FAQs")

    page.wait_for_url(re.compile(r"/\?tab=FAQs#about$"))
    expect(page.get_by_role("heading", level=2, name="FAQs")).to_be_visible()
    assert not blocked


def test_a_curator_previews_and_saves_a_tab_with_an_uploaded_image_and_a_reader_sees_it(
    page, browser, site, aws_site, curator, blocked, tmp_path, screenshot
):
    """As in AWS and ``make run``: the image lives in the media bucket on another origin, reached by a redirect.

    The emulator serves both buckets from one origin; the deployed policy's media origins are
    checked in ``tests/content/test_image_origins.py``.
    """
    image = tmp_path / "panel workflow.png"
    image.write_bytes(png(320, 120))
    sign_in(page, "curator", PASSWORD)

    page.goto("/content/files/")
    page.get_by_label("Description").fill("How a panel is reviewed")
    page.get_by_label("Image or file").set_input_files(str(image))
    page.get_by_role("button", name="Upload").click()
    snippet = page.get_by_label("Markdown for How a panel is reviewed").input_value()
    assert re.fullmatch(r"!\[How a panel is reviewed\]\(/content/files/\d+/panel_workflow\.png\)", snippet)
    screenshot(page, "home-content-files", width=1280)

    page.goto("/?tab=News")
    page.get_by_role("link", name="Edit this tab").click()
    page.get_by_label("Text").fill(f"## Version 2 of the ataxia panel\n\nNow **signed off**.\n\n{snippet}")
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_role("region", name="Preview")
    expect(preview.get_by_role("heading", name="Version 2 of the ataxia panel")).to_be_visible()
    screenshot(page, "home-content-edit-preview", width=1280)
    screenshot(page, "home-content-edit-preview-phone", width=390)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Save").click()

    page.wait_for_url(re.compile(r"/\?tab=News"))
    expect(page.get_by_text("The News tab is saved.")).to_be_visible()

    reader = browser.new_context(base_url=site).new_page()
    reader.on("console", lambda message: "Content Security Policy" in message.text and blocked.append(message.text))
    reader.goto("/?tab=News")
    expect(reader.get_by_role("heading", level=3, name="Version 2 of the ataxia panel")).to_be_visible()
    picture = reader.get_by_role("img", name="How a panel is reviewed")
    expect(picture).to_be_visible()
    reader.wait_for_function("img => img.complete && img.naturalWidth === 320", arg=picture.element_handle())
    assert not reader.get_by_role("link", name="Edit this tab").count()
    assert not blocked
    screenshot(reader, "home-content-news", width=1280)
    screenshot(reader, "home-content-news-phone", width=390)
    reader.context.close()
