"""Fuzzing the account forms anyone may post: no address, name or password takes them down.

Registration, password reset, a new confirmation link and sign-in, each sent
hostile addresses (header breaks, NULs, every plane of Unicode, thousands of
characters, quoting, internationalised domains) through the web function as
the ALB sends a browser's POST. Every answer is a redirect, a 400 that says
why, or (sign-in) the form again; the tasks they queue run inline and must
not fail on what the form let through either.

Seeded (``derandomize``): every run draws the same examples.
"""

from typing import Any
from urllib.parse import urlencode

import pytest
from accounts.models import PendingRegistration
from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st
from serverless.models import TaskRecord

from tests.accounts.conftest import PASSWORD, make_account
from tests.conftest import FakeLambdaContext, load_function
from tests.fuzz import fuzz_settings
from tests.fuzz.checks import check_response
from tests.fuzz.events import ALB_HOST

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES = 40
CSRF_TOKEN = "n" * 32

SHAPES = [
    "ada@example.org", "ADA@EXAMPLE.ORG", "ada@example.org\r\nBcc: eve@example.org", "ada@example.org\n",
    " ada@example.org ", "ada@exa\x00mple.org", '"a b"@example.org', "a+tag@example.org", "ada@例え.jp",
    "ädä@example.org", "ada@[127.0.0.1]", "ada@localhost", "@example.org", "ada@", "a" * 300 + "@example.org",
    "ada@" + "a" * 250 + ".org", "<script>@example.org", "ada@example.org,eve@example.org", "%00@example.org",
]  # fmt: skip
addresses = st.one_of(
    st.sampled_from(SHAPES),
    st.builds(
        lambda local, domain: f"{local}@{domain}",
        st.text(alphabet=st.characters(exclude_categories=("Cs",)), min_size=1, max_size=30),
        st.text(alphabet=st.characters(exclude_categories=("Cs",)), min_size=1, max_size=30),
    ),
)
texts = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=200)


@pytest.fixture(scope="module")
def web():
    return load_function("web")


@pytest.fixture
def inline_tasks(settings, transactional_db):
    settings.MAILERS = {
        "default": {"BACKEND": "serverless.tasks.mail.QueuedEmailBackend"},
        "transport": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"},
    }
    settings.TASKS = {"default": {"BACKEND": "serverless.tasks.backends.ThreadBackend", "OPTIONS": {"INLINE": True}}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The limits are tested elsewhere; here every example must reach the form.
    settings.REGISTRATION_RATE = settings.LOGIN_FAILURE_ACCOUNT_RATE = settings.LOGIN_FAILURE_ADDRESS_RATE = "100000/h"
    make_account("known", email="ada@example.org")


def post(web, path: str, form: dict[str, str]) -> tuple[int, str]:
    """POST ``form`` as the ALB passes a browser's (anonymous, with its CSRF cookie) and check the answer."""
    headers = {
        "host": ALB_HOST,
        "x-forwarded-proto": "https",
        "x-forwarded-for": "203.0.113.10",
        "accept": "text/html",
        "cookie": f"csrftoken={CSRF_TOKEN}",
        "content-type": "application/x-www-form-urlencoded",
        "origin": f"https://{ALB_HOST}",
    }
    sent: dict[str, Any] = {
        "requestContext": {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:eu-west-2:1:targetgroup/web/1"}},
        "httpMethod": "POST",
        "path": path,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "multiValueQueryStringParameters": {},
        "body": urlencode({**form, "csrfmiddlewaretoken": CSRF_TOKEN}),
        "isBase64Encoded": False,
    }
    response = web.lambda_handler(sent, FakeLambdaContext())
    status = check_response(response, sent, [settings.SECRET_KEY])
    assert status < 500, (status, path, form, response.get("body", "")[:500])
    return status, response.get("body", "")


def shows_errors(body: str) -> bool:
    """The form's errors: beside a field, or in the summary at the top (where the form-wide ones are)."""
    return 'class="errorlist' in body or 'class="error-summary' in body


def refused_with_reason(status: int, body: str) -> bool:
    """A 400 that says why: the form's errors, or the request guard's sentence (e.g. about a NUL)."""
    return status == 400 and (shows_errors(body) or "not allowed" in body)


@fuzz_settings(EXAMPLES)
@given(address=addresses, again=st.booleans(), first_name=texts, password=texts)
def test_no_registration_takes_the_page_or_its_task_down(web, inline_tasks, address, again, first_name, password):
    form = {
        "first_name": first_name,
        "last_name": "Lovelace",
        "email": address,
        "confirm_email": address if again else "other@example.org",
        "password1": password or PASSWORD,
        "password2": password or PASSWORD,
        "affiliation": "Lab",
        "job_role": "Researcher",
        "workplace": "Research lab",
        "group": "Other",
    }

    status, body = post(web, "/accounts/registration/", form)

    assert status == 302 or refused_with_reason(status, body), (status, body[:2000])
    assert not TaskRecord.objects.filter(status="FAILED").exists(), list(TaskRecord.objects.values("errors"))
    assert not PendingRegistration.objects.exists()  # the worker took every one it was given


@fuzz_settings(EXAMPLES)
@given(address=addresses)
def test_no_address_takes_password_reset_or_a_new_link_down(web, inline_tasks, address):
    for path in ("/accounts/password_reset/", "/accounts/registration/resend/"):
        status, body = post(web, path, {"email": address})

        assert status == 302 or refused_with_reason(status, body), (path, status, body[:2000])
    assert not TaskRecord.objects.filter(status="FAILED").exists(), list(TaskRecord.objects.values("errors"))


@fuzz_settings(EXAMPLES)
@given(identifier=st.one_of(addresses, texts), password=texts)
def test_no_identifier_takes_the_sign_in_down(web, inline_tasks, identifier, password):
    status, body = post(web, "/accounts/login/", {"username": identifier, "password": password})

    assert (status == 200 and shows_errors(body)) or refused_with_reason(status, body), (status, body[:2000])
