"""The manage function runs allow-listed management commands and nothing else."""

import json
import os

import boto3
import pytest
from django.contrib.auth import get_user_model
from moto import mock_aws

from tests.conftest import load_event, load_function

# Transactional: the handler closes connections as on Lambda.
pytestmark = pytest.mark.django_db(transaction=True)

STRONG_PASSWORD = "correct-horse-battery-staple-42"


@pytest.fixture(scope="module")
def manage():
    return load_function("manage")


def invoke(manage, lambda_context, event):
    return manage.lambda_handler(event, lambda_context)


def test_migrate_sample_event_succeeds_and_reports_output(manage, lambda_context):
    result = invoke(manage, lambda_context, load_event("manage_migrate.json"))
    assert result["exit_status"] == 0, result
    assert result["command"] == "migrate --noinput"
    assert "Operations to perform" in result["output"]
    assert "error" not in result


def test_showmigrations_lists_applied_migrations(manage, lambda_context):
    result = invoke(manage, lambda_context, load_event("manage_showmigrations.json"))
    assert result["exit_status"] == 0
    assert "[X] 0001_initial" in result["output"]


def test_showmigrations_accepts_an_app_label_and_plan_flag(manage, lambda_context):
    result = invoke(manage, lambda_context, {"command": "showmigrations", "args": ["--plan", "auth"]})
    assert result["exit_status"] == 0
    assert "[X]  auth.0001_initial" in result["output"]


@pytest.fixture
def smtp_mailer(settings):
    settings.MAILERS = {
        "default": {"BACKEND": "serverless.tasks.mail.QueuedEmailBackend"},
        "transport": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": {}},
    }


def test_check_deploy_sample_event_passes_with_warnings_only(manage, lambda_context, smtp_mailer):
    result = invoke(manage, lambda_context, load_event("manage_check_deploy.json"))
    # Warnings alone do not fail `check`; the local settings do warn (no HSTS off Lambda).
    assert result["exit_status"] == 0, result
    assert "security.W004" in result["output"]


def test_check_deploy_reports_errors_with_exit_status_1(manage, lambda_context):
    # The local default mail backend (console) is an error for a deployment.
    result = invoke(manage, lambda_context, load_event("manage_check_deploy.json"))
    assert result["exit_status"] == 1
    assert "mail.E001" in result["error"]


def test_check_deploy_can_fail_at_warning_level(manage, lambda_context, smtp_mailer):
    result = invoke(manage, lambda_context, {"command": "check --deploy --fail-level=WARNING"})
    assert result["exit_status"] == 1
    assert "security.W004" in result["error"]


@pytest.mark.parametrize("command", ["flush --noinput", "shell -c 'import os'", "dbshell", "loaddata x.json"])
def test_commands_off_the_allow_list_are_refused_and_not_run(manage, lambda_context, command):
    user = get_user_model().objects.create_user("kept", "kept@example.org")
    result = invoke(manage, lambda_context, {"command": command})
    assert result["exit_status"] == 2
    assert "is not allowed" in result["error"]
    allowed = "check, collectstatic, createsuperuser, first_admin, import_genes, import_panels, import_reviews, migrate"
    assert f"allowed commands: {allowed}, showmigrations, task_dlq" in result["error"]
    assert get_user_model().objects.filter(pk=user.pk).exists()


@pytest.mark.parametrize(
    "event",
    [
        {"command": "migrate", "args": ["--database=other"]},
        {"command": "migrate; rm -rf /"},
        {"command": "collectstatic --noinput --ignore=*"},
        {"command": "check --fail-level=../../etc"},
        {"command": "migrate auth 0001 extra"},
        {"command": "task_dlq redrive --id"},
        {"command": "task_dlq redrive --id '1; drop'"},
        {"command": "task_dlq list extra"},
    ],
)
def test_arguments_off_the_allow_list_are_refused(manage, lambda_context, event):
    result = invoke(manage, lambda_context, event)
    assert result["exit_status"] == 2
    assert "not allowed" in result["error"]


