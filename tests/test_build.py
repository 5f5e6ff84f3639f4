"""The `sam build` output works on its own: each built handler answers its sample events.

`sam build` (no Docker) produces the functions (just ``app.py``) and the shared
layer (``shared/`` plus requirements.txt as arm64 CPython 3.13 wheels). Each
function is then imported by a separate Python 3.13 started with ``-I -S``, so
nothing but the build output is on ``sys.path``, with the environment the
template gives it on Lambda (secrets by ARN, buckets, queues), AWS served by a
moto server and the database a fresh PostgreSQL database.

What this proves, exactly: every pure-Python file that ships (functions, the
Django project, all dependencies) imports and runs under CPython 3.13 from the
build output. This machine is x86_64, so the few arm64 extension modules of the
layer (found by their wheel tags) are shadowed by the x86_64 wheels of the
*same* versions; that they load on Graviton rests on pip's platform tags.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import psycopg
import pytest
from moto.server import ThreadedMotoServer

from tests.conftest import RUN_ID
from tests.test_template import ROOT, SAM_VENV, tool, transformed

REGION = "eu-west-2"
ALB_HOST = "panelapp-alb-1234567890.eu-west-2.elb.amazonaws.com"
X86_PLATFORMS = ("manylinux2014_x86_64", "manylinux_2_28_x86_64", "manylinux_2_34_x86_64")

# Runs inside the isolated interpreter: stdlib only, then the build output.
PROBE = r"""
import importlib.util, json, sys

config = json.load(open(sys.argv[1]))
sys.path[:0] = [*config["overlay"], config["layer"]]
spec = importlib.util.spec_from_file_location("built_app", config["function"] + "/app.py")
app = importlib.util.module_from_spec(spec)
spec.loader.exec_module(app)

import django, panelapp, psycopg, serverless


class Context:
    function_name = config["function_name"]
    function_version = "1"
    invoked_function_arn = "arn:aws:lambda:eu-west-2:123456789012:function:" + function_name
    memory_limit_in_mb = 1024
    aws_request_id = "built-artifact-check"
    log_group_name = "/aws/lambda/" + function_name
    log_stream_name = "probe"

    def get_remaining_time_in_millis(self):
        return 60_000


