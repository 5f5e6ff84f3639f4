"""An account's life in headless Chromium, through the real web handler and the queued mailer.

A reviewer signs in, creates an API token and calls the API with it, then
resets a forgotten password from the e-mailed link. Registering, confirming
the address and being approved are the new user's and the curator's journeys
(test_journeys.py).
"""

import re

from accounts.models import Reviewer
from panels.models import Panel

from tests.accounts.conftest import PASSWORD, make_account
from tests.browser.conftest import sign_in
from tests.panels.factories import make_panel, make_user

NEW_PASSWORD = "a-brand-new-passphrase-93"
PHONE = 390


def test_a_reviewer_uses_an_api_token_and_resets_a_forgotten_password(page, browser, site, delivered, screenshot):
    ada = make_account("ada", Reviewer.Role.REVIEWER, email="ada@example.org")
    ada.first_name, ada.last_name = "Ada", "Lovelace"
    ada.save(update_fields=["first_name", "last_name"])
    make_panel(make_user(Reviewer.Role.CURATOR), "Unreleased cardiomyopathy", status=Panel.Status.INTERNAL)

    # Ada signs in, creates an API token and calls the API with it (no cookies).
    sign_in(page, "ada@example.org", PASSWORD)
    page.goto("/accounts/profile/")
    assert "Reviewer" in page.locator(".facts").inner_text()
    page.get_by_role("button", name="Create token").click()
    key = page.get_by_label("Your token").input_value()
    assert re.fullmatch(r"[0-9a-f]{40}", key)
    screenshot(page, "accounts-profile")
    screenshot(page, "accounts-profile-phone", width=PHONE)
    page.set_viewport_size({"width": 1280, "height": 900})
    api = browser.new_context(base_url=site)
    answer = api.request.get("/api/v1/panels/", headers={"Authorization": f"Token {key}"})
    assert answer.status == 200 and "Unreleased cardiomyopathy" not in answer.text()  # a reviewer, not a curator
    refused = api.request.get("/api/v1/panels/", headers={"Authorization": f"Token {key[::-1]}"})
    assert refused.status == 401 and refused.headers["www-authenticate"] == "Token"
    api.close()

    # Signed out, Ada has forgotten her password and resets it from the e-mailed link.
    page.get_by_role("button", name="Sign out").first.click()
    page.goto("/accounts/login/")
    screenshot(page, "accounts-login")
    page.get_by_role("link", name="Forgotten your password?").click()
    page.get_by_label("Email").fill("ada@example.org")
    screenshot(page, "accounts-password-reset")
    page.get_by_role("button", name="Send the link").click()
    assert page.locator("h1").inner_text() == "Check your e-mail"
    page.goto(delivered("ada@example.org", "reset your password"))
    assert page.locator("h1").inner_text() == "Choose a new password"
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    screenshot(page, "accounts-password-reset-confirm-phone", width=PHONE)
    page.get_by_role("button", name="Set the password").click()
    assert page.locator("h1").inner_text() == "Password changed"

    sign_in(page, "ada@example.org", PASSWORD)
    assert "correct username and password" in page.content()
    sign_in(page, "ada@example.org", NEW_PASSWORD)
    page.goto("/accounts/profile/")
    assert page.locator("h1").inner_text() == "Ada Lovelace"
