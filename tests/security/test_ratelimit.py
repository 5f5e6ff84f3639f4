"""The shared rate limiter: exact counts in the database, across processes, with fixed windows."""

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone
from serverless import ratelimit
from serverless.models import RateLimitCounter
from serverless.ratelimit import Rate

from tests.conftest import ROOT

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "limit", "period"),
    [("5/15m", 5, 900), ("120/minute", 120, 60), ("1000/day", 1000, 86400), ("3/s", 3, 1), ("10/2h", 10, 7200)],
)
def test_rates_read_like_drf_rates_with_an_optional_multiplier(text, limit, period):
    assert Rate.parse(text) == Rate(limit, period)


@pytest.mark.parametrize("text", ["", "5", "0/minute", "five/minute", "5/fortnight-ish", "-1/m"])
def test_a_malformed_rate_is_refused_with_the_expected_form(text):
    with pytest.raises(ValueError, match=r"e\.g\. 5/15m"):
        Rate.parse(text)


def test_a_malformed_rate_setting_stops_start_up_naming_it(load_settings):
    with pytest.raises(Exception, match="API_THROTTLE_ANON_RATE"):
        load_settings(API_THROTTLE_ANON_RATE="lots")


def test_hits_count_up_and_exceed_after_the_limit():
    rate = Rate(2, 60)
    usages = [ratelimit.hit("test", "a", rate) for _ in range(3)]

    assert [u.hits for u in usages] == [1, 2, 3]
    assert [u.remaining for u in usages] == [1, 0, 0]
    assert [u.exceeded for u in usages] == [False, False, True]
    assert 59 <= usages[-1].retry_after <= 60


def test_keys_and_scopes_count_separately():
    rate = Rate(5, 60)
    ratelimit.hit("test", "a", rate)
    ratelimit.hit("test", "a", rate)

    assert ratelimit.hit("test", "b", rate).hits == 1
    assert ratelimit.hit("other", "a", rate).hits == 1


def test_a_new_window_starts_at_one_once_the_old_one_has_ended():
    rate = Rate(1, 60)
    ratelimit.hit("test", "a", rate)
    ratelimit.hit("test", "a", rate)
    RateLimitCounter.objects.update(window_ends=timezone.now() - timedelta(seconds=1))

    usage = ratelimit.hit("test", "a", rate)

    assert (usage.hits, usage.exceeded) == (1, False)
    assert usage.resets_at > timezone.now() + timedelta(seconds=58)


def test_peek_reads_without_counting_and_sees_an_ended_window_as_empty():
    rate = Rate(5, 60)
    ratelimit.hit("test", "a", rate)

    assert ratelimit.peek("test", "a", rate).hits == 1
    assert ratelimit.peek("test", "a", rate).hits == 1
    RateLimitCounter.objects.update(window_ends=timezone.now())
    assert ratelimit.peek("test", "a", rate).hits == 0


def test_identities_are_stored_hashed_never_in_clear():
    ratelimit.hit("login-account", "alice@example.org", Rate(5, 60))

    (key,) = RateLimitCounter.objects.values_list("key", flat=True)
    assert key.startswith("login-account:") and "alice" not in key


def test_prune_expired_deletes_only_ended_windows():
    ratelimit.hit("test", "old", Rate(5, 60))
    RateLimitCounter.objects.update(window_ends=timezone.now() - timedelta(seconds=1))
    ratelimit.hit("test", "current", Rate(5, 60))

    assert ratelimit.prune_expired() == 1
    assert RateLimitCounter.objects.count() == 1


def test_the_clear_sessions_periodic_task_prunes_ended_windows_too():
    from serverless.tasks.maintenance import clear_sessions

    ratelimit.hit("test", "old", Rate(5, 60))
    RateLimitCounter.objects.update(window_ends=timezone.now() - timedelta(seconds=1))

    clear_sessions.call()

    assert not RateLimitCounter.objects.exists()


# --- Two processes, one limit -------------------------------------------------

COUNTER = """
import json, sys
import django
django.setup()
from django.db import connection
from serverless import ratelimit
hits = int(sys.argv[1])
connection.ensure_connection()
print("ready", flush=True)
sys.stdin.readline()  # both processes start hitting at once, however long each took to set up
usages = [ratelimit.hit("shared", "one-client", ratelimit.Rate(60, 3600)) for _ in range(hits)]
print(json.dumps([[u.hits, u.exceeded] for u in usages]))
"""


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_two_processes_hitting_one_key_share_one_exact_count_and_limit():
    if connection.vendor != "postgresql":
        pytest.skip("two processes need the shared PostgreSQL database")
    environ = {**os.environ, "DATABASE_URL": database_url(), "PYTHONPATH": f"{ROOT / 'shared'}:{ROOT}"}
    environ["DJANGO_SETTINGS_MODULE"] = "panelapp.settings"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", COUNTER, "50"],
            env=environ,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    assert [p.stdout.readline().strip() for p in processes] == ["ready", "ready"]
    for process in processes:  # go, to both, before waiting for either
        process.stdin.write("go\n")
        process.stdin.flush()
    results = [json.loads(p.communicate(timeout=120)[0]) for p in processes]

    counts = sorted(hits for result in results for hits, _ in result)
    allowed = sum(not exceeded for result in results for _, exceeded in result)
    assert counts == list(range(1, 101))  # every hit counted once: no lost update between the processes
    assert allowed == 60  # the limit holds for both together
    assert all(result[0][0] < 50 for result in results)  # they really ran at the same time


