"""What a reader sees when the database is down: the site's own page, styled, saying when to retry."""

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper


@pytest.fixture
def database_down(monkeypatch):
    """Every connection attempt fails as it does when the database server cannot be reached."""

    def refused(self, *args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")

    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", refused)
    yield
    monkeypatch.undo()


def test_with_the_database_down_a_page_is_the_site_s_503_page_with_its_stylesheet(page, screenshot, database_down):
    response = page.goto("/panels/")

    assert response.status == 503
    assert response.headers["retry-after"]
    assert page.locator("h1").inner_text() == "Back in a moment"
    assert page.locator("header a.brand").inner_text() == "PanelApp"
    rules = page.evaluate("() => [...document.styleSheets].reduce((n, s) => n + s.cssRules.length, 0)")
    assert rules > 0  # the stylesheet loaded: static files need no database
    assert screenshot(page, "outage-503").stat().st_size > 0
    assert screenshot(page, "outage-503-phone", width=390).stat().st_size > 0
