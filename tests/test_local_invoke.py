"""`sam local invoke --env-vars env.json`: every handler initialises with exactly those variables.

SAM CLI gives a function the variables its template declares, each overridden by
env.json, plus its own AWS_* set; a variable env.json names but the template does
not declare is silently dropped. This rebuilds that environment from the
transformed template and env.json, points it at a moto server prepared by
``.ci/local-aws`` (as ``make local-aws`` does) and the test PostgreSQL, and
imports each function's ``app.py`` in a fresh interpreter.
"""

import importlib.machinery
import importlib.util
import json
import os
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from moto.server import ThreadedMotoServer

from tests.conftest import ROOT
from tests.test_template import FUNCTIONS, SAM_VENV, TEMPLATE, environment, tool, transformed

ENV_FILE = json.loads((ROOT / "env.json").read_text())
# "Parameters" go to every function; a function's own section (by logical id) adds to them.
ENV_JSON = ENV_FILE["Parameters"]


def env_json(function: str) -> dict[str, str]:
    return {**ENV_JSON, **ENV_FILE.get(function, {})}


HANDLERS = {"WebFunction": "web", "WorkerFunction": "worker", "ManageFunction": "manage"}
EVENTS = {
    "WebFunction": "alb_get.json",
    "WorkerFunction": "sqs_batch.json",
    "ManageFunction": "manage_check_deploy.json",
}

PROBE = """
import importlib.util, json, sys
sys.path.insert(0, sys.argv[3])  # the layer, as /opt/python on Lambda
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
app = importlib.util.module_from_spec(spec)
spec.loader.exec_module(app)


class Context:
    function_name, function_version, memory_limit_in_mb = "local", "$LATEST", 1024
    invoked_function_arn = "arn:aws:lambda:eu-west-2:123456789012:function:local"
    aws_request_id, log_group_name, log_stream_name = "local-invoke", "/aws/lambda/local", "local"

    def get_remaining_time_in_millis(self):
        return 30_000


print("ANSWER " + json.dumps(app.lambda_handler(json.load(open(sys.argv[2])), Context()), default=str))
"""


def local_aws_module():
    loader = importlib.machinery.SourceFileLoader("local_aws", str(ROOT / ".ci" / "local-aws"))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader("local_aws", loader))
    loader.exec_module(module)
    return module


SAM_RESOLVED = """
import json, sys
from samcli.lib.providers.sam_function_provider import SamFunctionProvider
from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider

stacks, _ = SamLocalStackProvider.get_stacks(sys.argv[1])
print(json.dumps(SamFunctionProvider(stacks).get(sys.argv[2]).environment["Variables"]))
"""


def sam_local_environment(function: str) -> dict[str, str]:
    """What `sam local invoke --env-vars env.json <function>` sets: the template's variables, env.json winning.

    The template's values are resolved by SAM CLI's own provider (conditions, parameter defaults); a
    variable that refers to a stack resource resolves to nothing useful locally, so env.json must set it.
    """
    resolved = subprocess.run(
        [tool(SAM_VENV, "python"), "-c", SAM_RESOLVED, str(TEMPLATE), function],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    cfn = transformed()
    variables = {}
    for name, value in json.loads(resolved.stdout).items():
        template_value = json.dumps(environment(cfn["Resources"], function)[name])
        refers_to_resource = any(f'"{resource}"' in template_value for resource in cfn["Resources"])
        assert name in env_json(function) or not refers_to_resource, (
            f"{name} refers to the stack ({template_value}): set it"
        )
        value = env_json(function).get(name, value)
        if value is not None:  # AWS::NoValue, unless env.json sets it
            variables[name] = str(value)
    return variables


@pytest.mark.parametrize("function", FUNCTIONS)
def test_env_json_names_only_variables_the_template_declares(function):
    # Anything else SAM CLI drops without a word.
    declared = set(environment(transformed()["Resources"], function))
    assert set(env_json(function)) <= declared, set(env_json(function)) - declared


@pytest.mark.parametrize("function", FUNCTIONS)
def test_env_json_replaces_every_stack_reference(function):
    sam_local_environment(function)


def test_env_json_reaches_the_local_aws_and_never_a_real_secret():
    assert urlsplit(ENV_JSON["AWS_ENDPOINT_URL"]).hostname == "host.docker.internal"
    assert not ENV_JSON["APP_SECRET_ARN"].startswith("arn:")
    assert not ENV_JSON["DATABASE_SECRET_ARN"].startswith("arn:")


@pytest.fixture(scope="module")
def local_aws():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    endpoint = f"http://127.0.0.1:{server._server.server_port}"
    database = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/panelapp"))
    local_aws_module().create_resources(
        endpoint, localised(ENV_JSON, endpoint), database.username or "postgres", database.password or "unused"
    )
    yield endpoint
    server.stop()


def localised(variables: dict[str, str], endpoint: str) -> dict[str, str]:
    """Docker's host address as this machine sees it (the container reaches the host as host.docker.internal)."""
    emulator = urlsplit(ENV_JSON["AWS_ENDPOINT_URL"]).netloc
    return {name: value.replace(emulator, urlsplit(endpoint).netloc) for name, value in variables.items()}


@pytest.mark.parametrize("function", FUNCTIONS)
def test_each_handler_initialises_and_answers_with_exactly_the_env_json_variables(function, local_aws, tmp_path):
    database = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/panelapp"))
    variables = localised(sam_local_environment(function), local_aws)
    variables["DATABASE_HOST"] = database.hostname or "127.0.0.1"
    variables.update({
        # What SAM CLI itself adds (credentials are the emulator's dummies).
        "AWS_LAMBDA_FUNCTION_NAME": function, "AWS_REGION": "eu-west-2", "AWS_DEFAULT_REGION": "eu-west-2",
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "PATH": os.environ["PATH"],
    })  # fmt: skip
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)
    app = ROOT / "functions" / HANDLERS[function] / "app.py"
    result = subprocess.run(
        [sys.executable, "-I", str(probe), str(app), str(ROOT / "events" / EVENTS[function]), str(ROOT / "shared")],
        env=variables, capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("ANSWER ")]
    answer = json.loads(line.removeprefix("ANSWER "))
    if function == "WebFunction":
        assert answer["statusCode"] == 200, answer
    elif function == "WorkerFunction":
        assert "batchItemFailures" in answer
    else:
        assert answer["exit_status"] == 0, answer  # check --deploy: warnings only (plain HTTP locally)
