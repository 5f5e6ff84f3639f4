"""The browser set-up itself: Chromium reaches the site through the web handler."""


def test_home_page_renders_in_chromium_with_its_stylesheet(page, screenshot):
    response = page.goto("/")
    assert response.status == 200
    assert page.locator("h1").inner_text() == "PanelApp"
    stylesheet = page.evaluate("() => [...document.styleSheets].map(s => s.href).find(h => h && h.endsWith('.css'))")
    assert stylesheet and stylesheet.startswith(page.url.rstrip("/"))
    assert screenshot(page, "home").stat().st_size > 0
