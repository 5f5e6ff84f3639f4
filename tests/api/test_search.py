"""/api/v1/genes|strs|regions|entities/ across panels, and /api/v1/activities/."""

import pytest

from tests.api.shapes import assert_entity, assert_shape
from tests.api.test_panels import get
from tests.panels.factories import add_gene, bulk_genes

pytestmark = pytest.mark.django_db


def found(page):
    return [(e["entity_name"], e["panel"]["name"]) for e in page["results"]]


def test_genes_across_public_panels_carry_their_panel(client, catalogue, curator):
    add_gene(curator, catalogue["colon"], "BRCA1")

    page = get(client, "/api/v1/genes/")

    assert list(page) == ["next", "previous", "results"]  # no count: see docs/api.md
    # Not the retired panel's CFTR, not the internal panel's DMD, nothing twice for the super panel.
    assert found(page) == [
        ("BRCA1", "Breast cancer"),
        ("BRCA1", "Colon cancer"),
        ("CHEK2", "Breast cancer"),
        ("MLH1", "Colon cancer"),
    ]
    for gene in page["results"]:
        assert_entity(gene)


def test_genes_by_names_in_the_path(client, catalogue):
    page = get(client, "/api/v1/genes/MLH1,CHEK2/")

    assert found(page) == [("CHEK2", "Breast cancer"), ("MLH1", "Colon cancer")]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"entity_name": "BRCA1,MLH1"}, ["BRCA1", "MLH1"]),
        ({"confidence_level": "3"}, ["BRCA1"]),
        ({"confidence_level": "0"}, ["MLH1"]),
        ({"tags": "moderate-penetrance,other"}, ["CHEK2"]),
        ({"type": "gms-cancer-germline"}, ["BRCA1", "CHEK2", "MLH1"]),
        ({"type": "gms-rare-disease"}, []),
        ({"panel_name": "Colon cancer"}, ["MLH1"]),
    ],
)
def test_gene_search_filters(client, catalogue, params, expected):
    page = get(client, "/api/v1/genes/", **params)

    assert [g["entity_name"] for g in page["results"]] == expected


def test_strs_and_regions_across_panels(client, catalogue):
    strs = get(client, "/api/v1/strs/")
    regions = get(client, "/api/v1/regions/ISCA-37446-Loss/")

    assert (found(strs), found(regions)) == (
        [("HTT_HD", "Hereditary ataxia")],
        [("ISCA-37446-Loss", "Hereditary ataxia")],
    )
    for entity in strs["results"] + regions["results"]:
        assert_entity(entity)


def test_entities_mix_every_kind(client, catalogue):
    page = get(client, "/api/v1/entities/", type="gms-rare-disease")
    by_name = get(client, "/api/v1/entities/HTT_HD,BRCA1/")

    assert [(e["entity_type"], e["entity_name"]) for e in page["results"]] == [
        ("str", "HTT_HD"),
        ("region", "ISCA-37446-Loss"),
    ]
    assert [e["entity_name"] for e in by_name["results"]] == ["BRCA1", "HTT_HD"]
    for entity in page["results"] + by_name["results"]:
        assert_entity(entity)


def test_gene_search_pages_by_100(client, catalogue, curator):
    bulk_genes(curator, catalogue["breast"], 120)

    first = get(client, "/api/v1/genes/", panel_name="Breast cancer")
    second = client.get(first["next"], HTTP_ACCEPT="application/json").json()

    assert list(first) == ["next", "previous", "results"]
    assert (len(first["results"]), first["previous"]) == (100, None)
    assert first["next"].startswith("http://testserver/api/v1/genes/?cursor=")
    assert first["next"].endswith("&panel_name=Breast+cancer")
    assert (len(second["results"]), second["next"]) == (22, None)
    names = [g["entity_name"] for g in first["results"] + second["results"]]
    assert names == sorted(names) and len(set(names)) == 122
    back = client.get(second["previous"], HTTP_ACCEPT="application/json").json()
    assert back["results"] == first["results"]


def test_gene_search_last_page_is_the_far_end(client, catalogue, curator):
    bulk_genes(curator, catalogue["breast"], 120)
    everything = []
    page = get(client, "/api/v1/genes/")
    while True:
        everything += page["results"]
        if not page["next"]:
            break
        page = client.get(page["next"]).json()

    last = get(client, "/api/v1/genes/", page="last")

    assert last["results"] == everything[-100:]
    assert last["next"] is None
    assert client.get(last["previous"]).json()["results"] == everything[-200:-100]


def test_activities_of_public_panels_newest_first(client, catalogue):
    page = get(client, "/api/v1/activities/")

    assert list(page) == ["next", "previous", "results"]

    assert {a["panel_name"] for a in page["results"]} == {
        "Breast cancer",
        "Colon cancer",
        "Hereditary ataxia",
        "Cancer susceptibility",
    }
    assert page["results"][0]["text"] == "Panel created: Cancer susceptibility"
    for activity in page["results"]:
        assert_shape(activity, "activity")
