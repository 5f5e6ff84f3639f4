"""Bad input gets a JSON 400 naming the problem; what is not there a JSON 404; never a 500 page."""

import pytest

from tests.api.test_panels import get

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/panels/999999/",
        "/api/v1/panels/No such panel/",
        "/api/v1/panels/999999/genes/",
        "/api/v1/panels/999999/genes/BRCA1/evaluations/",
        "/api/v1/panels/999999/versions/",
        "/api/v1/panels/999999/activities/",
        "/api/v1/panels/signedoff/999999/",
        "/api/v1/no-such-endpoint/",
        "/api/v2/panels/",
    ],
)
def test_unknown_things_are_json_404s(client, catalogue, url):
    body = get(client, url, status=404)

    assert set(body) == {"detail"}


def test_a_path_without_its_trailing_slash_redirects_to_it(client, catalogue):
    response = client.get("/api/v1/panels", {"name": "colon"})

    assert (response.status_code, response["Location"]) == (301, "/api/v1/panels/?name=colon")


def test_internal_panels_do_not_exist_for_the_public(client, catalogue):
    pk = catalogue["internal"].pk

    for url in (f"/api/v1/panels/{pk}/", f"/api/v1/panels/{pk}/genes/", f"/api/v1/panels/{pk}/versions/"):
        get(client, url, status=404)
    get(client, f"/api/v1/panels/{pk}/", status=404, version="0.1")


def test_a_panel_without_a_signed_off_version_is_404_there(client, catalogue):
    body = get(client, f"/api/v1/panels/signedoff/{catalogue['breast'].pk}/", status=404)

    assert body == {"detail": f"Panel {catalogue['breast'].pk} has no signed-off version."}


@pytest.mark.parametrize(
    ("url", "params", "message"),
    [
        ("/api/v1/panels/{pk}/", {"version": "1"}, "Incorrect version '1'"),
        ("/api/v1/panels/{pk}/", {"version": "1.x"}, "Incorrect version '1.x'"),
        ("/api/v1/panels/{pk}/", {"version": "\u0661.\u0662"}, "Incorrect version"),  # Arabic-Indic digits
        ("/api/v1/panels/{pk}/genes/", {"version": "latest"}, "Incorrect version 'latest'"),
        ("/api/v1/panels/{pk}/genes/", {"confidence_level": "green"}, "Incorrect confidence level 'green'"),
        ("/api/v1/genes/", {"confidence_level": "-1"}, "Incorrect confidence level '-1'"),
        ("/api/v1/panels/", {"retired": "maybe"}, "Incorrect retired 'maybe'"),
        ("/api/v1/panels/signedoff/", {"display": "some"}, "Incorrect display 'some'"),
        ("/api/v1/panels/signedoff/", {"panel_id": "abc"}, "Incorrect panel_id 'abc'"),
    ],
)
def test_malformed_parameters_are_json_400s_with_a_message(client, catalogue, url, params, message):
    body = get(client, url.format(pk=catalogue["breast"].pk), status=400, **params)

    assert body["detail"].startswith(message)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/panels/?name=%00",
        "/api/v1/panels/a%00b/",
        "/api/v1/panels/{pk}/genes/?tags=%00",
        "/api/v1/panels/{pk}/genes/%00/evaluations/",
        "/api/v1/genes/%00/",
        "/api/v1/genes/?entity_name=%00",
        "/api/v1/genes/?panel_name=a&panel_name=%00",
        "/api/v1/entities/?type=%00",
    ],
)
def test_nul_characters_are_a_400_not_a_database_error(client, catalogue, url):
    body = get(client, url.format(pk=catalogue["breast"].pk), status=400)

    assert "NUL characters are not allowed" in body["detail"]


def test_a_page_past_the_end_is_a_json_404(client, catalogue):
    assert get(client, f"/api/v1/panels/{catalogue['breast'].pk}/genes/", status=404, page="99") == {
        "detail": "Invalid page."
    }
    assert get(client, "/api/v1/genes/", status=404, page="abc") == {"detail": "Invalid page."}


@pytest.mark.parametrize("url", ["/api/v1/genes/", "/api/v1/entities/", "/api/v1/activities/"])
def test_a_numbered_page_past_the_first_of_a_cursor_list_is_a_404_pointing_at_next(client, catalogue, url):
    body = get(client, url, status=404, page="2")

    assert body == {"detail": "Invalid page: past the first, this list's pages are reached by its next links."}


@pytest.mark.parametrize("cursor", ["abc", "WyJhIiwxXQ", "WyJ4IiwiQSIsImdlbmUiLDFd", "W10", "x" * 401])
def test_a_damaged_cursor_is_a_json_404(client, catalogue, cursor):
    assert get(client, "/api/v1/genes/", status=404, cursor=cursor) == {"detail": "Invalid cursor."}
    assert get(client, "/api/v1/activities/", status=404, cursor=cursor) == {"detail": "Invalid cursor."}
    url = f"/api/v1/panels/{catalogue['breast'].pk}/activities/"
    assert get(client, url, status=404, cursor=cursor) == {"detail": "Invalid cursor."}


def test_an_unexpected_error_is_a_json_500_not_an_html_page(client, catalogue, monkeypatch):
    from api.v1 import views

    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(views, "find_panel", broken)

    response = client.get(f"/api/v1/panels/{catalogue['breast'].pk}/")

    assert (response.status_code, response.json()) == (500, {"detail": "Internal server error."})
    assert b"database on fire" not in response.content


def test_the_api_is_read_only(client, catalogue):
    response = client.post("/api/v1/panels/", {"name": "New"}, format="json")

    assert (response.status_code, response.json()) == (405, {"detail": 'Method "POST" not allowed.'})


def test_the_openapi_schema_and_docs_page_are_served(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    docs = client.get("/api/docs/")

    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/v1/panels/",
        "/api/v1/panels/{id}/",
        "/api/v1/panels/signedoff/",
        "/api/v1/panels/{id}/genes/{entity_name}/evaluations/",
        "/api/v1/entities/{entity_name}/",
        "/api/v1/activities/",
    ):
        assert path in paths
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/",
        "/api/v1/panels/",
        "/api/v1/panels/{pk}/?exclude_entities=True",
        "/api/v1/panels/{pk}/versions/",
        "/api/v1/panels/{pk}/activities/",
        "/api/v1/panels/{pk}/genes/",
        "/api/v1/panels/{pk}/genes/BRCA1/",
        "/api/v1/panels/{pk}/genes/BRCA1/evaluations/",
        "/api/v1/panels/signedoff/",
        "/api/v1/genes/BRCA1/",
        "/api/v1/activities/",
    ],
)
def test_browsers_get_the_browsable_api(client, catalogue, url):
    response = client.get(url.format(pk=catalogue["breast"].pk), HTTP_ACCEPT="text/html")

    assert (response.status_code, response["Content-Type"]) == (200, "text/html; charset=utf-8")