answers = [app.lambda_handler(event, Context()) for event in config["events"]]
origins = {m.__name__: m.__file__ for m in (django, panelapp, serverless, psycopg)}
print("PROBE-RESULT " + json.dumps({
    "version": list(sys.version_info[:2]),
    "path": sys.path,
    "origins": origins,
    "psycopg_impl": psycopg.pq.__impl__,
    "answers": answers,
}))
"""


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    assert result.returncode == 0, f"{command[:3]} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def build(tmp_path_factory) -> Path:
    """A fresh `sam build` of template.yaml, as `make build` runs it."""
    build_dir = tmp_path_factory.mktemp("sam") / "build"
    env = {**os.environ, "PATH": f"{SAM_VENV}{os.pathsep}{os.environ['PATH']}", "SAM_CLI_TELEMETRY": "0"}
    cache_dir = build_dir.parent / "cache"
    run(
        [tool(SAM_VENV, "sam"), "build", "--build-dir", str(build_dir), "--cache-dir", str(cache_dir)],
        cwd=ROOT,
        env=env,
    )
    return build_dir


@pytest.fixture(scope="module")
def x86_overlay(build, tmp_path_factory) -> Path:
    """x86_64 wheels of exactly the layer's arm64-only distributions, to load them on this machine."""
    layer = build / "SharedLayer" / "python"
    pins = []
    for wheel in layer.glob("*.dist-info/WHEEL"):
        if "aarch64" in wheel.read_text():
            name, version = wheel.parent.name.removesuffix(".dist-info").rsplit("-", 1)
            pins.append(f"{name}=={version}")
    overlay = tmp_path_factory.mktemp("x86")
    platforms = [arg for platform in X86_PLATFORMS for arg in ("--platform", platform)]
    run(
        [tool(SAM_VENV, "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
         "--only-binary=:all:", "--implementation", "cp", "--python-version", "3.13", *platforms,
         "--target", str(overlay), *pins]
    )  # fmt: skip
    return overlay


@pytest.fixture(scope="module")
def database() -> Iterator[dict[str, str]]:
    """A new, empty PostgreSQL database on the test server."""
    url = urlsplit(os.environ.get("DATABASE_URL", ""))
    if not url.scheme.startswith("postgres"):
        pytest.skip("the built-artifact check runs on PostgreSQL (make test's main run)")
    name = f"{url.path.lstrip('/') or 'panelapp'}_built_{RUN_ID}"
    admin = {"host": url.hostname, "port": url.port or 5432, "user": url.username or "postgres", "dbname": "postgres"}
    with psycopg.connect(**admin, password=url.password, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'")
        connection.execute(f"ALTER DATABASE \"{name}\" SET timezone TO 'UTC'")
    yield {"host": url.hostname, "port": str(url.port or 5432), "name": name,
           "user": url.username or "postgres", "password": url.password or "unused"}  # fmt: skip
    with psycopg.connect(**admin, password=url.password, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def aws(database):
    """A moto server holding what the stack creates: the two secrets, the buckets and the queues."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    endpoint = f"http://127.0.0.1:{server._server.server_port}"
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    secrets = session.client("secretsmanager", endpoint_url=endpoint)
    app_secret = secrets.create_secret(
        Name="app",
        SecretString=json.dumps(
            {"SECRET_KEY": "k" * 50, "HEALTH_CHECK_TOKEN": "built-token", "DJANGO_ADMIN_URL": "admin/"}
        ),
    )["ARN"]
    database_secret = secrets.create_secret(
        Name="database",
        SecretString=json.dumps({"username": database["user"], "password": database["password"], "port": 5432}),
    )["ARN"]
    s3 = session.client("s3", endpoint_url=endpoint)
    for bucket in ("static", "media"):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    sqs = session.client("sqs", endpoint_url=endpoint)
    cfn = transformed()
    timeout = str(cfn["Mappings"]["Queue"]["Task"]["VisibilityTimeout"])
    queue = sqs.create_queue(QueueName="panelapp", Attributes={"VisibilityTimeout": timeout})["QueueUrl"]
    dlq = sqs.create_queue(QueueName="panelapp-dlq")["QueueUrl"]
    yield {
        "endpoint": endpoint,
        "AppSecret": app_secret,
        "DatabaseSecret": database_secret,
        "StaticBucket": "static",
        "MediaBucket": "media",
        "TaskQueue": queue,
        "TaskDeadLetterQueue": dlq,
    }
    server.stop()


def lambda_environment(function: str, aws: dict, database: dict) -> dict[str, str]:
    """The function's variables from the transformed template, each resource reference made local."""
    cfn = transformed()
    function_props = cfn["Resources"][function]["Properties"]
    local = {
        "ALLOWED_HOSTS": f"{ALB_HOST},.execute-api.{REGION}.amazonaws.com",
        "PANEL_APP_BASE_URL": f"https://{ALB_HOST}",
        "SECURE_SSL_REDIRECT": "True",
        "APP_SECRET_ARN": aws["AppSecret"],
        "DATABASE_SECRET_ARN": aws["DatabaseSecret"],
        "DATABASE_HOST": database["host"],
        "AWS_S3_STATICFILES_BUCKET_NAME": aws["StaticBucket"],
        "AWS_S3_MEDIAFILES_BUCKET_NAME": aws["MediaBucket"],
        "AWS_S3_MEDIAFILES_REGIONAL_DOMAIN": f"{aws['MediaBucket']}.s3.eu-west-2.amazonaws.com",
        "AWS_S3_STATICFILES_CUSTOM_DOMAIN": "d111111abcdef8.cloudfront.net",
        "TASK_QUEUE_NAME": "panelapp",
        "TASK_QUEUE_URL": aws["TaskQueue"],
        "TASK_DLQ_URL": aws["TaskDeadLetterQueue"],
        "EMAIL_HOST": "email-smtp.eu-west-2.amazonaws.com",
        "DATABASE_CONNECT_TIMEOUT": "5",
        "DATABASE_CONN_MAX_AGE": "600",
        "AWS_ENDPOINT_URL": None,  # absent on AWS; set below to the moto server
        # Cognito is off by default (UseCognito): its variables are then not set.
        "AWS_USE_COGNITO": "False",
        "AWS_ELB_ARN": None,
        "AWS_COGNITO_USER_POOL_ID": None,
        "AWS_COGNITO_USER_POOL_CLIENT_ID": None,
        "AWS_COGNITO_DOMAIN_PREFIX": None,
        "POWERTOOLS_METRICS_NAMESPACE": "PanelApp/panelapp-test",  # !Sub of the stack's name
    }
    variables = {}
    for name, value in function_props["Environment"]["Variables"].items():
        if isinstance(value, dict) and "Fn::FindInMap" in value:
            mapping, first, second = value["Fn::FindInMap"]
            value = cfn["Mappings"][mapping][first][second]
        elif isinstance(value, dict) and value.get("Ref") in cfn["Parameters"]:
            value = cfn["Parameters"][value["Ref"]]["Default"]
        elif isinstance(value, dict):
            assert name in local, f"{name} comes from a resource this check does not stand in for: add it"
            value = local[name]
        if value is not None:
            variables[name] = str(value)
    return {
        **variables,
        # What Lambda itself provides.
        "AWS_LAMBDA_FUNCTION_NAME": f"panelapp-{function}",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "LAMBDA_TASK_ROOT": "/var/task",
        # Stand-ins: moto instead of AWS, the test database instead of the proxy (which requires TLS).
        "AWS_ENDPOINT_URL": aws["endpoint"],
        "DATABASE_NAME": database["name"],
        "DATABASE_PORT": database["port"],
        "DATABASE_SSLMODE": "disable",
        "PATH": os.environ["PATH"],
    }


def invoke_built(build, overlay, tmp_path, aws, database, function: str, events: list[str]) -> dict:
    code = build / function
    assert sorted(p.name for p in code.iterdir() if p.name != "__pycache__") == ["app.py"]
    config = tmp_path / f"{function}.json"
    config.write_text(
        json.dumps({
            "function": str(code),
            "function_name": f"panelapp-{function}",
            "layer": str(build / "SharedLayer" / "python"),
            "overlay": [str(overlay)],
            "events": [json.loads((ROOT / "events" / name).read_text()) for name in events],
        })
    )  # fmt: skip
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)
    python = shutil.which("python3.13", path=str(Path(sys.executable).parent)) or sys.executable
    result = run(
        [python, "-I", "-S", str(probe), str(config)],
        env=lambda_environment(function, aws, database),
        cwd=tmp_path,
    )
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("PROBE-RESULT ")]
    outcome = json.loads(line.removeprefix("PROBE-RESULT "))
    assert outcome["version"] == [3, 13]
    assert outcome["psycopg_impl"] == "binary"
    for module, origin in outcome["origins"].items():
        assert origin.startswith(str(build / "SharedLayer" / "python")), (module, origin)
    assert not [p for p in outcome["path"] if "site-packages" in p or p.startswith(str(ROOT))]
    return outcome


@pytest.fixture(scope="module")
def migrated(build, x86_overlay, tmp_path_factory, aws, database):
    """The built ManageFunction migrates the new database: what the deploy does first."""
    tmp = tmp_path_factory.mktemp("manage")
    events = ["manage_migrate.json", "manage_collectstatic.json"]
    return invoke_built(build, x86_overlay, tmp, aws, database, "ManageFunction", events)["answers"]


def test_built_manage_function_migrates_the_database(migrated):
    migrate, _collectstatic = migrated
    assert migrate["exit_status"] == 0, migrate
    assert re.search(r"Applying auth\.0001_initial\.\.\. OK", migrate["output"])


def test_built_manage_function_collects_static_files_into_the_bucket(migrated, aws):
    _migrate, collectstatic = migrated
    assert collectstatic["exit_status"] == 0, collectstatic
    s3 = boto3.client(
        "s3", endpoint_url=aws["endpoint"], region_name=REGION,
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )  # fmt: skip
    keys = [
        o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket="static") for o in page["Contents"]
    ]
    assert "static/staticfiles.json" in keys
    assert any(re.fullmatch(r"static/admin/css/base\.[0-9a-f]{12}\.css", key) for key in keys)


