"""A panel too large for the way it is asked for: gzipped, or redirected to its stored JSON, never a 502.

Through the web function with the ALB's and the HTTP API's own events; the
JSON the test client gets (no entry point, no limit) is the byte-for-byte
answer every other way must give back.
"""

import base64
import copy
import gzip
import json

import pytest
import requests
from panels import services

from tests.conftest import load_event, load_function
from tests.panels.factories import add_gene, bulk_genes, make_panel
from tests.test_storage_emulator import MEDIA_BUCKET

pytestmark = pytest.mark.django_db(transaction=True)

# As many genes as the real PanelApp's largest panel: its JSON passes the ALB's 1 MB uncompressed.
GENES = 2_500


@pytest.fixture(scope="module")
def web():
    return load_function("web")


@pytest.fixture
def large_panel(curator):
    panel = make_panel(curator, "Intellectual disability")
    bulk_genes(curator, panel, GENES)
    return panel


def stored_json(client, panel, **query) -> bytes:
    response = client.get(f"/api/v1/panels/{panel.pk}/", query, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.content


def alb_event(path: str, query: dict[str, str] | None = None, *, gzip_ok: bool) -> dict:
    event = copy.deepcopy(load_event("alb_get.json"))
    event["path"], event["queryStringParameters"] = path, query or {}
    if not gzip_ok:
        del event["headers"]["accept-encoding"]
    return event


def http_api_event(path: str) -> dict:
    event = copy.deepcopy(load_event("http_api_v2.json"))  # sent without Accept-Encoding
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["rawQueryString"], event["queryStringParameters"] = "", {}
    return event


def location(response: dict) -> str:
    return response["headers"]["Location"]


def test_through_the_alb_without_gzip_it_redirects_to_its_json_stored_byte_for_byte(
    s3, web, lambda_context, client, large_panel
):
    event = alb_event(f"/api/v1/panels/{large_panel.pk}/", gzip_ok=False)

    response = web.lambda_handler(event, lambda_context)

    assert response["statusCode"] == 302
    assert location(response).startswith(f"{s3.endpoint}/{MEDIA_BUCKET}/media/api/v1/panels/{large_panel.pk}/0.1/")
    fetched = requests.get(location(response), timeout=30)
    assert fetched.status_code == 200
    assert fetched.headers["Content-Type"] == "application/json"
    assert fetched.content == stored_json(client, large_panel)
    assert len(json.dumps(fetched.text)) > 1_000_000  # more than the ALB carries, as Lambda would send it


def test_through_the_alb_with_gzip_it_is_answered_inline_compressed(web, lambda_context, client, large_panel):
    event = alb_event(f"/api/v1/panels/{large_panel.pk}/", gzip_ok=True)

    response = web.lambda_handler(event, lambda_context)

    assert (response["statusCode"], response["isBase64Encoded"]) == (200, True)
    assert response["headers"]["Content-Encoding"] == "gzip"
    assert gzip.decompress(base64.b64decode(response["body"])) == stored_json(client, large_panel)


def test_through_the_http_api_it_is_answered_inline_under_lambda_s_limit(web, lambda_context, client, large_panel):
    response = web.lambda_handler(http_api_event(f"/api/v1/panels/{large_panel.pk}/"), lambda_context)

    assert (response["statusCode"], response["isBase64Encoded"]) == (200, False)
    assert response["body"].encode() == stored_json(client, large_panel)


def test_an_old_version_is_stored_under_its_own_version(s3, web, lambda_context, client, curator, large_panel):
    add_gene(curator, large_panel, "NEWGENE")  # 0.2: the large 0.1 becomes an old version
    event = alb_event(f"/api/v1/panels/{large_panel.pk}/", {"version": "0.1"}, gzip_ok=False)

    response = web.lambda_handler(event, lambda_context)

    assert response["statusCode"] == 302
    assert f"/media/api/v1/panels/{large_panel.pk}/0.1/" in location(response)
    assert requests.get(location(response), timeout=30).content == stored_json(client, large_panel, version="0.1")


def test_asked_twice_a_version_is_stored_once(s3, web, lambda_context, large_panel):
    event = alb_event(f"/api/v1/panels/{large_panel.pk}/", gzip_ok=False)

    first = web.lambda_handler(event, lambda_context)
    second = web.lambda_handler(event, lambda_context)

    assert first["statusCode"] == second["statusCode"] == 302
    assert len(s3.keys(MEDIA_BUCKET, f"media/api/v1/panels/{large_panel.pk}/")) == 1


def test_a_changed_version_text_is_a_new_file(s3, web, lambda_context, curator, large_panel):
    event = alb_event(f"/api/v1/panels/{large_panel.pk}/", gzip_ok=False)
    web.lambda_handler(event, lambda_context)
    services.update_panel(curator, large_panel, disease_sub_group="Changed")  # 0.2, another text

    web.lambda_handler(event, lambda_context)

    keys = s3.keys(MEDIA_BUCKET, f"media/api/v1/panels/{large_panel.pk}/")
    assert [key.split("/")[-2] for key in sorted(keys)] == ["0.1", "0.2"]


def test_the_redirect_is_never_cached_and_varies_by_accept_encoding(s3, web, lambda_context, large_panel):
    response = web.lambda_handler(alb_event(f"/api/v1/panels/{large_panel.pk}/", gzip_ok=False), lambda_context)

    assert "no-store" in response["headers"]["Cache-Control"]
    assert "Accept-Encoding" in response["headers"]["Vary"]


def test_a_small_panel_is_answered_inline_without_storing_anything(s3, web, lambda_context, client, curator):
    panel = make_panel(curator, "Small")
    add_gene(curator, panel, "BRCA1")

    response = web.lambda_handler(alb_event(f"/api/v1/panels/{panel.pk}/", gzip_ok=False), lambda_context)

    assert response["statusCode"] == 200 and response["body"].encode() == stored_json(client, panel)
    assert s3.keys(MEDIA_BUCKET, f"media/api/v1/panels/{panel.pk}/") == []


def test_a_webservices_gene_search_too_large_for_the_alb_redirects_to_its_stored_json(
    s3, web, lambda_context, client, curator, large_panel
):
    # Upstream lists a child panel's gene again under each super panel holding it: twice the panel's genes.
    services.create_panel(curator, name="Super panel", status="public", child_panels=[large_panel])
    event = alb_event("/WebServices/search_genes/all/", gzip_ok=False)

    response = web.lambda_handler(event, lambda_context)

    assert response["statusCode"] == 302
    assert location(response).startswith(f"{s3.endpoint}/{MEDIA_BUCKET}/media/api/webservices/search_genes/")
    fetched = requests.get(location(response), timeout=30).json()
    inline = client.get("/WebServices/search_genes/all/", HTTP_ACCEPT="application/json").json()
    assert fetched == inline and fetched["meta"]["numOfResults"] == 2 * GENES
