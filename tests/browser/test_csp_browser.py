"""Under the Content-Security-Policy, Chromium blocks nothing on our pages and the admin's scripts still run."""

import pytest
from django.conf import settings
from panels import services

from tests.panels.factories import add_gene, make_panel, make_user

# Runs in every page before its own scripts: collects what the policy blocked.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) =>
    window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""


@pytest.fixture
def watched(page):
    """The page, recording CSP violations and the console's CSP complaints."""
    page.context.add_init_script(RECORD_VIOLATIONS)
    page.console_complaints = []
    page.on("console", lambda m: "Content Security Policy" in m.text and page.console_complaints.append(m.text))
    return page


def visit(page, url: str) -> None:
    response = page.goto(url)
    assert response.ok, url
    assert "default-src 'self'" in response.headers["content-security-policy"], url
    page.wait_for_load_state("load")
    assert page.evaluate("window.cspViolations") == [], url
    assert page.console_complaints == [], url


@pytest.fixture
def panel():
    curator = make_user(username="curator")
    panel = make_panel(curator, "Cardiac arrhythmia")
    services.review_entity(curator, add_gene(curator, panel, "KCNQ1"), rating="GREEN")
    return panel


def test_public_pages_and_the_browsable_api_load_without_a_violation(watched, panel):
    for url in ("/", "/panels/", f"/panels/{panel.pk}/", "/accounts/login/", "/api/v1/panels/"):
        visit(watched, url)


def test_the_admin_signs_in_and_its_scripts_run_under_the_policy(watched, panel, django_user_model, screenshot):
    django_user_model.objects.create_superuser("root", "root@example.org", "correct horse battery")
    admin = f"/{settings.DJANGO_ADMIN_URL}"

    visit(watched, f"{admin}login/")
    watched.fill("#id_username", "root")
    watched.fill("#id_password", "correct horse battery")
    watched.click("input[type=submit]")
    watched.wait_for_url(f"**{admin}")
    visit(watched, f"{admin}panels/panel/")
    # actions.js: the header checkbox selects every row and counts them.
    watched.check("#action-toggle")
    assert watched.locator("input.action-select:checked").count() == 1
    assert "1 of 1 selected" in watched.locator(".action-counter").inner_text()
    visit(watched, f"{admin}panels/panel/{panel.pk}/change/")
    visit(watched, f"{admin}auth/user/add/")
    assert screenshot(watched, "admin-under-csp").stat().st_size > 0
