"""The AWS stack, checked offline: linters, the SAM translator's output and checkov.

``template.yaml`` is transformed to plain CloudFormation by the SAM translator
(``.ci/sam-translate``, in the SAM CLI's virtualenv) and every invariant the
deployment relies on is asserted on that output, the template CloudFormation
would really receive. The tool virtualenvs come from ``make tools`` (a
prerequisite of ``make test``); without them these tests fail, saying so.
"""

import json
import re
import subprocess
import sys
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
SAMCONFIG = ROOT / "samconfig.toml"
SAM_VENV = ROOT / ".venvs" / "sam" / "bin"
CHECKOV_VENV = ROOT / ".venvs" / "checkov" / "bin"
FUNCTIONS = ("WebFunction", "WorkerFunction", "ManageFunction")

# Every variable the settings read on Lambda (README's configuration table), as the template must set them.
CONTRACT = {
    "ALLOWED_HOSTS", "PANEL_APP_BASE_URL", "APP_SECRET_ARN", "DATABASE_SECRET_ARN", "DATABASE_HOST",
    "DATABASE_PORT", "DATABASE_NAME", "USE_S3", "USE_SQS", "AWS_S3_STATICFILES_BUCKET_NAME",
    "AWS_S3_MEDIAFILES_BUCKET_NAME", "AWS_S3_STATICFILES_CUSTOM_DOMAIN", "AWS_S3_MEDIAFILES_CUSTOM_DOMAIN",
    "AWS_STATICFILES_LOCATION", "AWS_MEDIAFILES_LOCATION", "TASK_QUEUE_NAME", "TASK_QUEUE_URL", "TASK_DLQ_URL",
    "SQS_QUEUE_VISIBILITY_TIMEOUT", "DEFAULT_FROM_EMAIL", "PANEL_APP_EMAIL", "EMAIL_HOST", "EMAIL_PORT",
    "EMAIL_USE_TLS", "EMAIL_BACKEND", "DJANGO_LOG_LEVEL", "SECURE_SSL_REDIRECT",
}  # fmt: skip
# Values that must only ever arrive through the secrets, never as template values.
SECRET_NAMES = {
    "SECRET_KEY", "HEALTH_CHECK_TOKEN", "DJANGO_ADMIN_URL", "DATABASE_URL", "DATABASE_USER", "DATABASE_PASSWORD",
    "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
}  # fmt: skip
STATIC_WRITES = {"s3:PutObject", "s3:DeleteObject", "s3:*", "*"}


def tool(venv: Path, name: str) -> str:
    path = venv / name
    assert path.exists(), f"{path} is missing: run `make tools` (make test does it first)"
    return str(path)