def test_built_web_function_answers_alb_and_http_api_events(build, x86_overlay, tmp_path, aws, database, migrated):
    events = ["alb_get.json", "alb_get_multivalue.json", "http_api_v2.json"]
    outcome = invoke_built(build, x86_overlay, tmp_path, aws, database, "WebFunction", events)
    single, multi, http_api = outcome["answers"]
    assert single["statusCode"] == multi["statusCode"] == http_api["statusCode"] == 200
    assert json.loads(single["body"]) == json.loads(http_api["body"]) == {"version": "0.1.0"}
    assert "multiValueHeaders" in multi


def test_built_worker_runs_an_sqs_batch_and_a_schedule(build, x86_overlay, tmp_path, aws, database, migrated):
    outcome = invoke_built(
        build,
        x86_overlay,
        tmp_path,
        aws,
        database,
        "WorkerFunction",
        ["sqs_batch.json", "schedule_clear_sessions.json"],
    )
    batch, _schedule = outcome["answers"]
    assert batch == {"batchItemFailures": []}


def test_built_layer_holds_arm64_binaries_and_the_shared_project(build):
    layer = build / "SharedLayer" / "python"
    assert (layer / "panelapp" / "settings.py").exists()
    assert (layer / "serverless" / "__init__.py").exists()
    binaries = [p.name for p in layer.rglob("*.so")]
    assert binaries and all("aarch64" in name or "x86" not in name for name in binaries)
    assert any(name.startswith("_psycopg.cpython-313-aarch64") for name in binaries)