@pytest.mark.parametrize(
    "event", [{}, {"command": ""}, {"command": 3}, ["migrate"], {"command": "migrate", "args": "x"}]
)
def test_malformed_events_get_a_clear_error(manage, lambda_context, event):
    result = invoke(manage, lambda_context, event)
    assert result["exit_status"] == 2
    assert result["error"]


def test_createsuperuser_creates_a_superuser_with_the_given_password(manage, lambda_context):
    event = {"command": "createsuperuser", "username": "ada", "email": "ada@example.org", "password": STRONG_PASSWORD}
    result = invoke(manage, lambda_context, event)
    assert result["exit_status"] == 0, result
    user = get_user_model().objects.get(username="ada")
    assert user.is_superuser and user.is_staff and user.email == "ada@example.org"
    assert user.check_password(STRONG_PASSWORD)
    assert STRONG_PASSWORD not in str(result)
    assert "DJANGO_SUPERUSER_PASSWORD" not in os.environ


def test_createsuperuser_sample_event_without_password_leaves_it_unusable(manage, lambda_context):
    result = invoke(manage, lambda_context, load_event("manage_createsuperuser.json"))
    assert result["exit_status"] == 0
    assert not get_user_model().objects.get(username="admin").has_usable_password()
    assert "unusable password" in result["output"]


def test_createsuperuser_refuses_a_weak_password_and_creates_nobody(manage, lambda_context):
    event = {"command": "createsuperuser", "username": "bob", "email": "bob@example.org", "password": "password"}
    result = invoke(manage, lambda_context, event)
    assert result["exit_status"] == 2
    assert "password rejected" in result["error"]
    assert not get_user_model().objects.filter(username="bob").exists()


def test_createsuperuser_needs_username_and_email(manage, lambda_context):
    result = invoke(manage, lambda_context, {"command": "createsuperuser", "username": "carol"})
    assert result["exit_status"] == 2
    assert "'email'" in result["error"]


def test_createsuperuser_for_a_taken_username_fails_with_the_reason(manage, lambda_context):
    get_user_model().objects.create_user("dave", "dave@example.org")
    event = {"command": "createsuperuser", "username": "dave", "email": "d@example.org", "password": STRONG_PASSWORD}
    result = invoke(manage, lambda_context, event)
    assert result["exit_status"] == 1
    assert "already taken" in result["error"]
    assert not get_user_model().objects.get(username="dave").is_superuser


