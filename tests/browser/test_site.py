"""The public site in headless Chromium: old links, the filter box, the keyboard, error pages, every page on a phone.

A reader's whole journey (search, gene, panel, old version, compare, download) is in test_journeys.py.
"""

from urllib.parse import urlparse

import pytest
from django.core.management import call_command
from panels import services
from panels.models import Panel

BREAST = "Hereditary breast and ovarian cancer"
COLON = "Familial colon cancer"
OLD_ID = "553f9595bb5a1616e5ed45a7"
PHONE = 390


@pytest.fixture
def demo(site):
    """The demo data set, with one panel carrying an id of PanelApp's first generation."""
    call_command("load_demo_data")
    breast = Panel.objects.get(name=BREAST)
    services.update_panel(None, breast, hash_id=OLD_ID)
    return {"breast": Panel.objects.get(name=BREAST), "colon": Panel.objects.get(name=COLON)}


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (f"/panels/{OLD_ID}/", "/panels/{breast}/"),
        ("/panels/genes/BRCA2", "/panels/entities/BRCA2"),
        ("/crowdsourcing/panels/{breast}/", "/panels/{breast}/"),
    ],
)
def test_an_old_address_opens_todays_page(page, demo, old, new):
    response = page.goto(old.format(breast=demo["breast"].pk))

    assert response.status == 200
    assert urlparse(page.url).path == new.format(breast=demo["breast"].pk)


def test_the_panel_filter_box_filters_as_you_type(page, demo, screenshot):
    page.goto(f"/panels/{demo['breast'].pk}/")
    rows = page.locator("[data-filter-table] tbody tr")
    assert rows.count() == 6

    page.get_by_label("Filter by name, phenotype, inheritance, tag or source").fill("li-fraumeni")

    visible = [row for row in rows.all() if row.is_visible()]
    assert [row.locator("th a").inner_text() for row in visible] == ["TP53"]
    assert "Showing 1 of the 6 entities" in page.locator("[data-filter-count]").inner_text()


def test_the_panel_filter_works_without_javascript(browser, site, demo):
    context = browser.new_context(base_url=site, java_script_enabled=False)
    tab = context.new_page()
    tab.goto(f"/panels/{demo['breast'].pk}/")
    tab.get_by_label("Filter by name, phenotype, inheritance, tag or source").fill("li-fraumeni")
    tab.get_by_role("button", name="Filter").click()

    assert "filter=li-fraumeni" in tab.url
    assert tab.locator("[data-filter-table] tbody tr").count() == 1
    context.close()


def test_the_keyboard_reaches_the_skip_link_first_and_it_is_visible(page, demo):
    page.goto("/panels/")
    page.keyboard.press("Tab")

    focused = page.evaluate("() => document.activeElement.textContent")
    assert focused == "Skip to content"
    assert page.locator(".skip-link").bounding_box()["x"] >= 0


def test_an_unknown_panel_is_a_404_page_in_the_site_look(page, demo, screenshot):
    response = page.goto("/panels/999999/")

    assert response.status == 404
    assert page.get_by_role("navigation", name="Main").is_visible()
    assert page.locator("h1").inner_text() == "We could not find that page"
    screenshot(page, "not-found")


def test_a_bad_version_is_a_400_page_that_says_why(page, demo):
    response = page.goto(f"/panels/{demo['breast'].pk}/?version=one")

    assert response.status == 400
    assert "expected MAJOR.MINOR" in page.locator("main").inner_text()


def test_a_bad_activity_filter_is_a_400_that_keeps_the_form_to_correct_it(page, demo, screenshot):
    response = page.goto("/panels/activity/?version=abc&entity=BRCA1")

    assert response.status == 400
    assert "Version 'abc' is not a panel version" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Version").input_value() == "abc"
    screenshot(page, "activity-bad-filter", width=1280)
    screenshot(page, "activity-bad-filter-phone", width=PHONE)


def test_every_page_on_a_desktop_and_a_phone(page, demo, screenshot):
    """Screenshots of every page (docs/screenshots/ with SCREENSHOTS=docs); none scrolls sideways on a phone."""
    breast, colon = demo["breast"].pk, demo["colon"].pk
    pages = {
        "home": "/",
        "panels": "/panels/",
        "panel": f"/panels/{breast}/",
        "panel-old-version": f"/panels/{breast}/?version=1.0",
        "super-panel": f"/panels/{Panel.objects.get(name='Cancer susceptibility').pk}/",
        "str-in-panel": f"/panels/{Panel.objects.get(name='Hereditary ataxia').pk}/str/ATXN1_SCA1/",
        "entities": "/panels/entities/",
        "gene-across-panels": "/panels/entities/BRCA1",
        "activity": "/panels/activity/",
        "compare-differences": f"/panels/compare/{breast}/{colon}?show=differences",
    }
    for name, url in pages.items():
        assert page.goto(url).status == 200, url
        screenshot(page, name, width=1280)
        screenshot(page, f"{name}-phone", width=PHONE)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{url} scrolls sideways on a phone by {overflow}px"
        page.set_viewport_size({"width": 1280, "height": 900})