def test_built_manage_function_gives_the_first_admin_a_working_one_time_link(
    build, x86_overlay, tmp_path, aws, database, migrated
):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.tokens import PasswordResetTokenGenerator
    from django.utils.http import urlsafe_base64_decode

    (answer,) = invoke_built(
        build, x86_overlay, tmp_path, aws, database, "ManageFunction", ["manage_first_admin.json"]
    )["answers"]
    assert answer["exit_status"] == 0, answer
    link = re.search(rf"https://{re.escape(ALB_HOST)}/accounts/reset/([^/\s]+)/([^/\s]+)/", answer["output"])
    assert link, answer["output"]
    uidb64, token = link.groups()

    # The token is checked as the deployed site would: against the user row the built function wrote,
    # with the deployed SECRET_KEY (the app secret in the emulated Secrets Manager).
    connection = {"host": database["host"], "port": database["port"], "dbname": database["name"],
                  "user": database["user"], "password": database["password"]}  # fmt: skip
    with psycopg.connect(**connection) as db:
        row = db.execute(
            "SELECT id, username, password, last_login, email, is_superuser FROM auth_user WHERE username = 'admin'"
        ).fetchone()
    user_id, username, password_hash, last_login, email, is_superuser = row
    assert is_superuser and password_hash.startswith("!")  # no usable password until the link is used
    assert urlsafe_base64_decode(uidb64).decode() == str(user_id)
    user = get_user_model()(id=user_id, username=username, password=password_hash, last_login=last_login, email=email)
    deployed = PasswordResetTokenGenerator()
    deployed.secret = "k" * 50
    assert deployed.check_token(user, token)
    assert not PasswordResetTokenGenerator().check_token(user, token)  # another key: refused


# --- Bytecode: compiled at build, still valid after the zip and on a read-only /opt -------------------