# --- The view decorator -------------------------------------------------------


def limited_view(request):
    from django.http import HttpResponse

    return HttpResponse("registered")


def test_the_decorator_answers_429_with_retry_after_beyond_the_rate(settings):
    settings.REGISTRATION_RATE = "2/hour"
    view = ratelimit.ratelimit("registration", "REGISTRATION_RATE")(limited_view)
    post = RequestFactory().post("/accounts/registration/", REMOTE_ADDR="192.0.2.1")

    responses = [view(post) for _ in range(3)]

    assert [r.status_code for r in responses] == [200, 200, 429]
    assert b"Too many requests" in responses[2].content
    assert 3590 <= int(responses[2]["Retry-After"]) <= 3600
    assert responses[2]["X-RateLimit-Limit"] == "2" and responses[2]["X-RateLimit-Remaining"] == "0"


def test_the_decorator_counts_only_the_given_methods_and_each_address_alone(settings):
    view = ratelimit.ratelimit("registration", "1/hour")(limited_view)
    factory = RequestFactory()

    assert view(factory.post("/", REMOTE_ADDR="192.0.2.1")).status_code == 200
    assert view(factory.get("/", REMOTE_ADDR="192.0.2.1")).status_code == 200
    assert view(factory.post("/", REMOTE_ADDR="192.0.2.2")).status_code == 200
    assert view(factory.post("/", REMOTE_ADDR="192.0.2.1")).status_code == 429


def test_the_decorator_counts_a_signed_in_user_wherever_they_come_from(django_user_model):
    view = ratelimit.ratelimit("upload-start", "1/hour")(limited_view)
    user = django_user_model.objects.create_user("uploader")
    first, second = (
        RequestFactory().post("/", REMOTE_ADDR="192.0.2.1"),
        RequestFactory().post("/", REMOTE_ADDR="192.0.2.2"),
    )
    first.user = second.user = user

    assert view(first).status_code == 200
    assert view(second).status_code == 429


# --- The client address -------------------------------------------------------


def alb_request(forwarded_for: str):
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded_for, REMOTE_ADDR=forwarded_for.split(",")[0])
    request.META["apig_wsgi.full_event"] = {"requestContext": {"elb": {"targetGroupArn": "arn"}}}
    return request


def test_behind_the_alb_the_client_is_the_right_most_forwarded_address():
    # The client sent "X-Forwarded-For: 10.0.0.1"; the ALB appended the address that connected.
    assert ratelimit.client_ip(alb_request("10.0.0.1, 203.0.113.7")) == "203.0.113.7"
    assert ratelimit.client_ip(alb_request("203.0.113.7")) == "203.0.113.7"


def test_with_a_second_trusted_proxy_the_client_is_the_second_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 2

    assert ratelimit.client_ip(alb_request("10.0.0.1, 203.0.113.7, 198.51.100.2")) == "203.0.113.7"


def test_outside_the_alb_the_connecting_address_counts_and_forwarded_for_is_ignored():
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="10.0.0.1", REMOTE_ADDR="203.0.113.9")

    assert ratelimit.client_ip(request) == "203.0.113.9"


def test_a_json_client_gets_its_429_as_json(settings):
    view = ratelimit.ratelimit("registration", "1/hour")(limited_view)
    post = RequestFactory().post("/", "{}", content_type="application/json", REMOTE_ADDR="192.0.2.1")
    view(post)

    response = view(post)

    assert response.status_code == 429 and response["Content-Type"] == "application/json"
    assert json.loads(response.content)["detail"].startswith("Too many requests. Try again in")


def test_upload_starts_are_limited_per_user(client, django_user_model, settings):
    settings.UPLOAD_START_RATE = "2/hour"
    client.force_login(django_user_model.objects.create_user("uploader"))
    payload = {"filename": "panel.tsv", "content_type": "text/tab-separated-values", "size": 10}

    statuses = [client.post("/uploads/", payload, content_type="application/json").status_code for _ in range(3)]

    assert statuses[:2] != [429, 429] and statuses[2] == 429


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/accounts/registration/", "/accounts/password_reset/", "/accounts/registration/resend/"]
)
def test_account_forms_that_send_e_mail_are_limited_per_address(client, settings, path):
    settings.REGISTRATION_RATE = "2/hour"

    answers = [client.post(path, {}, REMOTE_ADDR="198.51.100.7").status_code for _ in range(3)]

    assert answers[:2] != [429, 429] and answers[2] == 429
