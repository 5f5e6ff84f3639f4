"""Operating a deployed stack (.ci/stack behind make status, make rollback, make logs), against moto."""

import importlib.machinery
import importlib.util
import io
import json
import zipfile

import boto3
import pytest
from moto import mock_aws

from tests.conftest import ROOT

REGION = "eu-west-2"


@pytest.fixture(scope="module")
def stack_tool():
    loader = importlib.machinery.SourceFileLoader("stack_tool", str(ROOT / ".ci" / "stack"))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader("stack_tool", loader))
    loader.exec_module(module)
    return module


@pytest.fixture
def aws(monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield


def code_zip(text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", text)
    return buffer.getvalue()


@pytest.fixture
def web_function(aws):
    """A web function with three published versions, its alias on the newest, as after three deploys."""
    iam = boto3.client("iam", region_name=REGION)
    role = iam.create_role(RoleName="web", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    client = boto3.client("lambda", region_name=REGION)
    client.create_function(
        FunctionName="panelapp-dev-WebFunction", Runtime="python3.13", Role=role, Handler="app.lambda_handler",
        Code={"ZipFile": code_zip("# 0")},
    )  # fmt: skip
    for release in (1, 2, 3):
        client.update_function_code(FunctionName="panelapp-dev-WebFunction", ZipFile=code_zip(f"# {release}"))
        client.publish_version(FunctionName="panelapp-dev-WebFunction")
    client.create_alias(FunctionName="panelapp-dev-WebFunction", Name="live", FunctionVersion="3")
    return client


def alias_version(client) -> str:
    return client.get_alias(FunctionName="panelapp-dev-WebFunction", Name="live")["FunctionVersion"]


def test_rollback_points_the_web_alias_at_the_previous_version(stack_tool, web_function):
    assert stack_tool.rollback(web_function, "panelapp-dev-WebFunction") == (3, 2)
    assert alias_version(web_function) == "2"
    # Again: one more step back.
    assert stack_tool.rollback(web_function, "panelapp-dev-WebFunction") == (2, 1)


def test_rollback_to_a_named_version(stack_tool, web_function):
    assert stack_tool.rollback(web_function, "panelapp-dev-WebFunction", to_version=1) == (3, 1)
    assert alias_version(web_function) == "1"


def test_rollback_refuses_a_version_that_does_not_exist(stack_tool, web_function):
    with pytest.raises(SystemExit, match="does not exist"):
        stack_tool.rollback(web_function, "panelapp-dev-WebFunction", to_version=9)
    assert alias_version(web_function) == "3"


def test_rollback_from_the_first_version_says_there_is_nothing_to_roll_back_to(stack_tool, web_function):
    stack_tool.rollback(web_function, "panelapp-dev-WebFunction", to_version=1)
    with pytest.raises(SystemExit, match="nothing to roll back to"):
        stack_tool.rollback(web_function, "panelapp-dev-WebFunction")


def test_the_last_migration_is_read_from_showmigrations_plan(stack_tool):
    plan = "[X]  contenttypes.0001_initial\n[X]  panels.0007_snapshot\n[ ]  panels.0008_index\n"
    assert stack_tool.last_migration(plan) == "panels.0007_snapshot"
    assert stack_tool.last_migration("[ ]  auth.0001_initial\n") == "none applied"


def test_status_reports_outputs_alias_version_dlq_depth_and_last_migration(stack_tool, web_function):
    sqs = boto3.client("sqs", region_name=REGION)
    dlq = sqs.create_queue(QueueName="panelapp-dev-dlq")["QueueUrl"]
    sqs.send_message(QueueUrl=dlq, MessageBody="{}")
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {"TaskDeadLetterQueueUrl": {"Value": dlq}, "WebUrl": {"Value": "http://alb.example/"}},
    }
    cloudformation.create_stack(StackName="panelapp-dev", TemplateBody=json.dumps(template))

    class Resources:  # the web function's physical name, as describe_stack_resource answers it
        def __getattr__(self, name):
            return getattr(cloudformation, name)

        def describe_stack_resource(self, StackName, LogicalResourceId):
            return {"StackResourceDetail": {"PhysicalResourceId": f"{StackName}-{LogicalResourceId}"}}

    asked = []

    def manage(event):
        asked.append(event)
        return {"exit_status": 0, "output": "[X]  panels.0007_snapshot\n"}

    lines = stack_tool.status(Resources(), web_function, sqs, "panelapp-dev", manage)
    assert lines[0] == "Stack panelapp-dev: CREATE_COMPLETE"
    assert "  WebUrl: http://alb.example/" in lines
    assert "Web alias 'live': version 3 of [1, 2, 3]" in lines
    assert "Task DLQ: 1 message(s) waiting" in lines
    assert lines[-1] == "Last migration applied: panels.0007_snapshot"
    assert asked == [{"command": "showmigrations --plan"}]
