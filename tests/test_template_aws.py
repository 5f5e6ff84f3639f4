"""The translated template as AWS will take it: the values each deploy resolves to, checked against AWS's rules.

``tests/test_template.py`` asserts the template's text. A value can read right and
still be refused by the service that receives it: a tag holding a ``Ref`` whose
physical id contains ``|`` is valid CloudFormation and a failed CreateLoadBalancer.
So here the SAM-translated template is *deployed on paper* with each environment's
parameters (``samconfig.toml``, the defaults of a first ``sam deploy``, Cognito, an
existing VPC): conditions are decided, intrinsics resolved, and every ``Ref`` and
``GetAtt`` takes the shape AWS returns for that resource type, read from the
resource schemas cfn-lint ships (``primaryIdentifier``, ``readOnlyProperties``).
The results are checked against those same schemas' property patterns and bounds,
and the stack's routes, rules, dependencies and policies are followed as AWS would.
"""

import hashlib
import ipaddress
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import cfnlint
import pytest
import regex

from tests.test_template import overrides_of, transformed

SCHEMAS = Path(cfnlint.__file__).parent / "data" / "schemas"
REGION = "eu-west-2"
ACCOUNT = "123456789012"
ZONES = [f"{REGION}a", f"{REGION}b", f"{REGION}c"]

# What a given environment passes on top of samconfig's own overrides.
HTTPS = {
    "CertificateArn": f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
    "DomainName": "panelapp.example.org",
    "AlarmEmail": "ops@example.org",
}
EXISTING_VPC = {
    "VpcId": "vpc-0f1e2d3c4b5a69788",
    "PrivateSubnetIds": "subnet-0a1a1a1a1a1a1a1a1,subnet-0b2b2b2b2b2b2b2b2",
    "PublicSubnetIds": "subnet-0c3c3c3c3c3c3c3c3,subnet-0d4d4d4d4d4d4d4d4",
}
SCENARIOS = {
    # A first `sam deploy --guided` accepting every default.
    "defaults": ("panelapp", {}),
    "dev": ("panelapp-dev", overrides_of("default")),
    "staging": ("panelapp-staging", overrides_of("staging") | HTTPS),
    "prod": ("panelapp-prod", overrides_of("prod") | HTTPS),
    "cognito": ("panelapp-staging", overrides_of("staging") | HTTPS | {"UseCognito": "true"}),
    "existing-vpc": ("panelapp-prod", overrides_of("prod") | HTTPS | EXISTING_VPC | {"UseCognito": "true"}),
}