def test_collectstatic_sample_event_uploads_hashed_files_to_the_static_bucket(manage, lambda_context, settings):
    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-west-2")
        s3.create_bucket(Bucket="static", CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
        settings.STORAGES = {
            **settings.STORAGES,
            "staticfiles": {
                "BACKEND": "storages.backends.s3.S3ManifestStaticStorage",
                "OPTIONS": {"bucket_name": "static", "location": "static", "region_name": "eu-west-2"},
            },
        }
        result = invoke(manage, lambda_context, load_event("manage_collectstatic.json"))
        keys = {obj["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket="static")
                for obj in page.get("Contents", [])}  # fmt: skip
    assert result["exit_status"] == 0, result
    assert result["command"] == "collectstatic --noinput"
    assert "static/staticfiles.json" in keys
    assert any(key.startswith("static/admin/css/base.") and key.endswith(".css") for key in keys)


def test_task_dlq_lists_the_dead_letter_queue(manage, lambda_context, settings):
    with mock_aws():
        sqs = boto3.client("sqs", region_name="eu-west-2")
        settings.TASK_DLQ_URL = sqs.create_queue(QueueName="panelapp-dlq")["QueueUrl"]
        sqs.send_message(QueueUrl=settings.TASK_DLQ_URL, MessageBody="not json")
        result = invoke(manage, lambda_context, {"command": "task_dlq list --limit 10"})
    assert result["exit_status"] == 0, result
    assert "1 message(s) in the dead-letter queue" in result["output"]


def test_task_dlq_without_a_dead_letter_queue_reports_the_error(manage, lambda_context, settings):
    settings.TASK_DLQ_URL = ""
    result = invoke(manage, lambda_context, {"command": "task_dlq", "args": ["redrive", "--id", "3f6d1c0a"]})
    assert result["exit_status"] == 1
    assert "TASK_DLQ_URL" in result["error"]


# --- .ci/remote-manage: what `make migrate` / `make collectstatic` make of the answer ---


@pytest.fixture(scope="module")
def remote_manage():
    import importlib.machinery
    import importlib.util

    from tests.conftest import ROOT

    loader = importlib.machinery.SourceFileLoader("remote_manage", str(ROOT / ".ci" / "remote-manage"))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader("remote_manage", loader))
    loader.exec_module(module)
    return module


def test_remote_manage_reads_the_answer_inside_the_invoke_response(remote_manage):
    answer = {"command": "migrate --noinput", "exit_status": 0, "output": "OK\n"}
    response = {"StatusCode": 200, "ExecutedVersion": "$LATEST", "Payload": json.dumps(answer)}
    assert remote_manage.result_of(response) == answer


def test_remote_manage_fails_when_the_function_itself_failed(remote_manage):
    response = {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": '{"errorMessage": "boom"}'}
    with pytest.raises(SystemExit, match="ManageFunction failed"):
        remote_manage.result_of(response)


class SlowLambda:
    """A local Lambda endpoint whose Invoke answers after ``seconds``, counting invocations."""

    def __init__(self, seconds: float) -> None:
        import http.server
        import threading

        self.invocations: list[dict] = []
        lambda_ = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                event = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                lambda_.invocations.append(event)
                import time

                time.sleep(seconds)
                body = json.dumps({"command": event["command"], "exit_status": 0, "output": "Applied.\n"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("X-Amz-Executed-Version", "$LATEST")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


def run_remote_manage(endpoint: str, *arguments: str):
    import subprocess

    from tests.conftest import ROOT
    from tests.test_template import SAM_VENV, tool

    environ = {
        "PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
    }  # fmt: skip
    command = [tool(SAM_VENV, "python"), str(ROOT / ".ci" / "remote-manage"), "--function-name", "panelapp-manage"]
    return subprocess.run([*command, *arguments], env=environ, capture_output=True, text=True, timeout=600)


def test_remote_manage_invokes_a_migrate_longer_than_a_minute_exactly_once():
    # botocore's default read timeout is 60 s; a longer migrate used to be re-sent up to four times.
    slow = SlowLambda(seconds=62)
    try:
        finished = run_remote_manage(slow.url, "migrate")
    finally:
        slow.server.shutdown()
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout == "Applied.\n"
    assert slow.invocations == [{"command": "migrate"}]


def test_remote_manage_sends_confirm_and_whole_events():
    quick = SlowLambda(seconds=0)
    try:
        run_remote_manage(quick.url, "--confirm", "migrate", "panels", "zero")
        run_remote_manage(quick.url, "--event", '{"command": "first_admin", "username": "ada", "email": "a@b.org"}')
    finally:
        quick.server.shutdown()
    assert quick.invocations == [
        {"command": "migrate panels zero", "confirm": True},
        {"command": "first_admin", "username": "ada", "email": "a@b.org"},
    ]


# --- Bad requests never raise; destructive forms need "confirm": true ----------------------


@pytest.mark.parametrize(
    "event",
    [
        {"command": "createsuperuser", "username": "ad\x00a", "email": "ada@example.org"},
        {"command": "createsuperuser", "username": "ada", "email": "ada\x00@example.org", "password": STRONG_PASSWORD},
        {"command": "first_admin", "username": "ad\x00a", "email": "ada@example.org"},
        {"command": "migrate\x00"},
    ],
)
def test_a_nul_character_anywhere_is_refused_not_raised(manage, lambda_context, event):
    result = invoke(manage, lambda_context, event)
    assert result["exit_status"] == 2
    assert "NUL" in result["error"]
    assert not get_user_model().objects.exists()


def test_an_unexpected_failure_inside_a_command_is_answered_not_raised(manage, lambda_context, monkeypatch):
    from serverless import manage as manage_module

    def explode(*args, **kwargs):
        raise ValueError("the database said no")

    monkeypatch.setattr(manage_module, "call_command", explode)
    result = invoke(manage, lambda_context, {"command": "showmigrations"})
    assert result["exit_status"] == 1
    assert result["error"] == "showmigrations failed: ValueError: the database said no"


def applied(app: str) -> list[str]:
    from django.db.migrations.recorder import MigrationRecorder

    return sorted(MigrationRecorder.Migration.objects.filter(app=app).values_list("name", flat=True))


@pytest.mark.parametrize("app, target", [("sessions", "zero"), ("auth", "0011")])
def test_migrating_backwards_without_confirm_is_refused_and_changes_nothing(manage, lambda_context, app, target):
    before = applied(app)
    result = invoke(manage, lambda_context, {"command": f"migrate {app} {target}"})
    assert result["exit_status"] == 2
    assert '"confirm": true' in result["error"]
    assert f"{app}.{before[-1]}" in result["error"]
    assert applied(app) == before


def test_migrating_backwards_with_confirm_unapplies(manage, lambda_context):
    result = invoke(manage, lambda_context, {"command": "migrate sessions zero", "confirm": True})
    assert result["exit_status"] == 0, result
    assert applied("sessions") == []
    assert invoke(manage, lambda_context, {"command": "migrate sessions"})["exit_status"] == 0


def test_migrating_forwards_or_to_the_current_state_needs_no_confirm(manage, lambda_context):
    (latest,) = applied("sessions")[-1:]
    assert invoke(manage, lambda_context, {"command": f"migrate sessions {latest}"})["exit_status"] == 0
    assert invoke(manage, lambda_context, {"command": "migrate sessions zero --plan"})["exit_status"] == 0


def test_collectstatic_clear_without_confirm_is_refused(manage, lambda_context):
    result = invoke(manage, lambda_context, {"command": "collectstatic --noinput --clear"})
    assert result["exit_status"] == 2
    assert '"confirm": true' in result["error"]


@pytest.mark.parametrize("confirm", ["true", 1, "yes"])
def test_only_a_json_true_confirms(manage, lambda_context, confirm):
    result = invoke(manage, lambda_context, {"command": "migrate sessions zero", "confirm": confirm})
    assert result["exit_status"] == 2


# --- migrate runs once at a time ------------------------------------------------------------


def test_a_second_migrate_waits_for_the_first_under_an_advisory_lock(manage, lambda_context):
    import threading

    import psycopg
    from django.db import connection
    from serverless.manage import MIGRATE_LOCK

    if connection.vendor != "postgresql":
        pytest.skip("the lock is PostgreSQL's")
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as holder:
        # Another migrate (as a deploy and an operator running `make migrate` at once) holds the lock.
        holder.execute("SELECT pg_advisory_lock(%s)", [MIGRATE_LOCK])
        results = []
        second = threading.Thread(target=lambda: results.append(invoke(manage, lambda_context, {"command": "migrate"})))
        second.start()
        second.join(timeout=2)
        assert second.is_alive() and results == []  # waiting, not migrating alongside
        holder.execute("SELECT pg_advisory_unlock(%s)", [MIGRATE_LOCK])
        second.join(timeout=60)
    (result,) = results
    assert result["exit_status"] == 0, result
    assert "waiting for it to finish" in result["output"]


def test_two_concurrent_migrates_both_succeed_one_after_the_other(manage, lambda_context):
    import threading

    results = []
    runs = [threading.Thread(target=lambda: results.append(invoke(manage, lambda_context, {"command": "migrate"})))
            for _ in range(2)]  # fmt: skip
    for run in runs:
        run.start()
    for run in runs:
        run.join(timeout=120)
    assert [r["exit_status"] for r in results] == [0, 0]


# --- The first admin: a one-time password-reset link ----------------------------------------


def reset_link_parts(output: str) -> tuple[str, str]:
    import re

    match = re.search(r"https://panelapp\.example\.org/accounts/reset/([^/\s]+)/([^/\s]+)/", output)
    assert match, output
    return match.group(1), match.group(2)


@pytest.fixture
def base_url(settings):
    settings.PANEL_APP_BASE_URL = "https://panelapp.example.org"


def test_first_admin_creates_a_superuser_and_prints_a_one_time_reset_link(manage, lambda_context, base_url):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.http import urlsafe_base64_decode

    result = invoke(manage, lambda_context, {"command": "first_admin", "username": "ada", "email": "ada@example.org"})
    assert result["exit_status"] == 0, result
    user = get_user_model().objects.get(username="ada")
    assert user.is_superuser and user.is_staff and not user.has_usable_password()
    uidb64, token = reset_link_parts(result["output"])
    assert urlsafe_base64_decode(uidb64).decode() == str(user.pk)
    assert default_token_generator.check_token(user, token)
    # Once a password is set, the same link no longer works.
    user.set_password(STRONG_PASSWORD)
    user.save()
    assert not default_token_generator.check_token(user, token)


def test_first_admin_link_opens_django_s_set_password_page(manage, lambda_context, base_url, client, settings):
    settings.ROOT_URLCONF = "tests.password_reset_urls"
    result = invoke(manage, lambda_context, {"command": "first_admin", "username": "ada", "email": "ada@example.org"})
    uidb64, token = reset_link_parts(result["output"])
    page = client.get(f"/accounts/reset/{uidb64}/{token}/", follow=True)
    assert page.status_code == 200
    assert b"new_password1" in page.content
    done = client.post(page.redirect_chain[-1][0], {"new_password1": STRONG_PASSWORD, "new_password2": STRONG_PASSWORD})
    assert done.status_code == 302
    assert get_user_model().objects.get(username="ada").check_password(STRONG_PASSWORD)


def test_first_admin_again_for_the_same_superuser_issues_a_fresh_link(manage, lambda_context, base_url):
    event = {"command": "first_admin", "username": "ada", "email": "ada@example.org"}
    assert invoke(manage, lambda_context, event)["exit_status"] == 0
    again = invoke(manage, lambda_context, event)
    assert again["exit_status"] == 0
    assert get_user_model().objects.filter(username="ada").count() == 1


def test_first_admin_never_promotes_an_existing_ordinary_user(manage, lambda_context, base_url):
    get_user_model().objects.create_user("eve", "eve@example.org")
    result = invoke(manage, lambda_context, {"command": "first_admin", "username": "eve", "email": "eve@example.org"})
    assert result["exit_status"] == 1
    assert "not a superuser" in result["error"]
    assert not get_user_model().objects.get(username="eve").is_superuser


@pytest.mark.parametrize(
    "event",
    [
        {"command": "first_admin", "username": "ada"},
        {"command": "first_admin", "username": "ada", "email": "not-an-address"},
        {"command": "first_admin", "username": "a d a", "email": "ada@example.org"},
    ],
)
def test_first_admin_refuses_bad_values_clearly(manage, lambda_context, base_url, event):
    result = invoke(manage, lambda_context, event)
    assert result["exit_status"] == 2
    assert result["error"]
    assert not get_user_model().objects.exists()


@pytest.mark.parametrize(
    "command",
    [
        "import_panels /etc/passwd",
        "import_panels s3://panelapp-media/../secret.tsv",
        "import_reviews s3://panelapp-media/a.tsv s3://panelapp-media/b.tsv",
        "import_genes s3://panelapp-media/hgnc.tsv --user=a;rm",
    ],
)
def test_imports_take_one_file_in_a_bucket_and_nothing_else(command):
    from serverless.manage import Refused, parse

    with pytest.raises(Refused):
        parse({"command": command})


def test_an_import_of_a_file_in_the_media_bucket_is_allowed():
    from serverless.manage import parse

    assert parse({"command": "import_genes s3://panelapp-media/uploads/hgnc.tsv --user=curator --background"}) == (
        "import_genes",
        ["s3://panelapp-media/uploads/hgnc.tsv", "--user=curator", "--background"],
    )
