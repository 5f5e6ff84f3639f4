"""The OpenAPI schema tells the truth about API v1, and its pages never break."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def openapi(client) -> dict:
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def get_operation(openapi: dict, path: str) -> dict:
    return openapi["paths"][path]["get"]


def parameter(operation: dict, name: str) -> dict:
    return next(p for p in operation["parameters"] if p["name"] == name)["schema"]


def test_panel_activities_are_declared_a_bare_list(openapi):
    body = get_operation(openapi, "/api/v1/panels/{id}/activities/")["responses"]["200"]["content"]["application/json"]
    assert body["schema"]["type"] == "array"


def test_paginated_lists_are_declared_paginated(openapi):
    body = get_operation(openapi, "/api/v1/panels/")["responses"]["200"]["content"]["application/json"]
    assert body["schema"]["$ref"].endswith("/PaginatedPanelSchemaList")


def test_confidence_level_is_declared_as_the_levels_accepted(openapi):
    assert parameter(get_operation(openapi, "/api/v1/genes/"), "confidence_level")["enum"] == [0, 1, 2, 3, 4]


def test_version_is_declared_major_dot_minor(openapi):
    version = parameter(get_operation(openapi, "/api/v1/panels/{id}/"), "version")
    assert version["pattern"] == "^[0-9]{1,9}\\.[0-9]{1,9}$"


def test_display_is_declared_as_its_two_choices(openapi):
    assert parameter(get_operation(openapi, "/api/v1/panels/signedoff/"), "display")["enum"] == ["latest", "all"]


def test_every_operation_documents_its_400_and_404(openapi):
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            assert {"200", "400", "404"} <= set(operation["responses"]), f"{method} {path}"


def test_every_operation_has_its_own_id(openapi):
    ids = [operation["operationId"] for operations in openapi["paths"].values() for operation in operations.values()]
    assert len(ids) == len(set(ids))
    assert {"panels_list", "panels_retrieve", "panels_genes_list", "genes_list", "genes_by_name_list"} <= set(ids)


def test_a_confidence_level_above_four_is_refused_as_the_schema_says(client, catalogue):
    assert client.get("/api/v1/genes/", {"confidence_level": "5"}).status_code == 400


def test_options_on_the_docs_page_answers_with_the_allowed_methods(client):
    response = client.options("/api/docs/")
    assert response.status_code == 200
    assert "GET" in response["Allow"]


def test_docs_page_loads_swagger_ui_from_our_static_files(client, settings):
    html = client.get("/api/docs/").content.decode()
    assert f"{settings.STATIC_URL}drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


def test_panel_detail_answers_html_to_a_browser(client, catalogue):
    response = client.get(f"/api/v1/panels/{catalogue['breast'].pk}/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "BRCA1" in response.content.decode()


def test_panel_detail_still_answers_its_stored_json_to_a_client(client, catalogue):
    response = client.get(f"/api/v1/panels/{catalogue['breast'].pk}/")
    assert response["Content-Type"] == "application/json"
    assert response.json()["name"] == "Breast cancer"


# --- The schema and the answers agree (each once seen disagreeing by schemathesis) ---------------


def test_an_str_without_repeats_is_served_null_and_the_schema_allows_it(client, openapi, catalogue, curator):
    from tests.panels.factories import add_str

    add_str(curator, catalogue["ataxia"], "FXN_GAA", normal_repeats=None, pathogenic_repeats=None)
    served = client.get(f"/api/v1/panels/{catalogue['ataxia'].pk}/strs/FXN_GAA/").json()
    declared = openapi["components"]["schemas"]["EntitySchema"]["properties"]

    assert (served["normal_repeats"], served["pathogenic_repeats"]) == (None, None)
    assert declared["normal_repeats"]["nullable"] and declared["pathogenic_repeats"]["nullable"]


def test_an_empty_page_is_the_first_page_and_the_schema_declares_it(client, openapi, catalogue):
    url = f"/api/v1/panels/{catalogue['breast'].pk}/genes/"
    page = parameter(get_operation(openapi, "/api/v1/panels/{id}/genes/"), "page")
    declared = next(
        p for p in get_operation(openapi, "/api/v1/panels/{id}/genes/")["parameters"] if p["name"] == "page"
    )

    assert client.get(url, {"page": ""}).json() == client.get(url).json()
    assert declared["allowEmptyValue"] is True
    assert page["anyOf"] == [{"type": "integer", "minimum": 1}, {"type": "string", "enum": ["last"]}]


@pytest.mark.parametrize("path", ["/api/v1/genes/", "/api/v1/entities/", "/api/v1/activities/"])
def test_cursor_lists_declare_their_cursor_first_and_last_pages_and_no_count(openapi, path):
    operation = get_operation(openapi, path)
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    body = openapi["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]] if "$ref" in body else body

    assert parameter(operation, "page")["anyOf"] == [
        {"type": "integer", "enum": [1]},
        {"type": "string", "enum": ["last"]},
    ]
    assert parameter(operation, "cursor")["pattern"] == "^[A-Za-z0-9_-]*$"
    assert sorted(body["properties"]) == ["next", "previous", "results"]


def test_the_panel_activities_declare_their_cursor_and_link_header(openapi):
    operation = get_operation(openapi, "/api/v1/panels/{id}/activities/")

    assert parameter(operation, "cursor")["pattern"] == "^[A-Za-z0-9_-]*$"
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["type"] == "array"
    assert "Link" in operation["responses"]["200"]["headers"]


@pytest.mark.parametrize("page", ["+1", " 1", "0_1", "\u0661"])
def test_a_page_the_schema_does_not_declare_is_the_404_of_any_invalid_page(client, catalogue, page):
    response = client.get("/api/v1/genes/", {"page": page})
    assert (response.status_code, response.json()) == (404, {"detail": "Invalid page."})


def test_evaluations_do_not_declare_a_version_they_would_refuse(client, openapi, catalogue):
    path = "/api/v1/panels/{id}/genes/{entity_name}/evaluations/"
    operation = get_operation(openapi, path)
    url = f"/api/v1/panels/{catalogue['breast'].pk}/genes/BRCA1/evaluations/"

    assert "version" not in {p["name"] for p in operation["parameters"]}
    assert "current version" in operation["description"]
    assert client.get(url, {"version": "999.0"}).status_code == 400  # as upstream
