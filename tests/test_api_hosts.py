"""An execute-api Host is accepted only from API Gateway itself, for the API that invoked us.

ALLOWED_HOSTS cannot name this stack's API id (the web function's environment
cannot refer to the API that refers to it), so it allows the region's
``.execute-api`` hosts and ``serverless.hosts`` narrows that per request: the
Host must be the domain API Gateway put in the event's request context. Only
this stack's HTTP API may invoke the function (tests/test_template.py), so only
its id passes; through the ALB any execute-api Host (which would make Django
build links, e.g. password-reset links, to someone else's API) is a 400.
"""

import copy

import pytest

from tests.conftest import load_event, load_function

pytestmark = pytest.mark.django_db(transaction=True)

OTHER_API = "evil000api.execute-api.eu-west-2.amazonaws.com"


@pytest.fixture(scope="module")
def web():
    return load_function("web")


def test_the_http_api_s_own_host_is_served(web, lambda_context):
    assert web.lambda_handler(load_event("http_api_v2.json"), lambda_context)["statusCode"] == 200


def test_the_rest_api_s_own_host_is_served(web, lambda_context):
    assert web.lambda_handler(load_event("rest_api_v1_stage.json"), lambda_context)["statusCode"] == 200


def test_an_execute_api_host_through_the_alb_is_refused(web, lambda_context):
    event = load_event("alb_get.json")
    event["headers"]["host"] = OTHER_API
    assert web.lambda_handler(event, lambda_context)["statusCode"] == 400


def test_an_execute_api_host_through_the_alb_multi_value_event_is_refused(web, lambda_context):
    event = load_event("alb_get_multivalue.json")
    event["multiValueHeaders"]["host"] = [OTHER_API]
    assert web.lambda_handler(event, lambda_context)["statusCode"] == 400


def test_another_api_s_host_in_an_api_gateway_event_is_refused(web, lambda_context):
    event = copy.deepcopy(load_event("http_api_v2.json"))
    event["headers"]["host"] = OTHER_API
    assert web.lambda_handler(event, lambda_context)["statusCode"] == 400


def test_the_alb_hostname_is_still_served(web, lambda_context):
    assert web.lambda_handler(load_event("alb_get.json"), lambda_context)["statusCode"] == 200