# The documented shape of each read-only identifier or attribute this template uses, per
# type: "{digest}" is unique per resource, "{Prop}" one of the resource's own properties.
READ_ONLY_SHAPES = {
    "AWS::EC2::VPC": {"VpcId": "vpc-{digest}", "CidrBlock": "{CidrBlock}"},
    "AWS::EC2::Subnet": {"SubnetId": "subnet-{digest}"},
    "AWS::EC2::InternetGateway": {"InternetGatewayId": "igw-{digest}"},
    "AWS::EC2::VPCGatewayAttachment": {"AttachmentType": "IGW"},
    "AWS::EC2::RouteTable": {"RouteTableId": "rtb-{digest}"},
    "AWS::EC2::SubnetRouteTableAssociation": {"Id": "rtbassoc-{digest}"},
    "AWS::EC2::NatGateway": {"NatGatewayId": "nat-{digest}"},
    "AWS::EC2::EIP": {"AllocationId": "eipalloc-{digest}", "PublicIp": "203.0.113.7"},
    "AWS::EC2::VPCEndpoint": {"Id": "vpce-{digest}"},
    "AWS::EC2::SecurityGroup": {"GroupId": "sg-{digest}"},
    "AWS::Lambda::Alias": {"AliasArn": "arn:aws:lambda:{region}:{account}:function:{FunctionName}:{Name}"},
    "AWS::Lambda::Version": {"Version": "7"},
    "AWS::ElasticLoadBalancingV2::LoadBalancer": {
        "LoadBalancerArn": "arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/app/{stackish}/{digest}",
        "LoadBalancerFullName": "app/{stackish}/{digest}",
        "DNSName": "{stackish}-1234567890.{region}.elb.amazonaws.com",
    },
    "AWS::ElasticLoadBalancingV2::TargetGroup": {"TargetGroupFullName": "targetgroup/{stackish}/{digest}"},
    "AWS::S3::Bucket": {
        "Arn": "arn:aws:s3:::{BucketName}",
        "RegionalDomainName": "{BucketName}.s3.{region}.amazonaws.com",
    },
    "AWS::SQS::Queue": {
        "QueueUrl": "https://sqs.{region}.amazonaws.com/{account}/{QueueName}",
        "Arn": "arn:aws:sqs:{region}:{account}:{QueueName}",
    },
    "AWS::SecretsManager::Secret": {"Id": "arn:aws:secretsmanager:{region}:{account}:secret:{stackish}-AbCdEf"},
    "AWS::Cognito::UserPool": {"UserPoolId": "{region}_AbCdEf123"},
    "AWS::Cognito::UserPoolClient": {"ClientId": "1h57kf5cpq17m0eml12example"},
    "AWS::ApiGatewayV2::Api": {"ApiId": "a1b2c3d4e5"},
}
# CloudFormation's documented Ref for these predates their registry schemas' compound identifier.
REF_RETURNS = {"AWS::Cognito::UserPoolClient": ["ClientId"], "AWS::Cognito::UserPoolDomain": ["Domain"]}
# AWS's general tagging rule, for services whose schema gives no pattern (EC2's tags take any character).
TAG_CHARACTERS = r"^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$"
TAGS_TAKE_ANY_CHARACTER = ("AWS::EC2::",)
PSEUDO = {"AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}


@cache
def schema(type_: str) -> dict[str, Any]:
    """The resource schema cfn-lint ships for the region."""
    providers = json.loads((SCHEMAS / "providers" / f"{REGION}.json").read_text())
    return json.loads((SCHEMAS / "resources" / f"{providers[type_]}.json").read_text())


def resolve_ref(type_: str, subschema: dict) -> dict:
    while "$ref" in subschema:
        subschema = schema(type_)["definitions"][subschema["$ref"].rsplit("/", 1)[1]]
    return subschema


def alternatives(type_: str, subschema: dict) -> list[dict]:
    """A subschema and the branches of its oneOf/anyOf/allOf, references followed."""
    subschema = resolve_ref(type_, subschema)
    found = [subschema]
    for key in ("oneOf", "anyOf", "allOf"):
        for branch in subschema.get(key, []):
            found += alternatives(type_, branch)
    return found


def child(type_: str, subschema: dict | None, key: str | int) -> dict | None:
    """The subschema of a property or list item, or None where the schema says nothing."""
    if subschema is None:
        return None
    for option in alternatives(type_, subschema):
        if isinstance(key, int) and "items" in option:
            return option["items"]
        if isinstance(key, str) and key in option.get("properties", {}):
            return option["properties"][key]
        if isinstance(key, str):
            for pattern, value in option.get("patternProperties", {}).items():
                if regex.search(pattern, key):
                    return value
    return None


@dataclass(frozen=True)
class Unknown:
    """A value this model cannot give the AWS shape of; any check reaching it fails, saying which."""

    what: str


NO_VALUE = object()


def digest(*parts: str, length: int = 17) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


@dataclass
class Stack:
    """The translated template with one environment's parameters, resolved as CloudFormation would."""

    cfn: dict[str, Any]
    name: str
    overrides: dict[str, str]
    ids: dict[str, str] = field(default_factory=dict)  # physical id -> logical id

    @property
    def resources(self) -> dict[str, dict]:
        return {n: r for n, r in self.cfn["Resources"].items() if self.exists(n)}

    def parameter(self, name: str) -> Any:
        definition = self.cfn["Parameters"][name]
        value = str(self.overrides.get(name, definition.get("Default", "")))
        return value.split(",") if definition["Type"] == "CommaDelimitedList" else value

    def exists(self, logical: str) -> bool:
        condition = self.cfn["Resources"][logical].get("Condition")
        return condition is None or self.condition(condition)

    def condition(self, name: str) -> bool:
        return self.decide(self.cfn["Conditions"][name])

    def decide(self, expression: Any) -> bool:
        (function, arguments), *_ = expression.items()
        if function == "Condition":
            return self.condition(arguments)
        if function == "Fn::Equals":
            left, right = (self.value(a) for a in arguments)
            return str(left) == str(right)  # CloudFormation compares parameters as strings
        if function == "Fn::Not":
            return not self.decide(arguments[0])
        if function == "Fn::And":
            return all(self.decide(a) for a in arguments)
        if function == "Fn::Or":
            return any(self.decide(a) for a in arguments)
        if function == "Fn::Contains":
            values, wanted = (self.value(a) for a in arguments)
            return str(wanted) in [str(v) for v in values]
        raise NotImplementedError(function)

    def value(self, node: Any) -> Any:
        """``node`` with its intrinsics resolved; ``NO_VALUE`` for AWS::NoValue."""
        if isinstance(node, list):
            return [v for v in (self.value(item) for item in node) if v is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (function, arguments), *_ = node.items()
            if function == "Ref":
                return self.ref(arguments)
            if function == "Fn::GetAtt":
                logical, attribute = arguments if isinstance(arguments, list) else arguments.split(".", 1)
                return self.get_att(logical, attribute)
            if function == "Fn::If":
                condition, when_true, when_false = arguments
                return self.value(when_true if self.condition(condition) else when_false)
            if function == "Fn::Sub":
                return self.substitute(*(arguments if isinstance(arguments, list) else [arguments, {}]))
            if function == "Fn::Join":
                separator, items = arguments[0], self.value(arguments[1])
                return self.joined(separator, items)
            if function == "Fn::Select":
                index, items = self.value(arguments[0]), self.value(arguments[1])
                return items[int(index)] if isinstance(items, list) else Unknown(f"Select from {items}")
            if function == "Fn::Split":
                separator, text = arguments[0], self.value(arguments[1])
                return text.split(separator) if isinstance(text, str) else Unknown(f"Split of {text}")
            if function == "Fn::FindInMap":
                mapping, first, second = (self.value(a) for a in arguments)
                return self.cfn["Mappings"][mapping][first][second]
            if function == "Fn::GetAZs":
                return ZONES
            if function == "Fn::Cidr":
                block, count, bits = (self.value(a) for a in arguments)
                network = ipaddress.ip_network(block)
                return [
                    str(s) for s in list(network.subnets(new_prefix=network.max_prefixlen - int(bits)))[: int(count)]
                ]
            if function.startswith("Fn::") or function == "Condition":
                return Unknown(function)
        resolved = {k: self.value(v) for k, v in node.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}

    def joined(self, separator: str, items: list) -> Any:
        unknown = [item for item in items if isinstance(item, Unknown)]
        return unknown[0] if unknown else separator.join(str(item) for item in items)

    def substitute(self, text: str, variables: dict) -> Any:
        parts: list[Any] = []
        position = 0
        for match in re.finditer(r"\$\{([^}]+)\}", text):
            parts.append(text[position : match.start()])
            name = match.group(1)
            if name.startswith("!"):
                parts.append("${" + name[1:] + "}")
            elif name in variables:
                parts.append(self.value(variables[name]))
            elif "." in name and not name.startswith("AWS::"):
                parts.append(self.get_att(*name.split(".", 1)))
            else:
                parts.append(self.ref(name))
            position = match.end()
        parts.append(text[position:])
        return self.joined("", parts)

    def ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name == "AWS::StackName":
            return self.name
        if name in PSEUDO:
            return PSEUDO[name]
        if name in self.cfn["Parameters"]:
            return self.parameter(name)
        type_ = self.cfn["Resources"][name]["Type"]
        assert self.exists(name), f"{name} is referred to in a deploy where its condition is false"
        parts = REF_RETURNS.get(type_) or [p.rsplit("/", 1)[1] for p in schema(type_)["primaryIdentifier"]]
        # A compound identifier comes back as its parts joined by "|" (e.g. IGW|vpc-0123...).
        physical = self.joined("|", [self.property(name, part) for part in parts])
        if isinstance(physical, str):
            self.ids[physical] = name
        return physical

    def get_att(self, logical: str, attribute: str) -> Any:
        return self.property(logical, attribute)

    def property(self, logical: str, name: str) -> Any:
        """One property or attribute of a resource as AWS reports it once created."""
        resource = self.cfn["Resources"][logical]
        type_, properties = resource["Type"], resource.get("Properties", {})
        if name in properties:
            return self.value(properties[name])
        shape = READ_ONLY_SHAPES.get(type_, {}).get(name)
        if shape is not None:
            return self.shaped(logical, shape)
        definition = schema(type_)["properties"].get(name)
        if definition is not None and f"/properties/{name}" not in schema(type_).get("readOnlyProperties", []):
            return self.generated_name(logical, definition)
        return Unknown(f"{type_}.{name} (of {logical})")

    def shaped(self, logical: str, shape: str) -> Any:
        fields = {"digest": digest(self.name, logical), "region": REGION, "account": ACCOUNT}
        fields["stackish"] = f"{self.name}-{logical}"[:32].rstrip("-")
        for name in re.findall(r"\{(\w+)\}", shape):
            if name not in fields:
                fields[name] = self.property(logical, name)
                if isinstance(fields[name], Unknown):
                    return fields[name]
        return shape.format(**fields)

    def generated_name(self, logical: str, definition: dict) -> str:
        """The name CloudFormation gives a resource that names none: <stack>-<logical id>-<random>."""
        suffix = digest(self.name, logical, length=12).upper()
        longest = definition.get("maxLength", 255)
        name = f"{self.name}-{logical}"[: max(1, longest - len(suffix) - 1)] + f"-{suffix}"
        pattern = definition.get("pattern")
        # Services that store names in lower case (RDS, S3) get them generated so.
        if pattern and not regex.search(pattern, name) and regex.search(pattern, name.lower()):
            name = name.lower()
        return name

    def logical_of(self, physical: Any) -> str:
        return self.ids[physical]


@cache
def deployed(scenario: str) -> Stack:
    name, overrides = SCENARIOS[scenario]
    return Stack(transformed(), name, dict(overrides))


def deployment(scenario: str) -> Stack:
    """A fresh resolution (its id map fills as values are resolved)."""
    name, overrides = SCENARIOS[scenario]
    return Stack(transformed(), name, dict(overrides))


# --- Tags and names: the values each service will check -----------------------------------


NAME_LIKE = re.compile(r"(Name|Domain)$")


def named_values(stack: Stack, logical: str) -> Iterator[tuple[str, Any, dict | None]]:
    """(path, resolved value, subschema) of every tag and every name-like property of a resource."""
    type_ = stack.cfn["Resources"][logical]["Type"]

    def walk(node: Any, subschema: dict | None, path: str, in_tags: bool, name_like: bool):
        if isinstance(node, dict):
            for key, item in node.items():
                tags = in_tags or key == "Tags"
                yield from walk(item, child(type_, subschema, key), f"{path}/{key}", tags, bool(NAME_LIKE.search(key)))
        elif isinstance(node, list):
            for index, item in enumerate(node):
                yield from walk(item, child(type_, subschema, index), f"{path}/{index}", in_tags, name_like)
        elif in_tags or name_like:
            yield path, node, subschema

    properties = stack.value(stack.cfn["Resources"][logical].get("Properties", {}))
    yield from walk(properties, {"properties": schema(type_)["properties"]}, logical, False, False)


def violations(type_: str, path: str, value: Any, subschema: dict | None) -> list[str]:
    if isinstance(value, Unknown):
        return [f"{path}: no known AWS shape for {value.what}"]
    if not isinstance(value, str):
        return []
    rules = resolve_ref(type_, subschema) if subschema else {}
    pattern = rules.get("pattern")
    if pattern is None and "/Tags/" in path and not type_.startswith(TAGS_TAKE_ANY_CHARACTER):
        pattern = TAG_CHARACTERS
    problems = []
    if pattern and not regex.search(pattern, value):
        problems.append(f"{path} = {value!r} does not match {type_}'s pattern {pattern}")
    if len(value) > rules.get("maxLength", 10**6) or len(value) < rules.get("minLength", 0):
        problems.append(f"{path} = {value!r} is outside {type_}'s length bounds")
    return problems


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_tag_and_name_resolves_to_a_value_its_service_accepts(scenario):
    stack = deployment(scenario)
    problems = []
    for logical, resource in stack.resources.items():
        for path, value, subschema in named_values(stack, logical):
            problems += violations(resource["Type"], path, value, subschema)
    assert problems == []


def test_a_compound_identifier_in_a_tag_is_caught():
    # The check itself: an attachment's id (IGW|vpc-...) where an ELB tag value is expected.
    value = deployment("defaults").ref("InternetGatewayAttachment")
    assert value.startswith("IGW|vpc-")
    tag_value = schema("AWS::ElasticLoadBalancingV2::LoadBalancer")["definitions"]["Tag"]["properties"]["Value"]
    problems = violations("AWS::ElasticLoadBalancingV2::LoadBalancer", "LoadBalancer/Tags/0/Value", value, tag_value)
    assert len(problems) == 1 and "does not match" in problems[0]


# --- Order and dependencies: what CloudFormation creates first ------------------------------


def references(stack: Stack, node: Any) -> set[str]:
    """Resources a definition refers to, following only the branches its deploy takes."""
    found: set[str] = set()
    if isinstance(node, list):
        for item in node:
            found |= references(stack, item)
    elif isinstance(node, dict):
        if "Fn::If" in node and len(node) == 1:
            condition, when_true, when_false = node["Fn::If"]
            return references(stack, when_true if stack.condition(condition) else when_false)
        for key, item in node.items():
            if key == "Ref" and isinstance(item, str):
                found.add(item)
            elif key == "Fn::GetAtt":
                found.add(item[0] if isinstance(item, list) else item.split(".")[0])
            elif key == "Fn::Sub":
                text = item if isinstance(item, str) else item[0]
                found |= {name.split(".")[0] for name in re.findall(r"\$\{([^!}][^}]*)\}", text)}
                if isinstance(item, list):
                    found |= references(stack, item[1]) - set(item[1])
            else:
                found |= references(stack, item)
    return found & set(stack.resources)


def dependencies(stack: Stack) -> dict[str, set[str]]:
    """Each resource's direct dependencies: its references anywhere (UpdatePolicy included) and DependsOn."""
    graph = {}
    for logical, resource in stack.resources.items():
        depends_on = resource.get("DependsOn", [])
        body = {k: v for k, v in resource.items() if k not in ("Type", "Condition", "DependsOn")}
        graph[logical] = references(stack, body) | set(depends_on if isinstance(depends_on, list) else [depends_on])
    return graph


def created_before(stack: Stack, logical: str, graph: dict[str, set[str]] | None = None) -> set[str]:
    """Every resource CloudFormation must create before this one."""
    graph = graph or dependencies(stack)
    seen: set[str] = set()
    todo = [logical]
    while todo:
        for dependency in graph[todo.pop()] - seen:
            seen.add(dependency)
            todo.append(dependency)
    return seen


@pytest.mark.parametrize("scenario", ["defaults", "dev", "cognito"])
def test_the_alb_is_created_after_the_internet_gateway_is_attached(scenario):
    # CreateLoadBalancer refuses an internet-facing ALB in a VPC with no internet gateway.
    assert "InternetGatewayAttachment" in created_before(deployment(scenario), "LoadBalancer")


@pytest.mark.parametrize("scenario", ["defaults", "cognito"])
def test_web_versions_are_published_after_the_secrets_manager_endpoint(scenario):
    # SnapStart runs init, which reads Secrets Manager, when each version is published.
    stack = deployment(scenario)
    (version,) = [n for n, r in stack.resources.items() if r["Type"] == "AWS::Lambda::Version"]
    assert "SecretsManagerEndpoint" in created_before(stack, version)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_no_resource_waits_on_itself(scenario):
    # The alias's CodeDeploy update policy names the deployment group, which names its alarms:
    # an alarm on anything built on the alias would close a loop CloudFormation refuses.
    stack = deployment(scenario)
    graph = dependencies(stack)
    assert [logical for logical in graph if logical in created_before(stack, logical, graph)] == []


# --- Routes: where the web function's traffic can go -------------------------------------------


def routes_out(stack: Stack, subnet_id: str) -> list[dict]:
    """The default routes of the route table a subnet is associated with."""
    tables = [
        stack.value(r["Properties"]["RouteTableId"])
        for r in stack.resources.values()
        if r["Type"] == "AWS::EC2::SubnetRouteTableAssociation"
        and stack.value(r["Properties"]["SubnetId"]) == subnet_id
    ]
    return [
        stack.value(r["Properties"])
        for r in stack.resources.values()
        if r["Type"] == "AWS::EC2::Route"
        and stack.value(r["Properties"]["RouteTableId"]) in tables
        and r["Properties"].get("DestinationCidrBlock") == "0.0.0.0/0"
    ]


def attached_internet_gateways(stack: Stack) -> set[str]:
    return {
        stack.value(r["Properties"]["InternetGatewayId"])
        for r in stack.resources.values()
        if r["Type"] == "AWS::EC2::VPCGatewayAttachment"
    }


def reaches_public_hosts(stack: Stack, subnet_id: str) -> bool:
    """Can an interface with no public address in this subnet open a connection to the internet?

    Lambda's interfaces never get a public address, so a route to the internet gateway
    is not enough: it takes a public NAT gateway whose own subnet routes to an attached
    internet gateway.
    """
    for route in routes_out(stack, subnet_id):
        nat_id = route.get("NatGatewayId")
        if nat_id is None:
            continue
        nat = stack.value(stack.cfn["Resources"][stack.logical_of(nat_id)]["Properties"])
        if nat.get("ConnectivityType", "public") != "public" or "AllocationId" not in nat:
            continue
        if any(r.get("GatewayId") in attached_internet_gateways(stack) for r in routes_out(stack, nat["SubnetId"])):
            return True
    return False


def web_subnets(stack: Stack) -> list[str]:
    return stack.value(stack.cfn["Resources"]["WebFunction"]["Properties"]["VpcConfig"]["SubnetIds"])


def https_egress_to_anywhere(stack: Stack, group: str) -> bool:
    rules = stack.value(stack.cfn["Resources"][group]["Properties"].get("SecurityGroupEgress", []))
    return any(r["CidrIp"] == "0.0.0.0/0" and r["FromPort"] <= 443 <= r["ToPort"] for r in rules)


def test_with_cognito_the_web_function_reaches_the_albs_public_key_host():
    # public-keys.auth.elb.<region>.amazonaws.com is a public host; no VPC endpoint serves it.
    stack = deployment("cognito")
    assert stack.condition("UsesCognito")
    subnets = web_subnets(stack)
    assert len(subnets) == 2
    for subnet in subnets:
        assert reaches_public_hosts(stack, subnet), stack.logical_of(subnet)
    assert https_egress_to_anywhere(stack, "FunctionSecurityGroup")
    endpoints = [
        r["Properties"]["ServiceName"] for r in stack.resources.values() if r["Type"] == "AWS::EC2::VPCEndpoint"
    ]
    assert not [e for e in endpoints if "elb" in json.dumps(e)]


@pytest.mark.parametrize("scenario", ["defaults", "dev", "staging", "prod"])
def test_without_cognito_the_functions_have_no_route_out(scenario):
    # The NAT gateway costs about $40 a month: only Cognito's key fetch pays for it.
    stack = deployment(scenario)
    assert not stack.condition("UsesCognito")
    assert not [s for s in web_subnets(stack) if reaches_public_hosts(stack, s)]
    assert not [r for r in stack.resources.values() if r["Type"] == "AWS::EC2::NatGateway"]


# --- Parameters and rules: what CloudFormation refuses before it builds anything ----------------


def accepts(stack: Stack, name: str, value: str) -> bool:
    """Whether CloudFormation takes ``value`` for a parameter (its type and constraints)."""
    definition = stack.cfn["Parameters"][name]
    if "AllowedValues" in definition and value not in [str(v) for v in definition["AllowedValues"]]:
        return False
    if "AllowedPattern" in definition and not re.fullmatch(definition["AllowedPattern"], value):
        return False
    if not definition.get("MinLength", 0) <= len(value) <= definition.get("MaxLength", 4096):
        return False
    if definition["Type"] == "Number":
        try:
            number = float(value)
        except ValueError:
            return False
        return definition.get("MinValue", -(10**12)) <= number <= definition.get("MaxValue", 10**12)
    return True


def rule_failures(stack: Stack) -> list[str]:
    """The AssertDescription of every failing assertion of every rule that applies."""
    failures = []
    for rule in stack.cfn.get("Rules", {}).values():
        if "RuleCondition" in rule and not stack.decide(rule["RuleCondition"]):
            continue
        failures += [a["AssertDescription"] for a in rule["Assertions"] if not stack.decide(a["Assert"])]
    return failures


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_environment_passes_the_parameter_constraints_and_rules(scenario):
    stack = deployment(scenario)
    refused = [name for name, value in stack.overrides.items() if not accepts(stack, name, value)]
    assert refused == []
    assert rule_failures(stack) == []


def test_prod_as_samconfig_has_it_is_refused_until_it_has_https_a_domain_and_an_alarm_address():
    stack = Stack(transformed(), "panelapp-prod", overrides_of("prod"))
    failures = rule_failures(stack)
    assert len(failures) == 3
    assert [f for f in failures if "CertificateArn" in f] and [f for f in failures if "DomainName" in f]
    assert [f for f in failures if "AlarmEmail" in f]
    for missing in HTTPS:
        partial = {k: v for k, v in HTTPS.items() if k != missing}
        only = rule_failures(Stack(transformed(), "panelapp-prod", overrides_of("prod") | partial))
        assert len(only) == 1 and missing in only[0], missing


def test_dev_and_staging_may_deploy_without_a_certificate():
    for section in ("default", "staging"):
        assert rule_failures(Stack(transformed(), "panelapp", overrides_of(section))) == []


def waf_rate_limit_bounds() -> tuple[int, int]:
    definitions = schema("AWS::WAFv2::WebACL")["definitions"]
    limit = resolve_ref("AWS::WAFv2::WebACL", definitions["RateBasedStatement"]["properties"]["Limit"])
    return limit["minimum"], limit["maximum"]


def test_waf_rate_limit_takes_exactly_what_waf_takes_or_0_for_none():
    low, high = waf_rate_limit_bounds()
    stack = deployment("defaults")
    candidates = [*range(0, low + 3), 99, 3000, high - 1, high, high + 1, 10 * high]
    for number in candidates:
        assert accepts(stack, "WafRateLimit", str(number)) == (number == 0 or low <= number <= high), number
    for text in ("", "-1", "10.5", "1e3", " 10"):
        assert not accepts(stack, "WafRateLimit", text), text


@pytest.mark.parametrize("limit, creates", [("0", False), ("10", True), ("3000", True)])
def test_waf_rate_limit_0_creates_no_web_acl(limit, creates):
    stack = Stack(transformed(), "panelapp", {"WafRateLimit": limit})
    assert stack.exists("WebAcl") is creates
    if creates:
        rule = stack.value(stack.cfn["Resources"]["WebAcl"]["Properties"]["Rules"][0])
        low, high = waf_rate_limit_bounds()
        assert low <= int(rule["Statement"]["RateBasedStatement"]["Limit"]) <= high


# --- IAM: what each role may do ---------------------------------------------------------------

# The services each AWS managed policy on the stack's roles grants actions of (their published documents).
MANAGED_POLICY_SERVICES = {
    "AWSLambdaBasicExecutionRole": {"logs"},
    "AWSLambdaVPCAccessExecutionRole": {"ec2", "logs"},
    "AWSXrayWriteOnlyAccess": {"xray"},
    "AWSCodeDeployRoleForLambda": {"cloudwatch", "lambda", "s3", "sns"},
    # Receive, delete and read attributes of *every* queue in the account.
    "AWSLambdaSQSQueueExecutionRole": {"sqs", "logs"},
}


@pytest.mark.parametrize("scenario", ["defaults", "cognito"])
def test_no_role_grants_sqs_actions_on_every_queue(scenario):
    stack = deployment(scenario)
    grants = []
    for logical, role in stack.resources.items():
        if role["Type"] != "AWS::IAM::Role":
            continue
        properties = stack.value(role["Properties"])
        for arn in properties.get("ManagedPolicyArns", []):
            services = MANAGED_POLICY_SERVICES[arn.rsplit("/", 1)[1]]  # an unknown managed policy fails here
            if "sqs" in services:
                grants.append((logical, arn))
        for policy in properties.get("Policies", []):
            statements = policy["PolicyDocument"]["Statement"]
            for statement in statements if isinstance(statements, list) else [statements]:
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                sqs = [a for a in actions if a.startswith("sqs:") or a == "*"]
                if sqs and statement["Effect"] == "Allow" and "*" in json.dumps(statement["Resource"]):
                    grants.append((logical, sqs))
    assert grants == []


# --- Safe rollouts: CodeDeploy shifts the web alias, watched by alarms ----------------------------


def test_the_web_alias_moves_to_a_new_version_gradually_and_rolls_back_on_an_alarm():
    stack = deployment("prod")
    (alias,) = [r for r in stack.resources.values() if r["Type"] == "AWS::Lambda::Alias"]
    update = alias["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]
    group = stack.cfn["Resources"][update["DeploymentGroupName"]["Ref"]]["Properties"]
    assert stack.value(group["DeploymentConfigName"]).startswith(
        ("CodeDeployDefault.LambdaCanary", "CodeDeployDefault.LambdaLinear")
    )
    assert group["AutoRollbackConfiguration"] == {
        "Enabled": True,
        "Events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST"],
    }
    watched = {a["Name"]["Ref"] for a in group["AlarmConfiguration"]["Alarms"]}
    assert {"WebErrorsAlarm", "LoadBalancer5xxAlarm"} <= watched
    for name in watched:
        assert stack.cfn["Resources"][name]["Type"] == "AWS::CloudWatch::Alarm"
    # CodeDeploy acts with a role of its own, which SAM adds.
    role = stack.value(stack.cfn["Resources"][group["ServiceRoleArn"]["Fn::GetAtt"][0]]["Properties"])
    assert role["ManagedPolicyArns"] == ["arn:aws:iam::aws:policy/service-role/AWSCodeDeployRoleForLambda"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": ["codedeploy.amazonaws.com"]}


def test_codedeploy_shifts_between_snapstart_published_versions():
    # The alias points at the version SAM publishes (SnapStart snapshots it on publication).
    stack = deployment("prod")
    function = stack.cfn["Resources"]["WebFunction"]["Properties"]
    assert function["SnapStart"] == {"ApplyOn": "PublishedVersions"}
    (alias,) = [r for r in stack.resources.values() if r["Type"] == "AWS::Lambda::Alias"]
    version = alias["Properties"]["FunctionVersion"]["Fn::GetAtt"][0]
    assert stack.cfn["Resources"][version]["Type"] == "AWS::Lambda::Version"
    assert stack.cfn["Resources"][version]["Properties"]["FunctionName"] == {"Ref": "WebFunction"}


# --- Alarms that matter, on metrics that exist ----------------------------------------------------

# (namespace, metric) -> the dimension names CloudWatch publishes it under.
METRICS = {
    ("AWS/SQS", "ApproximateAgeOfOldestMessage"): {"QueueName"},
    ("AWS/Lambda", "Duration"): {"FunctionName"},
    ("AWS/ApiGateway", "5xx"): {"ApiId", "Stage"},
    ("AWS/RDS", "ServerlessDatabaseCapacity"): {"DBClusterIdentifier"},
    ("AWS/ApplicationELB", "UnHealthyHostCount"): {"LoadBalancer", "TargetGroup"},
}


def alarms(stack: Stack) -> list[dict]:
    return [stack.value(r["Properties"]) for r in stack.resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"]


@pytest.mark.parametrize("namespace, metric", METRICS)
def test_an_alarm_watches(namespace, metric):
    stack = deployment("prod")
    found = [a for a in alarms(stack) if (a["Namespace"], a["MetricName"]) == (namespace, metric)]
    assert found, (namespace, metric)
    for alarm in found:
        assert {d["Name"] for d in alarm["Dimensions"]} == METRICS[(namespace, metric)]
        assert alarm["AlarmActions"] and alarm["TreatMissingData"] == "notBreaching"


@pytest.mark.parametrize("function", ["WebFunction", "WorkerFunction"])
def test_duration_alarms_fire_before_the_timeout(function):
    stack = deployment("prod")
    timeout_ms = stack.cfn["Resources"][function]["Properties"]["Timeout"] * 1000
    physical = stack.ref(function)
    (alarm,) = [a for a in alarms(stack) if a["MetricName"] == "Duration" and a["Dimensions"][0]["Value"] == physical]
    assert timeout_ms / 2 < alarm["Threshold"] < timeout_ms


def test_database_capacity_alarm_is_at_the_configured_maximum():
    for scenario in ("dev", "prod"):
        stack = deployment(scenario)
        (alarm,) = [a for a in alarms(stack) if a["MetricName"] == "ServerlessDatabaseCapacity"]
        assert float(alarm["Threshold"]) == float(stack.parameter("DatabaseMaxCapacity"))
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_task_age_alarm_fires_after_more_than_one_visibility_timeout():
    stack = deployment("prod")
    (alarm,) = [a for a in alarms(stack) if a["MetricName"] == "ApproximateAgeOfOldestMessage"]
    assert alarm["Threshold"] > stack.value({"Fn::FindInMap": ["Queue", "Task", "VisibilityTimeout"]})


# --- Powertools: the variables its users expect ----------------------------------------------------

POWERTOOLS_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}


@pytest.mark.parametrize("scenario", ["defaults", "dev", "prod"])
def test_every_function_gets_powertools_service_namespace_and_log_level(scenario):
    stack = deployment(scenario)
    for function in ("WebFunction", "WorkerFunction", "ManageFunction"):
        variables = stack.value(stack.cfn["Resources"][function]["Properties"]["Environment"]["Variables"])
        assert variables["POWERTOOLS_SERVICE_NAME"] == "panelapp"
        namespace = variables["POWERTOOLS_METRICS_NAMESPACE"]
        # CloudWatch's namespace rule: 1-255 characters, not starting with a colon, no "AWS/" prefix.
        assert re.fullmatch(r"[A-Za-z0-9.\-_/#: ]{1,255}", namespace) and not namespace.startswith((":", "AWS/"))
        assert stack.name in namespace  # dev and prod in one account keep their metrics apart
        assert variables["POWERTOOLS_LOG_LEVEL"] in POWERTOOLS_LEVELS
        assert variables["POWERTOOLS_LOGGER_LOG_EVENT"] == "false"


def test_every_log_level_the_template_accepts_is_one_powertools_knows():
    assert set(transformed()["Parameters"]["DjangoLogLevel"]["AllowedValues"]) <= POWERTOOLS_LEVELS


# --- The HTTP API: only what needs neither the WAF, Cognito nor the media bucket's CORS -----------


def http_api_matches(stack: Stack, path: str) -> bool:
    """Whether API Gateway routes ``path`` to the web function (greedy ``{proxy+}`` routes, $default)."""
    (api,) = [r for r in stack.resources.values() if r["Type"] == "AWS::ApiGatewayV2::Api"]
    for route in api["Properties"]["Body"]["paths"]:
        if route == "$default" or (route.endswith("/{proxy+}") and path.startswith(route[: -len("{proxy+}")])):
            return True
        if route == path:
            return True
    return False


def test_the_http_api_serves_the_api_but_no_page_sign_in_or_upload():
    from django.urls import reverse

    stack = deployment("cognito")
    assert http_api_matches(stack, reverse("api-schema"))
    assert http_api_matches(stack, "/api/v1/panels/")
    for page in (reverse("home"), reverse("accounts:login"), reverse("uploads:start"), "/panels/", "/admin/"):
        assert not http_api_matches(stack, page), page
