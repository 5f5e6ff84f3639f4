"""The API through the WebFunction handler, with the events the ALB and API Gateway send."""

import base64
import copy
import gzip
import json

import pytest

from tests.conftest import load_event, load_function
from tests.panels.factories import bulk_genes, make_panel

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def web():
    return load_function("web")


@pytest.fixture
def big_panel(curator):
    panel = make_panel(curator, "Intellectual disability")
    bulk_genes(curator, panel, 120)
    return panel


def alb_event(path: str, query: dict[str, str]) -> dict:
    event = copy.deepcopy(load_event("alb_get.json"))
    event["path"], event["queryStringParameters"] = path, query
    return event


def http_api_event(path: str, query: str) -> dict:
    event = copy.deepcopy(load_event("http_api_v2.json"))
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["rawQueryString"] = query
    event["queryStringParameters"] = dict(pair.split("=") for pair in query.split("&")) if query else {}
    return event


def rest_api_event(path: str, query: dict[str, str]) -> dict:
    event = copy.deepcopy(load_event("rest_api_v1_stage.json"))
    event["path"] = path
    event["requestContext"]["path"] = f"/prod{path}"
    event["pathParameters"] = {"proxy": path.lstrip("/")}
    event["queryStringParameters"] = query
    event["multiValueQueryStringParameters"] = {key: [value] for key, value in query.items()}
    return event


def body(response: dict) -> dict:
    assert response["statusCode"] == 200, response["body"][:300]
    if response["isBase64Encoded"]:  # gzipped for the ALB event's Accept-Encoding
        return json.loads(gzip.decompress(base64.b64decode(response["body"])))
    return json.loads(response["body"])


def test_alb_next_links_are_absolute_https_on_the_alb_host(web, lambda_context, big_panel):
    page = body(
        web.lambda_handler(alb_event("/api/v1/genes/", {"panel_name": "Intellectual disability"}), lambda_context)
    )

    host = "panelapp-alb-1234567890.eu-west-2.elb.amazonaws.com"
    assert len(page["results"]) == 100
    assert page["next"].startswith(f"https://{host}/api/v1/genes/?cursor=")
    assert page["next"].endswith("&panel_name=Intellectual+disability")


def test_alb_follows_its_own_next_link(web, lambda_context, big_panel):
    first = body(web.lambda_handler(alb_event(f"/api/v1/panels/{big_panel.pk}/genes/", {}), lambda_context))
    second = body(web.lambda_handler(alb_event(f"/api/v1/panels/{big_panel.pk}/genes/", {"page": "2"}), lambda_context))

    assert first["next"].endswith(f"/api/v1/panels/{big_panel.pk}/genes/?page=2")
    assert (len(second["results"]), second["next"]) == (20, None)
    assert second["previous"].startswith("https://")


def test_http_api_next_links_are_absolute_on_the_api_host(web, lambda_context, big_panel):
    event = http_api_event("/api/v1/genes/", "confidence_level=3")

    page = body(web.lambda_handler(event, lambda_context))

    assert page["next"].startswith(
        "https://abc123def4.execute-api.eu-west-2.amazonaws.com/api/v1/genes/?confidence_level=3&cursor="
    )


def test_rest_api_next_links_carry_the_stage(web, lambda_context, big_panel):
    page = body(web.lambda_handler(rest_api_event("/api/v1/genes/", {}), lambda_context))

    assert page["next"].startswith("https://xyz789abc0.execute-api.eu-west-2.amazonaws.com/prod/api/v1/genes/?cursor=")


def test_panel_detail_and_its_errors_through_the_alb(web, lambda_context, big_panel):
    detail = web.lambda_handler(alb_event(f"/api/v1/panels/{big_panel.pk}/", {}), lambda_context)
    missing = web.lambda_handler(alb_event("/api/v1/panels/999999/", {}), lambda_context)
    bad = web.lambda_handler(alb_event(f"/api/v1/panels/{big_panel.pk}/", {"version": "one"}), lambda_context)

    assert (body(detail)["name"], len(body(detail)["genes"])) == ("Intellectual disability", 120)
    assert (missing["statusCode"], json.loads(missing["body"])) == (404, {"detail": "Panel '999999' not found."})
    assert bad["statusCode"] == 400
    assert json.loads(bad["body"])["detail"].startswith("Incorrect version 'one'")
    assert bad["headers"]["Content-Type"] == "application/json"


def test_the_weak_etag_of_a_gzipped_answer_revalidates_through_the_alb(web, lambda_context, big_panel):
    """The adapter gzips and marks the ETag weak; the client sends that form back and gets a 304, no body."""
    first = web.lambda_handler(alb_event(f"/api/v1/panels/{big_panel.pk}/", {}), lambda_context)
    event = alb_event(f"/api/v1/panels/{big_panel.pk}/", {})
    event["headers"]["if-none-match"] = first["headers"]["ETag"]

    again = web.lambda_handler(event, lambda_context)

    assert first["headers"]["Content-Encoding"] == "gzip" and first["headers"]["ETag"].startswith('W/"')
    assert (again["statusCode"], again["body"]) == (304, "")
    # The 304 has no body to compress, so the adapter leaves its tag strong: the same tag, compared weakly.
    assert f"W/{again['headers']['ETag']}" == first["headers"]["ETag"]
