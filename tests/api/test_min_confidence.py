""" "This colour or better" (issue 22): ?min_confidence= on the API's entity lists, the site's and the TSV's."""

import pytest
from panels import services

from tests.api.test_panels import get
from tests.panels.factories import add_gene
from tests.panels.test_downloads import download, parse
from tests.panels.test_downloads import panel as panel

pytestmark = pytest.mark.django_db


@pytest.fixture
def rated(catalogue, curator):
    """Breast cancer: BRCA1 green, CHEK2 amber, PALB2 red (each a curator's rating), ATM no list."""
    breast = catalogue["breast"]
    services.review_entity(curator, add_gene(curator, breast, "PALB2"), rating="RED")
    add_gene(curator, breast, "ATM")
    return catalogue


def levels(page):
    return sorted((e["entity_name"], e["confidence_level"]) for e in page["results"])


def test_a_panels_genes_from_amber_up(client, rated):
    page = get(client, f"/api/v1/panels/{rated['breast'].pk}/genes/?min_confidence=2")

    assert levels(page) == [("BRCA1", "3"), ("CHEK2", "2")]


def test_a_stored_version_from_red_up(client, rated):
    breast = rated["breast"]
    breast.refresh_from_db()
    page = get(client, f"/api/v1/panels/{breast.pk}/genes/?version={breast.version}&min_confidence=1")
    current = get(client, f"/api/v1/panels/{breast.pk}/genes/?min_confidence=1")

    assert levels(page) == levels(current) == [("BRCA1", "3"), ("CHEK2", "2"), ("PALB2", "1")]


def test_the_cross_panel_lists_from_green_up_with_upstreams_4_as_3(client, rated):
    assert levels(get(client, "/api/v1/genes/?min_confidence=4")) == [("BRCA1", "3")]
    assert [e["entity_name"] for e in get(client, "/api/v1/entities/?min_confidence=3")["results"]] == [
        "BRCA1",
        "HTT_HD",
    ]


def test_an_unknown_min_confidence_is_a_400_naming_it(client, rated):
    response = client.get("/api/v1/genes/?min_confidence=green")

    assert response.status_code == 400
    assert "min_confidence" in response.json()["detail"]


def test_the_tsv_from_amber_up_of_the_categories_asked_for(client, panel):
    rows = parse(download(client, panel, "01234", min_confidence="2").content)
    narrowed = parse(download(client, panel, "0123", min_confidence="3").content)

    assert [(row["Entity Name"], row["GEL_Status"]) for row in rows] == [("ATXN1", "3"), ("ATXN2", "2")]
    assert [row["Entity Name"] for row in narrowed] == ["ATXN1"]
    assert parse(download(client, panel, "01", min_confidence="2").content) == []


def test_the_tsv_refuses_an_unknown_min_confidence(client, panel):
    response = download(client, panel, "01234", min_confidence="9")

    assert response.status_code == 400
    assert "not a confidence level" in response.content.decode()