def as_lambda_unpacks_it(layer_build: Path, tmp_path: Path) -> Path:
    """The layer zipped as `sam deploy` zips it (every entry stamped 1980-01-01) and unpacked read-only, as /opt."""
    archive = tmp_path / "layer.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(layer_build.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo(str(path.relative_to(layer_build)), date_time=(1980, 1, 1, 0, 0, 0))
                zipped.writestr(info, path.read_bytes())
    opt = tmp_path / "opt"
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(opt)
    stamp = datetime(1980, 1, 1).timestamp()
    for path in opt.rglob("*"):
        os.utime(path, (stamp, stamp))  # the archive's times, which extractall does not restore
    run(["chmod", "-R", "a-w", str(opt)])
    return opt


def test_built_bytecode_is_used_from_the_zipped_layer_without_recompiling(build, tmp_path):
    opt = as_lambda_unpacks_it(build / "SharedLayer", tmp_path)
    try:
        layer = opt / "python"
        modules = "django.db.models, django.core.handlers.wsgi, boto3, botocore.client, rest_framework, serverless.env"
        python = shutil.which("python3.13", path=str(Path(sys.executable).parent)) or sys.executable
        program = f"import sys; sys.path.insert(0, {str(layer)!r}); import {modules}"
        verbose = run([python, "-I", "-S", "-v", "-c", program]).stderr.splitlines()
        from_layer = [line for line in verbose if line.startswith("# code object from") and str(layer) in line]
        from_bytecode = [line for line in from_layer if line.endswith(".pyc'")]
        recompiled = [line for line in from_layer if line.endswith(".py")]  # python -v: source paths unquoted
        assert len(from_bytecode) > 300
        assert recompiled == [], recompiled[:5]
        assert not [line for line in verbose if "bytecode is stale" in line or line.startswith("# created")]
    finally:
        run(["chmod", "-R", "u+w", str(opt)])


def test_the_built_layers_manifest_names_only_files_the_pre_deploy_upload_puts_in_the_bucket(build):
    from moto import mock_aws
    from serverless.storage.publish import publish

    manifest = json.loads((build / "SharedLayer" / "python" / "staticfiles.json").read_text())
    collected = build.parent / "static"  # beside the build directory, as `make publish-static` reads it
    assert not (build / "SharedLayer" / "python" / "static").exists()  # never in the layer
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="static", CreateBucketConfiguration={"LocationConstraint": REGION})
        publish(collected, s3, "static", "static")
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket="static")
        keys = {item["Key"] for page in pages for item in page.get("Contents", [])}
    assert {f"static/{name}" for name in manifest["paths"].values()} <= keys


LOCKED = re.compile(r"^([A-Za-z0-9._-]+)==([^\s\\]+)", re.MULTILINE)


def locked_versions() -> dict[str, str]:
    return {name.lower(): version for name, version in LOCKED.findall((ROOT / "requirements.lock").read_text())}


def test_the_lock_pins_every_direct_requirement_at_its_version_with_hashes():
    direct = {
        name.lower(): version
        for name, version in re.findall(
            r"^([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==(\S+)", (ROOT / "requirements.txt").read_text(), re.MULTILINE
        )
    }
    locked = locked_versions()
    assert {name: locked.get(name) for name in direct} == direct
    entries = re.split(r"\n(?=[A-Za-z])", (ROOT / "requirements.lock").read_text().split("\n", 2)[2])
    assert all("--hash=sha256:" in entry for entry in entries if LOCKED.match(entry))


def test_the_built_layer_holds_exactly_the_locked_packages(build):
    layer = build / "SharedLayer" / "python"
    installed = {}
    for metadata in layer.glob("*.dist-info/METADATA"):
        fields = dict(re.findall(r"^(Name|Version): (.+)$", metadata.read_text(errors="replace"), re.MULTILINE))
        installed[re.sub(r"[-_.]+", "-", fields["Name"]).lower()] = fields["Version"]
    assert installed == {re.sub(r"[-_.]+", "-", name): version for name, version in locked_versions().items()}
