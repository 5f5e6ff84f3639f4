"""Genes named by HGNC id, or by an alias or previous symbol (issue 22): symbols change, ids do not."""

import pytest
from panels.models import Gene

from tests.api.shapes import assert_entity
from tests.api.test_panels import get

pytestmark = pytest.mark.django_db


def hgnc_id(symbol: str) -> str:
    return Gene.objects.get(hgnc_symbol=symbol).hgnc_id


@pytest.fixture
def renamed(catalogue):
    """CHEK2 as HGNC lists it: its aliases and previous symbols in ``alias``."""
    Gene.objects.filter(hgnc_symbol="CHEK2").update(alias=["CDS1", "RAD53"])
    return catalogue


def names(page):
    return [(e["entity_name"], e["panel"]["name"]) for e in page["results"]]


def test_a_gene_by_hgnc_id_in_the_path(client, catalogue):
    page = get(client, f"/api/v1/genes/{hgnc_id('MLH1')}/")

    assert names(page) == [("MLH1", "Colon cancer")]
    assert_entity(page["results"][0])


def test_hgnc_id_parameter_filters_every_gene_list(client, catalogue):
    breast, wanted = catalogue["breast"].pk, hgnc_id("CHEK2")

    assert names(get(client, f"/api/v1/genes/?hgnc_id={wanted}")) == [("CHEK2", "Breast cancer")]
    assert names(get(client, f"/api/v1/entities/?hgnc_id={wanted.lower()}")) == [("CHEK2", "Breast cancer")]
    panel_genes = get(client, f"/api/v1/panels/{breast}/genes/?hgnc_id={wanted}")
    assert [e["entity_name"] for e in panel_genes["results"]] == ["CHEK2"]
    assert get(client, f"/api/v1/panels/{breast}/genes/{wanted}/")["entity_name"] == "CHEK2"


def test_hgnc_id_finds_a_stored_version_too(client, catalogue):
    breast = catalogue["breast"]
    old = get(client, f"/api/v1/panels/{breast.pk}/genes/?version=0.1&hgnc_id={hgnc_id('BRCA1')}")

    assert [e["entity_name"] for e in old["results"]] == ["BRCA1"]


def test_an_str_is_found_by_its_genes_hgnc_id(client, catalogue):
    page = get(client, f"/api/v1/strs/?hgnc_id={hgnc_id('HTT')}")

    assert names(page) == [("HTT_HD", "Hereditary ataxia")]


def test_a_malformed_hgnc_id_is_a_400_naming_it(client, catalogue):
    response = client.get("/api/v1/genes/?hgnc_id=583")

    assert response.status_code == 400
    assert "hgnc_id" in response.json()["detail"]


def test_an_alias_finds_the_gene_under_its_current_symbol_and_says_so(client, renamed):
    page = get(client, "/api/v1/genes/RAD53/")

    assert names(page) == [("CHEK2", "Breast cancer")]
    assert page["results"][0]["matched"] == "alias"
    detail = get(client, f"/api/v1/panels/{renamed['breast'].pk}/genes/CDS1/")
    assert (detail["entity_name"], detail["matched"]) == ("CHEK2", "alias")


def test_the_current_symbol_keeps_upstreams_shape(client, renamed):
    page = get(client, "/api/v1/genes/?entity_name=CHEK2,RAD53")

    assert names(page) == [("CHEK2", "Breast cancer")]
    assert "matched" not in page["results"][0]
    assert_entity(page["results"][0])


def test_a_current_symbol_is_not_read_as_another_genes_alias(client, renamed):
    Gene.objects.filter(hgnc_symbol="BRCA1").update(alias=["MLH1"])

    assert names(get(client, "/api/v1/genes/MLH1/")) == [("MLH1", "Colon cancer")]
