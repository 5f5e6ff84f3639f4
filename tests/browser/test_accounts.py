"""An account's life in headless Chromium, through the real web handler and the queued mailer.

Register, confirm the address from the e-mail the worker delivered, get
approved by a curator on the curators' page, sign in, create an API token and
call the API with it, then reset a forgotten password.
"""

import re

from accounts.models import Reviewer
from panels.models import Panel

from tests.accounts.conftest import PASSWORD, make_account
from tests.browser.conftest import sign_in
from tests.panels.factories import make_panel, make_user

NEW_PASSWORD = "a-brand-new-passphrase-93"
PHONE = 390


def test_register_verify_get_approved_sign_in_use_a_token_and_reset_the_password(
    page, browser, site, delivered, screenshot
):
    curator = make_account("curator", Reviewer.Role.CURATOR, email="curator@example.org")
    make_panel(make_user(Reviewer.Role.CURATOR), "Unreleased cardiomyopathy", status=Panel.Status.INTERNAL)

    # Register.
    page.goto("/accounts/registration/")
    screenshot(page, "accounts-registration")
    screenshot(page, "accounts-registration-phone", width=PHONE)
    page.set_viewport_size({"width": 1280, "height": 900})
    for label, value in [
        ("First name", "Ada"),
        ("Last name", "Lovelace"),
        ("E-mail address", "ada@example.org"),
        ("E-mail address again", "ada@example.org"),
        ("Password", PASSWORD),
        ("Password confirmation", PASSWORD),
        ("Affiliation", "Analytical Engines Ltd"),
    ]:
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Role").select_option("Clinical Scientist")
    page.get_by_label("Workplace").select_option("NHS diagnostic lab")
    page.get_by_label("Group").select_option("NHS Genomic Medicine Centre")
    page.get_by_role("button", name="Register").click()
    assert page.locator("h1").inner_text() == "Check your e-mail"
    screenshot(page, "accounts-registration-done")

    # Not yet: the address is unconfirmed.
    sign_in(page, "ada@example.org", PASSWORD)
    assert "correct username and password" in page.content()

    # Confirm the address from the e-mail.
    page.goto(delivered("ada@example.org", "confirm your e-mail address"))
    assert page.locator("h1").inner_text() == "Address confirmed"
    screenshot(page, "accounts-verified")

    # A curator, told by e-mail, approves Ada on the curators' page.
    curator_tab = browser.new_context(base_url=site).new_page()
    curator_tab.goto(delivered("curator@example.org", "waiting for approval"))
    assert "/accounts/login/" in curator_tab.url  # the page asks the curator to sign in first
    curator_tab.get_by_label("Username").fill(curator.username)
    curator_tab.get_by_label("Password").fill(PASSWORD)
    curator_tab.get_by_role("button", name="Sign in").click()
    assert curator_tab.locator("h1").inner_text() == "Reviewers waiting for approval"
    assert "Analytical Engines Ltd" in curator_tab.content()
    screenshot(curator_tab, "accounts-pending-reviewers")
    screenshot(curator_tab, "accounts-pending-reviewers-phone", width=PHONE)
    curator_tab.get_by_role("button", name="Approve Ada Lovelace").click()
    curator_tab.get_by_text("Ada Lovelace is now a reviewer.").wait_for()  # the page after the POST's redirect
    assert "Nobody is waiting." in curator_tab.content()
    # The curator's session also reads internal panels in the API.
    curator_api = curator_tab.request.get("/api/v1/panels/")
    assert "Unreleased cardiomyopathy" in {panel["name"] for panel in curator_api.json()["results"]}
    curator_tab.context.close()
    delivered("ada@example.org", "you are now a reviewer")

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
