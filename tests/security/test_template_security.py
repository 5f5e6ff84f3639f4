"""The stack's sign-in and abuse limits: Cognito on the sign-in path only, the WAF's rate rule, HTTP API throttling.

Asserted on the SAM translator's output, as ``tests/test_template.py`` does
(which also runs cfn-lint, ``sam validate --lint`` and checkov on it).
"""

import json

import pytest

from tests.test_template import environment, of_type, props, transformed

COGNITO_RESOURCES = ("UserPool", "UserPoolDomain", "UserPoolClient", "CognitoSignInRule", "LoadBalancerToCognitoEgress")
WAF_RESOURCES = ("WebAcl", "WebAclAssociation", "WafLogGroup", "WafLogging")


@pytest.fixture(scope="module")
def cfn():
    return transformed()


@pytest.fixture(scope="module")
def resources(cfn):
    return cfn["Resources"]


def test_cognito_is_off_by_default_and_needs_https_and_a_domain(cfn, resources):
    assert cfn["Parameters"]["UseCognito"]["Default"] == "false"
    assert cfn["Conditions"]["UsesCognito"] == {
        "Fn::And": [
            {"Fn::Equals": [{"Ref": "UseCognito"}, "true"]},
            {"Condition": "HasCertificate"},
            {"Condition": "HasDomain"},
        ]
    }
    assert all(resources[name]["Condition"] == "UsesCognito" for name in COGNITO_RESOURCES)


def test_the_alb_authenticates_the_sign_in_path_only_then_forwards_to_the_web_function(resources):
    rules = of_type(resources, "AWS::ElasticLoadBalancingV2::ListenerRule")
    assert list(rules) == ["CognitoSignInRule"]  # every other path (pages, API) reaches Django anonymous
    rule = props(resources, "CognitoSignInRule")
    assert rule["ListenerArn"] == {"Ref": "HttpsListener"}
    assert rule["Conditions"] == [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/accounts/login/*"]}}]
    authenticate, forward = sorted(rule["Actions"], key=lambda action: action["Order"])
    assert authenticate["Type"] == "authenticate-cognito"
    assert authenticate["AuthenticateCognitoConfig"]["UserPoolClientId"] == {"Ref": "UserPoolClient"}
    assert authenticate["AuthenticateCognitoConfig"]["SessionCookieName"] == "AWSELBAuthSessionCookie"
    assert forward == {"Type": "forward", "Order": 2, "TargetGroupArn": {"Ref": "WebTargetGroup"}}
    for listener in ("HttpListener", "HttpsListener"):
        assert "authenticate" not in json.dumps(props(resources, listener)["DefaultActions"])


def test_the_user_pool_client_is_the_albs_code_flow_client_returning_to_our_domain(resources):
    client = props(resources, "UserPoolClient")
    assert client["GenerateSecret"] is True and client["AllowedOAuthFlows"] == ["code"]
    assert "openid" in client["AllowedOAuthScopes"]
    assert client["CallbackURLs"] == [{"Fn::Sub": "https://${DomainName}/oauth2/idpresponse"}]
    assert client["LogoutURLs"] == [{"Fn::Sub": "https://${DomainName}/"}]
    assert client["PreventUserExistenceErrors"] == "ENABLED"


def test_the_web_function_alone_learns_the_alb_arn_and_the_cognito_client(resources):
    variables = environment(resources, "WebFunction")
    assert variables["AWS_USE_COGNITO"] == {"Fn::If": ["UsesCognito", "True", "False"]}
    assert variables["AWS_ELB_ARN"] == {"Fn::If": ["UsesCognito", {"Ref": "LoadBalancer"}, {"Ref": "AWS::NoValue"}]}
    for name, resource in (
        ("AWS_COGNITO_USER_POOL_ID", "UserPool"),
        ("AWS_COGNITO_USER_POOL_CLIENT_ID", "UserPoolClient"),
        ("AWS_COGNITO_DOMAIN_PREFIX", "UserPoolDomain"),
    ):
        assert variables[name] == {"Fn::If": ["UsesCognito", {"Ref": resource}, {"Ref": "AWS::NoValue"}]}
    for function in ("WorkerFunction", "ManageFunction"):
        assert not any(name.startswith(("AWS_COGNITO", "AWS_ELB")) for name in environment(resources, function))


def test_the_alb_may_reach_cognito_over_https_only_when_cognito_is_on(resources):
    egress = props(resources, "LoadBalancerToCognitoEgress")
    assert (egress["IpProtocol"], egress["FromPort"], egress["ToPort"]) == ("tcp", 443, 443)
    assert egress["GroupId"] == {"Ref": "LoadBalancerSecurityGroup"}


def test_the_waf_limits_each_client_address_with_a_429_and_is_on_by_default(cfn, resources):
    assert int(cfn["Parameters"]["WafRateLimit"]["Default"]) >= 10
    assert cfn["Conditions"]["UsesWaf"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "WafRateLimit"}, "0"]}]}
    assert all(resources[name]["Condition"] == "UsesWaf" for name in WAF_RESOURCES)
    acl = props(resources, "WebAcl")
    assert acl["Scope"] == "REGIONAL" and acl["DefaultAction"] == {"Allow": {}}
    (rate_rule,) = [rule for rule in acl["Rules"] if "RateBasedStatement" in rule["Statement"]]
    statement = rate_rule["Statement"]["RateBasedStatement"]
    assert statement["Limit"] == {"Ref": "WafRateLimit"} and statement["AggregateKeyType"] == "IP"
    assert rate_rule["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 429
    association = props(resources, "WebAclAssociation")
    assert association == {"ResourceArn": {"Ref": "LoadBalancer"}, "WebACLArn": {"Fn::GetAtt": ["WebAcl", "Arn"]}}


def test_waf_logs_keep_blocked_requests_only_with_secrets_redacted(resources):
    logging = props(resources, "WafLogging")
    redacted = json.dumps(logging["RedactedFields"])
    assert all(field in redacted for field in ('"cookie"', '"authorization"', '"x-health-check-token"', "QueryString"))
    assert logging["LoggingFilter"]["DefaultBehavior"] == "DROP"
    assert props(resources, "WafLogGroup")["LogGroupName"] == {"Fn::Sub": "aws-waf-logs-${AWS::StackName}"}


def test_http_api_throttling_comes_from_the_parameters(cfn, resources):
    stage = props(resources, "HttpApiApiGatewayDefaultStage")
    assert stage["DefaultRouteSettings"] == {
        "ThrottlingBurstLimit": {"Ref": "HttpApiThrottlingBurstLimit"},
        "ThrottlingRateLimit": {"Ref": "HttpApiThrottlingRateLimit"},
    }
    assert cfn["Parameters"]["HttpApiThrottlingRateLimit"]["Default"] == 100
    assert cfn["Parameters"]["HttpApiThrottlingBurstLimit"]["Default"] == 200
