"""Sign-in lockout: repeated failures lock an account and a client address for a while, on every sign-in form."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from accounts import lockout
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from serverless import ratelimit
from serverless.models import RateLimitCounter

from tests.conftest import ROOT
from tests.security.test_ratelimit import database_url

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
LOCKED = "Too many failed sign-in attempts"


@pytest.fixture(autouse=True)
def rates(settings):
    settings.LOGIN_FAILURE_ACCOUNT_RATE = "3/15m"
    settings.LOGIN_FAILURE_ADDRESS_RATE = "5/15m"


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user("alice", password="correct horse battery")


def sign_in(client, username, password, address="203.0.113.5", path=LOGIN):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_right_password_signs_in_below_the_limit(client, alice):
    sign_in(client, "alice", "wrong")
    sign_in(client, "alice", "wrong")

    response = sign_in(client, "alice", "correct horse battery")

    assert response.status_code == 302 and signed_in(client)


def test_after_the_account_limit_even_the_right_password_is_refused_with_a_clear_message(client, alice):
    for _ in range(3):
        sign_in(client, "alice", "wrong")

    response = sign_in(client, "alice", "correct horse battery")

    assert response.status_code == 200
    assert LOCKED in response.text and "15 more minutes" in response.text
    assert not signed_in(client)


def test_an_account_lock_holds_from_any_address_and_any_spelling_of_the_name(client, alice):
    for address in ("203.0.113.1", "203.0.113.2", "203.0.113.3"):
        sign_in(client, "alice", "wrong", address)

    response = sign_in(client, "ALICE", "correct horse battery", "198.51.100.9")

    assert LOCKED in response.text


def test_an_address_is_locked_after_failures_across_many_accounts(client, alice):
    for number in range(5):
        sign_in(client, f"guess{number}", "wrong")

    assert LOCKED in sign_in(client, "alice", "correct horse battery").text
    # Another address still signs alice in: her account has no failures.
    assert sign_in(client, "alice", "correct horse battery", "198.51.100.9").status_code == 302


def test_the_lock_lifts_by_itself_when_its_window_ends(client, alice):
    for _ in range(3):
        sign_in(client, "alice", "wrong")
    RateLimitCounter.objects.update(window_ends=timezone.now() - timedelta(seconds=1))

    assert sign_in(client, "alice", "correct horse battery").status_code == 302


def test_a_successful_sign_in_clears_the_accounts_failures(client, alice):
    sign_in(client, "alice", "wrong")
    sign_in(client, "alice", "wrong")
    sign_in(client, "alice", "correct horse battery")
    client.logout()

    sign_in(client, "alice", "wrong", "198.51.100.9")
    sign_in(client, "alice", "wrong", "198.51.100.9")

    assert sign_in(client, "alice", "correct horse battery", "198.51.100.9").status_code == 302


def test_the_admin_sign_in_is_locked_too(client, django_user_model):
    django_user_model.objects.create_superuser("root", password="correct horse battery")
    admin_login = reverse("admin:login")
    for _ in range(3):
        sign_in(client, "root", "wrong", path=admin_login)

    response = sign_in(client, "root", "correct horse battery", path=admin_login)

    assert LOCKED in response.text and not signed_in(client)


def test_while_locked_the_password_is_not_even_checked(client, alice, monkeypatch):
    for _ in range(3):
        sign_in(client, "alice", "wrong")
    checked = []
    monkeypatch.setattr(type(alice), "check_password", lambda self, raw: checked.append(raw) or True)

    sign_in(client, "alice", "anything")

    assert checked == []


def test_the_lockout_backend_is_the_password_backend():
    assert settings.AUTHENTICATION_BACKENDS == ["accounts.lockout.LockoutModelBackend"]


def test_a_lock_is_counted_per_client_address_behind_the_alb_not_per_forged_hop(rf, alice):
    request = rf.post(LOGIN, HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.5")
    request.META["apig_wsgi.full_event"] = {"requestContext": {"elb": {}}}
    for number in range(5):
        # Each attempt forges a different left-most hop; the ALB's right-most one stays.
        request.META["HTTP_X_FORWARDED_FOR"] = f"10.0.0.{number}, 203.0.113.5"
        lockout.record_failure(request, f"guess{number}")

    with pytest.raises(lockout.SignInLocked):
        lockout.check_not_locked(request, "alice")


def test_an_account_lock_holds_whether_the_account_is_named_by_username_or_address(client, django_user_model):
    django_user_model.objects.create_user("ada.lovelace.1234", email="ada@example.org", password="correct horse")
    sign_in(client, "ada.lovelace.1234", "wrong", "203.0.113.1")
    sign_in(client, "ADA@example.org", "wrong", "203.0.113.2")
    sign_in(client, "ada.lovelace.1234", "wrong", "203.0.113.3")

    response = sign_in(client, "ada@example.org", "correct horse", "198.51.100.9")

    assert LOCKED in response.text and not signed_in(client)


# --- The current password on /accounts/change_password/ ------------------------------

CHANGE_PASSWORD = "/accounts/change_password/"
NEW = "a-brand-new-passphrase-93"
PASSWORD_LOCKED = "Too many wrong current passwords"


def change_password(client, old_password, address="203.0.113.5"):
    data = {"old_password": old_password, "new_password1": NEW, "new_password2": NEW}
    return client.post(CHANGE_PASSWORD, data, REMOTE_ADDR=address)


def test_wrong_current_passwords_lock_the_password_change_with_a_clear_message(client, alice):
    client.force_login(alice)
    answers = [change_password(client, "wrong").status_code for _ in range(3)]

    response = change_password(client, "correct horse battery")

    assert answers == [400, 400, 400]
    assert response.status_code == 429 and int(response["Retry-After"]) > 14 * 60
    assert PASSWORD_LOCKED in response.text and "15 more minutes" in response.text
    alice.refresh_from_db()
    assert alice.check_password("correct horse battery")


def test_wrong_current_passwords_and_failed_sign_ins_share_one_budget(client, alice):
    sign_in(client, "alice", "wrong")
    sign_in(client, "alice", "wrong")
    client.force_login(alice)
    change_password(client, "wrong", "198.51.100.9")

    assert PASSWORD_LOCKED in change_password(client, "correct horse battery").text
    client.logout()
    assert LOCKED in sign_in(client, "alice", "correct horse battery", "198.51.100.7").text


def test_while_the_password_change_is_locked_the_current_password_is_not_even_checked(client, alice, monkeypatch):
    client.force_login(alice)
    for _ in range(3):
        change_password(client, "wrong")
    checked = []
    monkeypatch.setattr(type(alice), "check_password", lambda self, raw: checked.append(raw) or True)

    change_password(client, "anything")

    assert checked == []


def test_the_right_current_password_below_the_limit_changes_it_and_clears_the_failures(client, alice):
    client.force_login(alice)
    change_password(client, "wrong")
    change_password(client, "wrong")

    response = change_password(client, "correct horse battery")

    assert response.status_code == 302
    assert not RateLimitCounter.objects.filter(key=ratelimit.counter_key(lockout.ACCOUNT, "alice")).exists()


# --- Separate processes (Lambda environments) share the failures -------------------

FAIL_SIGN_INS = """
import sys
import django
django.setup()
from django.contrib.auth import authenticate
from django.test import RequestFactory
for _ in range(int(sys.argv[1])):
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR=sys.argv[2])
    assert authenticate(request, username="alice", password="wrong") is None
"""


@pytest.mark.django_db(transaction=True)
def test_failures_in_two_other_processes_add_up_to_one_lock(alice, settings):
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("separate processes need the shared PostgreSQL database")
    environ = {**os.environ, "DATABASE_URL": database_url(), "PYTHONPATH": f"{ROOT / 'shared'}:{ROOT}"}
    environ.update(DJANGO_SETTINGS_MODULE="panelapp.settings", LOGIN_FAILURE_ACCOUNT_RATE="3/15m")
    for failures, address in ((2, "203.0.113.1"), (1, "203.0.113.2")):
        subprocess.run([sys.executable, "-c", FAIL_SIGN_INS, str(failures), address], env=environ, check=True)

    with pytest.raises(lockout.SignInLocked):
        lockout.check_not_locked(None, "alice")
