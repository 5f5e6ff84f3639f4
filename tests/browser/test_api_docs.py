"""/api/docs/: Swagger UI renders API v1 in Chromium from the site's own files alone."""

from urllib.parse import urlsplit


def test_api_docs_render_with_no_request_leaving_the_site(page, site, screenshot):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    response = page.goto("/api/docs/")
    assert response.status == 200
    # Swagger UI draws one block per operation once it has loaded /api/schema/.
    page.locator(".opblock").first.wait_for(timeout=30_000)
    page.wait_for_load_state("networkidle")

    assert page.locator(".opblock").count() >= 20
    assert any(urlsplit(url).path == "/api/schema/" for url in requested)
    site_host = urlsplit(site).netloc
    leaving = [url for url in requested if urlsplit(url).scheme != "data" and urlsplit(url).netloc != site_host]
    assert leaving == []
    assert screenshot(page, "api-docs").stat().st_size > 0


def test_api_docs_page_runs_no_inline_script(page):
    page.goto("/api/docs/")
    page.locator(".opblock").first.wait_for(timeout=30_000)
    inline = page.evaluate("() => [...document.scripts].filter(s => !s.src && s.textContent.trim()).length")
    assert inline == 0