@cache
def transformed(*artifacts: str) -> dict[str, Any]:
    """template.yaml as the SAM translator hands it to CloudFormation.

    ``artifacts`` (``"SharedLayer=s3://..."``) stand for what one build uploaded for a resource.
    """
    options = [f"--artifact={artifact}" for artifact in artifacts]
    result = subprocess.run(
        [tool(SAM_VENV, "python"), str(ROOT / ".ci" / "sam-translate"), *options, str(TEMPLATE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def cfn() -> dict[str, Any]:
    return transformed()


@pytest.fixture(scope="module")
def resources(cfn) -> dict[str, Any]:
    return cfn["Resources"]


def props(resources: dict, name: str) -> dict[str, Any]:
    return resources[name]["Properties"]


def resolve(cfn: dict, value: Any) -> Any:
    """Resolve the intrinsics whose result is static: FindInMap and Ref to a parameter's default."""
    if isinstance(value, dict) and "Fn::FindInMap" in value:
        mapping, first, second = value["Fn::FindInMap"]
        return cfn["Mappings"][mapping][first][second]
    if isinstance(value, dict) and value.get("Ref") in cfn.get("Parameters", {}):
        return cfn["Parameters"][value["Ref"]].get("Default")
    return value


def of_type(resources: dict, type_: str) -> dict[str, dict]:
    return {name: r for name, r in resources.items() if r["Type"] == type_}


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def role_statements(resources: dict, function: str) -> list[dict]:
    """Every Allow statement of a function's role (both branches of a conditional policy)."""
    role = props(resources, function)["Role"]["Fn::GetAtt"][0]
    statements = []
    for policy in props(resources, role).get("Policies", []):
        branches = policy["Fn::If"][1:] if "Fn::If" in policy else [policy]
        for branch in branches:
            if "PolicyDocument" in branch:
                statements += as_list(branch["PolicyDocument"]["Statement"])
    return [s for s in statements if s["Effect"] == "Allow"]


def allowed_actions(resources: dict, function: str, resource_mentions: str | None = None) -> set[str]:
    actions = set()
    for statement in role_statements(resources, function):
        if resource_mentions is None or resource_mentions in json.dumps(statement["Resource"]):
            actions.update(as_list(statement["Action"]))
    return actions


def environment(resources: dict, function: str) -> dict[str, Any]:
    return props(resources, function)["Environment"]["Variables"]


# --- The tools -----------------------------------------------------------------------


def test_cfn_lint_reports_nothing():
    result = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), str(TEMPLATE)], capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_sam_validate_lint_accepts_the_template(tmp_path):
    result = subprocess.run(
        [tool(SAM_VENV, "sam"), "validate", "--lint", "--region", "eu-west-2", "--template", str(TEMPLATE)],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": str(SAM_VENV), "SAM_CLI_TELEMETRY": "0", "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


def test_sam_translator_produces_plain_cloudformation(cfn):
    assert "Transform" not in cfn
    assert not [r for r in cfn["Resources"].values() if r["Type"].startswith("AWS::Serverless::")]


def test_checkov_finds_no_failed_check_on_the_transformed_template(cfn, tmp_path):
    path = tmp_path / "transformed.json"
    path.write_text(json.dumps(cfn))
    result = subprocess.run(
        [tool(CHECKOV_VENV, "checkov"), "-f", str(path), "--framework", "cloudformation", "--quiet", "-o", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(result.stdout)
    report = report[0] if isinstance(report, list) else report
    failed = [(c["check_id"], c["resource"]) for c in report["results"]["failed_checks"]]
    assert failed == []
    assert report["summary"]["parsing_errors"] == 0
    assert report["summary"]["passed"] > 100


def test_every_checkov_suppression_gives_a_one_line_reason(resources):
    skips = [
        (name, skip)
        for name, resource in resources.items()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]
    assert skips
    for name, skip in skips:
        assert re.fullmatch(r"CKV2?_AWS_\d+", skip["id"]), (name, skip)
        assert len(skip.get("comment", "")) > 20 and "\n" not in skip["comment"], (name, skip)


# --- Queue and worker ----------------------------------------------------------------


def test_visibility_timeout_is_360_and_equals_the_setting_of_every_function(cfn, resources):
    timeout = resolve(cfn, props(resources, "TaskQueue")["VisibilityTimeout"])
    assert timeout == 360
    for function in FUNCTIONS:
        assert int(resolve(cfn, environment(resources, function)["SQS_QUEUE_VISIBILITY_TIMEOUT"])) == timeout


def test_worker_timeout_is_at_most_a_sixth_of_the_visibility_timeout(cfn, resources):
    timeout = resolve(cfn, props(resources, "TaskQueue")["VisibilityTimeout"])
    assert 6 * props(resources, "WorkerFunction")["Timeout"] <= timeout


def test_task_queue_is_named_from_the_parameter_and_encrypted(cfn, resources):
    queue = props(resources, "TaskQueue")
    longest = "q" * int(re.search(r"\{1,(\d+)\}", cfn["Parameters"]["TaskQueueName"]["AllowedPattern"]).group(1))
    assert len(f"{longest}-schedule-dlq") <= 80  # SQS's limit, for every queue the name derives
    assert queue["QueueName"] == {"Ref": "TaskQueueName"}
    assert cfn["Parameters"]["TaskQueueName"]["Default"] == "panelapp"
    assert queue["SqsManagedSseEnabled"] is True


def test_dead_letter_queue_is_wired_after_at_least_5_tries_and_keeps_14_days(cfn, resources):
    redrive = props(resources, "TaskQueue")["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": ["TaskDeadLetterQueue", "Arn"]}
    assert resolve(cfn, redrive["maxReceiveCount"]) >= 5
    dlq = props(resources, "TaskDeadLetterQueue")
    assert resolve(cfn, dlq["MessageRetentionPeriod"]) == 14 * 24 * 3600
    assert dlq["SqsManagedSseEnabled"] is True


def test_worker_reads_the_queue_in_batches_reporting_item_failures(resources):
    mappings = [m["Properties"] for m in of_type(resources, "AWS::Lambda::EventSourceMapping").values()]
    assert len(mappings) == 1
    mapping = mappings[0]
    assert mapping["FunctionName"] == {"Ref": "WorkerFunction"}
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": ["TaskQueue", "Arn"]}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BatchSize"] == {"Ref": "WorkerBatchSize"}
    assert mapping["MaximumBatchingWindowInSeconds"] == {"Ref": "WorkerBatchingWindowSeconds"}
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": {"Ref": "WorkerMaximumConcurrency"}}


def test_worker_concurrency_parameter_respects_the_sqs_minimum(cfn):
    assert cfn["Parameters"]["WorkerMaximumConcurrency"]["MinValue"] >= 2


def test_periodic_tasks_are_scheduled_on_the_worker_with_their_constant_input(resources):
    inputs = set()
    for rule in of_type(resources, "AWS::Events::Rule").values():
        (target,) = rule["Properties"]["Targets"]
        assert target["Arn"] == {"Fn::GetAtt": ["WorkerFunction", "Arn"]}
        assert rule["Properties"]["ScheduleExpression"].startswith("cron(")
        inputs.add(target["Input"])
    # Exactly the periodic tasks the worker knows: none unscheduled, none unknown.
    assert {json.loads(i)["periodic_task"] for i in inputs} == set(django_settings.PERIODIC_TASKS)


def test_failed_scheduled_invocations_land_in_their_own_dead_letter_queue(resources):
    dead_letter = props(resources, "WorkerFunction")["DeadLetterConfig"]
    assert dead_letter == {"TargetArn": {"Fn::GetAtt": ["ScheduleDeadLetterQueue", "Arn"]}}


# --- Functions -----------------------------------------------------------------------


@pytest.mark.parametrize("function", FUNCTIONS)
def test_functions_run_python_3_13_on_arm64_with_the_shared_layer_in_private_subnets(resources, function):
    function_props = props(resources, function)
    assert function_props["Runtime"] == "python3.13"
    assert function_props["Architectures"] == ["arm64"]
    assert function_props["Handler"] == "app.lambda_handler"
    (layer,) = function_props["Layers"]
    assert resources[layer["Ref"]]["Type"] == "AWS::Lambda::LayerVersion"
    assert function_props["VpcConfig"]["SecurityGroupIds"] == [{"Ref": "FunctionSecurityGroup"}]
    assert "PrivateSubnetA" in json.dumps(function_props["VpcConfig"]["SubnetIds"])


@pytest.mark.parametrize("function", FUNCTIONS)
def test_functions_log_to_their_own_group_with_retention(resources, function):
    group = props(resources, function)["LoggingConfig"]["LogGroup"]["Ref"]
    assert props(resources, group)["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_shared_layer_is_built_by_the_makefile_for_arm64(resources):
    source = TEMPLATE.read_text()
    assert "BuildMethod: makefile" in source
    assert "build-SharedLayer:" in (ROOT / "Makefile").read_text()
    (layer,) = of_type(resources, "AWS::Lambda::LayerVersion").values()
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]


def test_web_function_uses_snapstart_through_a_published_alias(resources):
    assert props(resources, "WebFunction")["SnapStart"] == {"ApplyOn": "PublishedVersions"}
    (alias_name,) = of_type(resources, "AWS::Lambda::Alias")
    assert props(resources, alias_name)["Name"] == "live"


def published_versions(cfn: dict) -> dict[str, str]:
    """Each function's published version resource (its logical id changes exactly when a new version is published)."""
    return {
        version["Properties"]["FunctionName"]["Ref"]: name
        for name, version in of_type(cfn["Resources"], "AWS::Lambda::Version").items()
    }


def test_a_new_layer_build_publishes_a_new_web_version_behind_the_alias():
    # sam deploy names each upload by its content hash: two layer builds, two locations; the function code is unchanged.
    before = transformed("SharedLayer=s3://artifacts/3f1c0a.zip")
    after = transformed("SharedLayer=s3://artifacts/9b27e4.zip")
    assert published_versions(before)["WebFunction"] != published_versions(after)["WebFunction"]
    alias = of_type(after["Resources"], "AWS::Lambda::Alias")
    (live,) = alias.values()
    assert live["Properties"]["FunctionVersion"]["Fn::GetAtt"][0] == published_versions(after)["WebFunction"]


def test_an_unchanged_build_keeps_the_web_version():
    layer = "SharedLayer=s3://artifacts/3f1c0a.zip"
    # A second, uncached translation of the same build.
    assert published_versions(transformed(layer)) == published_versions(transformed.__wrapped__(layer))


def test_http_api_routes_only_the_api_to_the_web_alias(resources):
    # The HTTP API has neither the ALB's WAF nor its Cognito sign-in, and the media bucket's
    # CORS allows only the site's origin: pages are served through the ALB alone.
    (api,) = of_type(resources, "AWS::ApiGatewayV2::Api").values()
    paths = api["Properties"]["Body"]["paths"]
    assert list(paths) == ["/api/{proxy+}"]
    assert "WebFunctionAliaslive" in json.dumps(paths["/api/{proxy+}"])
    (stage,) = of_type(resources, "AWS::ApiGatewayV2::Stage").values()
    assert stage["Properties"]["StageName"] == "$default"
    assert stage["Properties"]["AccessLogSettings"]["DestinationArn"] == {"Fn::GetAtt": ["HttpApiLogGroup", "Arn"]}


def test_manage_function_has_a_long_timeout_and_no_trigger(resources):
    assert props(resources, "ManageFunction")["Timeout"] >= 600
    text = json.dumps({n: r for n, r in resources.items() if r["Type"] != "AWS::CloudWatch::Alarm"})
    references = re.findall(r'"(?:Ref|Fn::GetAtt)": \[?"(ManageFunction)"', text)
    # Only its own log wiring refers to it: no permission, event source, rule or API integration.
    assert references == []


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_function_gets_the_whole_configuration_contract(resources, function):
    variables = environment(resources, function)
    assert CONTRACT <= set(variables)
    assert "AWS_REGION" not in variables  # reserved: Lambda sets it
    assert variables["USE_S3"] == variables["USE_SQS"] == "TRUE"


@pytest.mark.parametrize("function", FUNCTIONS)
def test_secrets_reach_functions_by_reference_only(resources, function):
    variables = environment(resources, function)
    assert not SECRET_NAMES & set(variables)
    assert variables["APP_SECRET_ARN"] == {"Ref": "AppSecret"}
    assert variables["DATABASE_SECRET_ARN"] == {"Ref": "DatabaseSecret"}


def test_functions_reach_the_database_through_the_proxy_unless_the_dev_profile_connects_directly(resources):
    variables = environment(resources, "WebFunction")
    assert variables["DATABASE_HOST"] == {
        "Fn::If": [
            "UsesDatabaseProxy",
            {"Fn::GetAtt": ["DatabaseProxy", "Endpoint"]},
            {"Fn::GetAtt": ["DatabaseCluster", "Endpoint.Address"]},
        ]
    }
    assert variables["TASK_QUEUE_URL"] == {"Ref": "TaskQueue"}
    assert variables["TASK_DLQ_URL"] == {"Ref": "TaskDeadLetterQueue"}
    assert variables["AWS_S3_STATICFILES_CUSTOM_DOMAIN"] == {"Fn::GetAtt": ["StaticDistribution", "DomainName"]}


# --- IAM -----------------------------------------------------------------------------


def test_web_role_may_send_to_the_queue_but_not_receive_or_delete(resources):
    actions = allowed_actions(resources, "WebFunction")
    assert {"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"} <= actions
    assert not {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:*", "*"} & actions
    managed = props(resources, props(resources, "WebFunction")["Role"]["Fn::GetAtt"][0])["ManagedPolicyArns"]
    assert not [arn for arn in managed if "SQS" in arn]


def test_worker_receives_from_its_queue_only(resources):
    consume = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
    assert consume <= allowed_actions(resources, "WorkerFunction", '"TaskQueue"')
    # Not SAM's AWSLambdaSQSQueueExecutionRole, which grants them on every queue.
    role = props(resources, props(resources, "WorkerFunction")["Role"]["Fn::GetAtt"][0])
    assert not [arn for arn in role["ManagedPolicyArns"] if "SQS" in arn]


def test_worker_may_enqueue_follow_up_tasks(resources):
    assert "sqs:SendMessage" in allowed_actions(resources, "WorkerFunction", '"TaskQueue"')


def test_worker_cannot_write_the_static_bucket(resources):
    assert not STATIC_WRITES & allowed_actions(resources, "WorkerFunction", "StaticBucket")
    assert allowed_actions(resources, "WorkerFunction", "StaticBucket") == {"s3:GetObject"}


def test_only_the_manage_function_writes_static_files(resources):
    writers = [f for f in FUNCTIONS if STATIC_WRITES & allowed_actions(resources, f, "StaticBucket")]
    assert writers == ["ManageFunction"]
    assert {"s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:GetObject"} <= allowed_actions(
        resources, "ManageFunction", "StaticBucket"
    )


def test_manage_function_can_redrive_the_dead_letter_queue(resources):
    dlq_actions = allowed_actions(resources, "ManageFunction", "TaskDeadLetterQueue")
    # task_dlq lists (receive, then make visible again at once) and redrives (send, then delete).
    assert {"sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:DeleteMessage"} <= dlq_actions
    assert "sqs:SendMessage" in allowed_actions(resources, "ManageFunction", '"TaskQueue"')


@pytest.mark.parametrize("function", FUNCTIONS)
def test_function_roles_grant_no_wildcard_actions_or_resources(resources, function):
    for statement in role_statements(resources, function):
        assert not [a for a in as_list(statement["Action"]) if a == "*" or a.endswith(":*")], statement
        # Only an action with no resource type at all may name "*" (IAM allows nothing narrower).
        if statement["Resource"] == "*":
            assert as_list(statement["Action"]) == ["ses:GetSendQuota"], statement


@pytest.mark.parametrize("function", FUNCTIONS)
def test_functions_read_exactly_the_two_secrets(resources, function):
    secret_statements = [s for s in role_statements(resources, function) if "secretsmanager" in json.dumps(s)]
    assert secret_statements == [
        {
            "Sid": "ReadSecrets",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": [{"Ref": "AppSecret"}, {"Ref": "DatabaseSecret"}],
        }
    ]


# --- Database --------------------------------------------------------------------------


def test_database_is_aurora_postgresql_serverless_v2_on_a_current_version(cfn, resources):
    cluster = props(resources, "DatabaseCluster")
    assert cluster["Engine"] == "aurora-postgresql"
    assert int(resolve(cfn, cluster["EngineVersion"]).split(".")[0]) >= 16
    assert cluster["ServerlessV2ScalingConfiguration"] == {
        "MinCapacity": {"Ref": "DatabaseMinCapacity"},
        "MaxCapacity": {"Ref": "DatabaseMaxCapacity"},
    }
    for instance in ("DatabaseInstance", "DatabaseReplicaInstance"):
        assert props(resources, instance)["DBInstanceClass"] == "db.serverless"


def test_database_is_encrypted_private_and_snapshotted_on_delete(resources):
    cluster = resources["DatabaseCluster"]
    assert cluster["Properties"]["StorageEncrypted"] is True
    assert cluster["DeletionPolicy"] == cluster["UpdateReplacePolicy"] == "Snapshot"
    for instance in ("DatabaseInstance", "DatabaseReplicaInstance"):
        assert props(resources, instance)["PubliclyAccessible"] is False
    assert "PrivateSubnetA" in json.dumps(props(resources, "DatabaseSubnetGroup")["SubnetIds"])


def test_database_deletion_protection_is_on_in_prod_only(cfn, resources):
    assert props(resources, "DatabaseCluster")["DeletionProtection"] == {"Fn::If": ["IsProd", True, False]}
    assert cfn["Conditions"]["IsProd"] == {"Fn::Equals": [{"Ref": "Environment"}, "prod"]}
    assert cfn["Parameters"]["Environment"]["AllowedValues"] == ["dev", "staging", "prod"]


def test_database_runs_in_utc_and_requires_tls(resources):
    parameters = props(resources, "DatabaseClusterParameterGroup")["Parameters"]
    assert parameters["timezone"] == "UTC"
    assert parameters["rds.force_ssl"] == "1"


def test_database_credentials_are_generated_by_secrets_manager(resources):
    cluster = props(resources, "DatabaseCluster")
    assert cluster["MasterUserPassword"] == {
        "Fn::Sub": "{{resolve:secretsmanager:${DatabaseSecret}:SecretString:password}}"
    }
    generated = props(resources, "DatabaseSecret")["GenerateSecretString"]
    assert generated["GenerateStringKey"] == "password"
    assert generated["PasswordLength"] >= 32


def test_proxy_requires_tls_and_authenticates_with_the_database_secret(resources):
    proxy = props(resources, "DatabaseProxy")
    assert proxy["RequireTLS"] is True
    assert proxy["EngineFamily"] == "POSTGRESQL"
    assert proxy["Auth"] == [
        {
            "AuthScheme": "SECRETS",
            "SecretArn": {"Ref": "DatabaseSecret"},
            "IAMAuth": "DISABLED",
            "ClientPasswordAuthType": "POSTGRES_SCRAM_SHA_256",
        }
    ]
    proxy_role = props(resources, proxy["RoleArn"]["Fn::GetAtt"][0])
    assert "DatabaseSecret" in json.dumps(proxy_role["Policies"])
    assert props(resources, "DatabaseProxyTargetGroup")["DBClusterIdentifiers"] == [{"Ref": "DatabaseCluster"}]


def test_only_the_proxy_reaches_the_database_and_only_functions_reach_the_proxy(resources):
    ingresses = of_type(resources, "AWS::EC2::SecurityGroupIngress")
    assert set(ingresses) == {"DatabaseFromProxyIngress", "DatabaseFromFunctionsIngress"}
    ingress = ingresses["DatabaseFromProxyIngress"]
    assert ingress["Condition"] == "UsesDatabaseProxy"
    assert ingress["Properties"]["GroupId"] == {"Ref": "DatabaseSecurityGroup"}
    assert ingress["Properties"]["SourceSecurityGroupId"] == {"Ref": "ProxySecurityGroup"}
    # Without the proxy (the dev profile), the functions and nothing else.
    direct = ingresses["DatabaseFromFunctionsIngress"]
    assert direct["Condition"] == "ConnectsDirectly"
    assert direct["Properties"]["SourceSecurityGroupId"] == {"Ref": "FunctionSecurityGroup"}
    assert "SecurityGroupIngress" not in props(resources, "DatabaseSecurityGroup")
    (proxy_ingress,) = props(resources, "ProxySecurityGroup")["SecurityGroupIngress"]
    assert proxy_ingress["SourceSecurityGroupId"] == {"Ref": "FunctionSecurityGroup"}
    assert proxy_ingress["FromPort"] == proxy_ingress["ToPort"] == 5432


# --- Network -----------------------------------------------------------------------------


def test_private_subnets_route_out_only_for_cognito_and_reach_aws_through_endpoints(cfn, resources):
    routes = of_type(resources, "AWS::EC2::Route")
    assert {n: r["Properties"]["RouteTableId"] for n, r in routes.items()} == {
        "PublicDefaultRoute": {"Ref": "PublicRouteTable"},
        "PrivateDefaultRoute": {"Ref": "PrivateRouteTable"},
    }
    # The NAT (and its cost) exists only for the ALB's signing key (tests/test_template_aws.py follows the routes).
    assert routes["PrivateDefaultRoute"]["Condition"] == "UsesCognitoInCreatedVpc"
    assert cfn["Conditions"]["UsesCognitoInCreatedVpc"] == {
        "Fn::And": [{"Condition": "UsesCognito"}, {"Condition": "CreateVpc"}]
    }
    endpoints = {
        r["Properties"]["ServiceName"]["Fn::Sub"].rsplit(".", 1)[1]: r["Properties"]
        for r in of_type(resources, "AWS::EC2::VPCEndpoint").values()
    }
    assert endpoints["s3"]["VpcEndpointType"] == "Gateway"
    assert endpoints["s3"]["RouteTableIds"] == [{"Ref": "PrivateRouteTable"}]
    for service in ("sqs", "secretsmanager"):
        assert endpoints[service]["VpcEndpointType"] == "Interface"
        assert endpoints[service]["PrivateDnsEnabled"] is True


def test_an_existing_vpc_can_be_used_instead(cfn, resources):
    assert cfn["Conditions"]["CreateVpc"] == {"Fn::Equals": [{"Ref": "VpcId"}, ""]}
    assert resources["Vpc"]["Condition"] == "CreateVpc"
    assert "PrivateSubnetIds" in json.dumps(props(resources, "DatabaseProxy")["VpcSubnetIds"])
    assert "PublicSubnetIds" in json.dumps(props(resources, "LoadBalancer")["Subnets"])


def test_public_subnets_do_not_assign_public_ips(resources):
    for name in ("PublicSubnetA", "PublicSubnetB"):
        assert props(resources, name).get("MapPublicIpOnLaunch", False) is False


# --- Files ---------------------------------------------------------------------------


@pytest.mark.parametrize("bucket", ["StaticBucket", "MediaBucket"])
def test_buckets_are_private_encrypted_and_owner_enforced(resources, bucket):
    bucket_props = props(resources, bucket)
    assert bucket_props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    (rule,) = bucket_props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
    assert bucket_props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert "AccessControl" not in bucket_props and "WebsiteConfiguration" not in bucket_props


@pytest.mark.parametrize("bucket", ["StaticBucket", "MediaBucket"])
def test_bucket_policies_deny_requests_without_tls(resources, bucket):
    policies = of_type(resources, "AWS::S3::BucketPolicy").values()
    (policy,) = [p for p in policies if p["Properties"]["Bucket"] == {"Ref": bucket}]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert {
        "Sid": "TlsOnly",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [{"Fn::GetAtt": [bucket, "Arn"]}, {"Fn::Sub": f"${{{bucket}.Arn}}/*"}],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    } in statements
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert all(s["Principal"] == {"Service": "cloudfront.amazonaws.com"} for s in allows)


def test_static_files_are_served_by_cloudfront_through_origin_access_control(resources):
    config = props(resources, "StaticDistribution")["DistributionConfig"]
    (origin,) = config["Origins"]
    assert origin["DomainName"] == {"Fn::GetAtt": ["StaticBucket", "RegionalDomainName"]}
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["StaticOriginAccessControl", "Id"]}
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    (allow,) = [
        s for s in props(resources, "StaticBucketPolicy")["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"
    ]
    assert allow["Action"] == "s3:GetObject"
    assert "StaticDistribution" in json.dumps(allow["Condition"])


def test_media_bucket_is_versioned_and_accepts_browser_uploads_from_the_site(resources):
    media = props(resources, "MediaBucket")
    assert media["VersioningConfiguration"] == {"Status": "Enabled"}
    (cors,) = media["CorsConfiguration"]["CorsRules"]
    assert {"PUT", "POST"} <= set(cors["AllowedMethods"])
    assert "*" not in cors["AllowedOrigins"]
    assert "LoadBalancer" in json.dumps(cors["AllowedOrigins"])


# --- ALB and outputs -------------------------------------------------------------------


def test_alb_target_group_invokes_the_web_alias_with_multi_value_headers(resources):
    group = props(resources, "WebTargetGroup")
    assert group["TargetType"] == "lambda"
    assert group["Targets"] == [{"Id": {"Ref": "WebFunctionAliaslive"}}]
    assert {"Key": "lambda.multi_value_headers.enabled", "Value": "true"} in group["TargetGroupAttributes"]
    assert group["HealthCheckPath"] == "/healthz"
    permission = props(resources, "WebFunctionLoadBalancerPermission")
    assert permission["Principal"] == "elasticloadbalancing.amazonaws.com"
    assert permission["FunctionName"] == {"Ref": "WebFunctionAliaslive"}


def test_http_redirects_to_https_when_a_certificate_is_given(resources):
    actions = props(resources, "HttpListener")["DefaultActions"]["Fn::If"]
    assert actions[0] == "HasCertificate"
    assert actions[1] == [
        {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}
    ]
    assert actions[2] == [{"Type": "forward", "TargetGroupArn": {"Ref": "WebTargetGroup"}}]
    https = resources["HttpsListener"]
    assert https["Condition"] == "HasCertificate"
    assert https["Properties"]["Protocol"] == "HTTPS"
    assert https["Properties"]["SslPolicy"].startswith("ELBSecurityPolicy-TLS13")
    assert environment(resources, "WebFunction")["SECURE_SSL_REDIRECT"] == {
        "Fn::If": ["HasCertificate", "True", "False"]
    }


def test_allowed_hosts_include_the_alb_hostname_and_the_custom_domain(resources):
    with_domain, without = environment(resources, "WebFunction")["ALLOWED_HOSTS"]["Fn::If"][1:]
    assert with_domain["Fn::Sub"].split(",")[0] == without["Fn::Sub"].split(",")[0] == "${LoadBalancer.DNSName}"
    assert "${DomainName}" in with_domain["Fn::Sub"].split(",")


def test_outputs_give_the_alb_hostname_api_url_cdn_domain_and_queue_urls(cfn):
    outputs = cfn["Outputs"]
    assert outputs["LoadBalancerHostname"]["Value"] == {"Fn::GetAtt": ["LoadBalancer", "DNSName"]}
    assert "LoadBalancer" in json.dumps(outputs["WebUrl"]["Value"])
    assert "execute-api" in json.dumps(outputs["HttpApiUrl"]["Value"])
    assert outputs["StaticCdnDomain"]["Value"] == {"Fn::GetAtt": ["StaticDistribution", "DomainName"]}
    assert outputs["TaskQueueUrl"]["Value"] == {"Ref": "TaskQueue"}
    assert outputs["TaskDeadLetterQueueUrl"]["Value"] == {"Ref": "TaskDeadLetterQueue"}


# --- Alarms ------------------------------------------------------------------------------


def alarms_on(resources: dict, metric: str) -> list[dict]:
    alarms = [a["Properties"] for a in of_type(resources, "AWS::CloudWatch::Alarm").values()]
    return [alarm for alarm in alarms if alarm["MetricName"] == metric]


def test_alarm_fires_as_soon_as_the_dead_letter_queue_holds_a_message(resources):
    depth_alarms = alarms_on(resources, "ApproximateNumberOfMessagesVisible")
    queues = {json.dumps(alarm["Dimensions"][0]["Value"]): alarm for alarm in depth_alarms}
    alarm = queues[json.dumps({"Fn::GetAtt": ["TaskDeadLetterQueue", "QueueName"]})]
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")


def test_function_errors_throttles_and_alb_5xx_raise_alarms(resources):
    errors = {a["Dimensions"][0]["Value"]["Ref"] for a in alarms_on(resources, "Errors")}
    assert errors == set(FUNCTIONS)
    throttles = {a["Dimensions"][0]["Value"]["Ref"] for a in alarms_on(resources, "Throttles")}
    assert {"WebFunction", "WorkerFunction"} <= throttles
    (alb,) = alarms_on(resources, "HTTPCode_Target_5XX_Count")
    assert alb["Namespace"] == "AWS/ApplicationELB"


def test_every_alarm_notifies_the_topic_with_an_optional_email_subscription(resources):
    for alarm in of_type(resources, "AWS::CloudWatch::Alarm").values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    subscription = resources["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"]["Protocol"] == "email"


# --- No secret literal anywhere -------------------------------------------------------------


def test_no_parameter_takes_a_secret(cfn):
    secretish = [p for p in cfn["Parameters"] if re.search(r"password|secret|token|key", p, re.I)]
    assert secretish == []


def test_secrets_are_generated_never_written_in_the_template(resources):
    for name, secret in of_type(resources, "AWS::SecretsManager::Secret").items():
        assert "SecretString" not in secret["Properties"], name
        assert "GenerateSecretString" in secret["Properties"], name
    app = props(resources, "AppSecret")["GenerateSecretString"]
    assert app["GenerateStringKey"] == "SECRET_KEY"
    template = json.loads(app["SecretStringTemplate"]["Fn::Sub"].replace("{{", "<").replace("}}", ">"))
    assert template["HEALTH_CHECK_TOKEN"].startswith("<resolve:secretsmanager:${HealthCheckTokenSecret}")
    assert set(template) == {"HEALTH_CHECK_TOKEN", "DJANGO_ADMIN_URL"}


def literal_strings(value: Any, path: str = ""):
    """(path, string) for every literal string, skipping the insides of intrinsic functions."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not key.startswith("Fn::") and key != "Ref":
                yield from literal_strings(item, f"{path}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from literal_strings(item, f"{path}/{index}")
    elif isinstance(value, str):
        yield path, value


def test_no_secret_literal_in_the_template_or_samconfig(cfn):
    # Names of values, not of settings about them (ClientPasswordAuthType is fine).
    suspicious = re.compile(r"(password|passwd|secret_?key|token|credentials?)$", re.I)
    leaks = [
        (path, value)
        for path, value in literal_strings(cfn["Resources"])
        if suspicious.search(path.rsplit("/", 1)[-1]) and not value.startswith("{{resolve:")
    ]
    assert leaks == []
    text = TEMPLATE.read_text() + SAMCONFIG.read_text()
    assert not re.search(r"AKIA[0-9A-Z]{16}|-----BEGIN|(?i:password|secret_key)\s*[=:]\s*['\"]?\w", text)


# --- samconfig -----------------------------------------------------------------------------


def test_samconfig_defines_dev_staging_and_prod(cfn):
    config = tomllib.loads(SAMCONFIG.read_text())
    environments = {"default": "dev", "staging": "staging", "prod": "prod"}
    stacks, queues = set(), set()
    for section, environment_name in environments.items():
        stacks.add(config[section]["global"]["parameters"]["stack_name"])
        overrides = dict(
            o.split("=", 1) for o in config[section]["deploy"]["parameters"]["parameter_overrides"].split()
        )
        assert overrides["Environment"] == environment_name
        assert set(overrides) <= set(cfn["Parameters"]), set(overrides) - set(cfn["Parameters"])
        queues.add(overrides["TaskQueueName"])
    # Environments may share an account and region: names must not collide.
    assert len(stacks) == len(queues) == 3


# --- Deploy review: mail, Aurora logs and resume, SnapStart ordering, client timeouts --------


def test_web_function_may_read_the_mail_quota_but_never_send_mail(resources):
    actions = allowed_actions(resources, "WebFunction")
    assert not {a for a in actions if a.startswith("ses:") and a != "ses:GetSendQuota"}
    assert "ses:GetSendQuota" in actions  # the health check's probe of the mail path


def test_worker_sends_mail_through_the_ses_api_with_its_role_by_default(cfn, resources):
    assert cfn["Parameters"]["EmailBackend"]["Default"] == "serverless.tasks.ses.EmailBackend"
    assert environment(resources, "WorkerFunction")["EMAIL_BACKEND"] == {"Ref": "EmailBackend"}
    assert {"ses:SendEmail", "ses:SendRawEmail"} <= allowed_actions(resources, "WorkerFunction")
    assert cfn["Conditions"]["UsesSesApi"] == {
        "Fn::Equals": [{"Ref": "EmailBackend"}, "serverless.tasks.ses.EmailBackend"]
    }


def test_a_created_vpc_reaches_the_ses_api_through_an_interface_endpoint(cfn, resources):
    endpoint = resources["SesApiEndpoint"]
    assert endpoint["Properties"]["ServiceName"] == {"Fn::Sub": "com.amazonaws.${AWS::Region}.email"}
    assert endpoint["Properties"]["PrivateDnsEnabled"] is True
    assert cfn["Conditions"][endpoint["Condition"]] == {
        "Fn::And": [{"Condition": "CreateVpc"}, {"Condition": "UsesSesApi"}]
    }


def test_smtp_endpoint_is_only_created_for_ses_smtp(cfn, resources):
    condition = json.dumps(cfn["Conditions"][resources["SesSmtpEndpoint"]["Condition"]])
    assert "UsesSesApi" in condition and "HasEmailHost" in condition


def test_another_smtp_host_is_documented_as_needing_a_route_out(cfn):
    assert "NAT" in cfn["Parameters"]["EmailHost"]["Description"]


def test_aurora_postgresql_log_group_keeps_logs_for_the_retention_and_exists_before_any_instance(resources):
    group = props(resources, "DatabaseLogGroup")
    assert group["LogGroupName"] == {"Fn::Sub": "/aws/rds/cluster/${DatabaseCluster}/postgresql"}
    assert group["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    # RDS creates the group itself when an instance first exports a log; ours must come first.
    for instance in of_type(resources, "AWS::RDS::DBInstance"):
        assert "DatabaseLogGroup" in as_list(resources[instance].get("DependsOn", [])), instance


@pytest.mark.parametrize("function", FUNCTIONS)
def test_database_connect_timeout_outlasts_an_aurora_resume_when_it_can_pause(cfn, resources, function):
    assert cfn["Conditions"]["DatabaseCanPause"] == {"Fn::Equals": [{"Ref": "DatabaseMinCapacity"}, 0]}
    condition, paused, running = environment(resources, function)["DATABASE_CONNECT_TIMEOUT"]["Fn::If"]
    assert condition == "DatabaseCanPause"
    # Aurora Serverless v2 resumes from 0 ACU in about 15 s; the web function has 30 s in all.
    assert 15 < int(paused) < props(resources, "WebFunction")["Timeout"]
    assert int(running) == 5


def test_web_versions_are_published_after_the_secrets_manager_endpoint_exists(resources):
    # SnapStart runs init (which reads Secrets Manager) when a version is published.
    tags = {tag["Key"]: tag["Value"] for tag in props(resources, "WebFunction")["Tags"]}
    assert tags["network"] == {"Fn::If": ["CreateVpc", {"Ref": "SecretsManagerEndpoint"}, {"Ref": "VpcId"}]}
    (version,) = [v for v in of_type(resources, "AWS::Lambda::Version").values()]
    assert version["Properties"]["FunctionName"] == {"Ref": "WebFunction"}


@pytest.mark.parametrize("function", FUNCTIONS)
def test_each_functions_aws_calls_give_up_before_its_timeout(resources, function):
    variables = environment(resources, function)
    connect, read, attempts = (
        int(variables[f"AWS_CLIENT_{name}"]) for name in ("CONNECT_TIMEOUT", "READ_TIMEOUT", "MAX_ATTEMPTS")
    )
    assert attempts * (connect + read) < props(resources, function)["Timeout"]
    assert attempts >= 2  # a dropped connection is retried once at least


# --- The dev cost profile ------------------------------------------------------------------------


PROXY_RESOURCES = ("DatabaseProxy", "DatabaseProxyRole", "DatabaseProxyTargetGroup", "FunctionToProxyEgress")


def test_the_proxy_is_a_parameter_on_by_default(cfn, resources):
    assert cfn["Parameters"]["UseDatabaseProxy"]["Default"] == "true"
    assert cfn["Conditions"]["UsesDatabaseProxy"] == {"Fn::Equals": [{"Ref": "UseDatabaseProxy"}, "true"]}
    for name in PROXY_RESOURCES:
        assert resources[name]["Condition"] == "UsesDatabaseProxy", name
    assert resources["FunctionToDatabaseEgress"]["Condition"] == "ConnectsDirectly"


@pytest.mark.parametrize("function", FUNCTIONS)
def test_without_the_proxy_no_connection_is_kept_so_aurora_can_pause(resources, function):
    # An idle connection held by a frozen Lambda environment keeps Aurora at its minimum instead of 0 ACU.
    assert environment(resources, function)["DATABASE_CONN_MAX_AGE"] == {"Fn::If": ["UsesDatabaseProxy", "600", "0"]}


def test_interface_endpoints_can_live_in_one_availability_zone(cfn, resources):
    assert cfn["Parameters"]["InterfaceEndpointZones"]["AllowedValues"] == ["1", "2"]
    interfaces = {n: r for n, r in of_type(resources, "AWS::EC2::VPCEndpoint").items() if n != "S3Endpoint"}
    assert len(interfaces) >= 3
    for name, endpoint in interfaces.items():
        assert endpoint["Properties"]["SubnetIds"] == {
            "Fn::If": [
                "EndpointsInTwoZones",
                [{"Ref": "PrivateSubnetA"}, {"Ref": "PrivateSubnetB"}],
                [{"Ref": "PrivateSubnetA"}],
            ]
        }, name


def overrides_of(section: str) -> dict[str, str]:
    config = tomllib.loads(SAMCONFIG.read_text())
    return dict(o.split("=", 1) for o in config[section]["deploy"]["parameters"]["parameter_overrides"].split())


def test_dev_deploys_the_cost_profile_and_prod_keeps_the_proxy_and_two_zones():
    dev, prod = overrides_of("default"), overrides_of("prod")
    assert (dev["UseDatabaseProxy"], dev["InterfaceEndpointZones"], dev["DatabaseMinCapacity"]) == ("false", "1", "0")
    assert prod.get("UseDatabaseProxy", "true") == "true"
    assert prod.get("InterfaceEndpointZones", "2") == "2"


def test_only_this_stack_s_http_api_may_invoke_the_web_function(resources):
    # With serverless.hosts this keeps ALLOWED_HOSTS' *.execute-api family down to this stack's API id.
    permissions = [p["Properties"] for p in of_type(resources, "AWS::Lambda::Permission").values()]
    from_api_gateway = [p for p in permissions if p["Principal"] == "apigateway.amazonaws.com"]
    assert len(from_api_gateway) == 1
    assert from_api_gateway[0]["SourceArn"]["Fn::Sub"][1]["__ApiId__"] == {"Ref": "HttpApi"}
