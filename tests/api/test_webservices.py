"""/WebServices/: upstream PanelApp's first API, answered as upstream's own tests expect.

``UPSTREAM`` holds what upstream's webservices tests and serializers fix: each
answer's fields in order, and the exact texts of its errors. A script written
for upstream reads these answers unchanged.
"""

import pytest
from django.test import override_settings
from panels import services

from tests.panels.factories import add_gene, add_region, make_type

pytestmark = pytest.mark.django_db

UPSTREAM = {
    "panel": [
        "Genes",
        "STRs",
        "Regions",
        "SpecificDiseaseName",
        "version",
        "Created",
        "DiseaseGroup",
        "DiseaseSubGroup",
        "Status",
    ],
    "gene": [
        "GeneSymbol",
        "EnsembleGeneIds",
        "ModeOfInheritance",
        "Penetrance",
        "Publications",
        "Phenotypes",
        "ModeOfPathogenicity",
        "LevelOfConfidence",
        "Evidences",
    ],
    "str": [
        "Name",
        "Chromosome",
        "GRCh37Coordinates",
        "GRCh38Coordinates",
        "RepeatedSequence",
        "NormalRepeats",
        "PathogenicRepeats",
        "GeneSymbol",
        "EnsembleGeneIds",
        "ModeOfInheritance",
        "Penetrance",
        "Publications",
        "Phenotypes",
        "LevelOfConfidence",
        "Evidences",
    ],
    "region": [
        "Name",
        "VerboseName",
        "Chromosome",
        "GRCh37Coordinates",
        "GRCh38Coordinates",
        "HaploinsufficiencyScore",
        "TriplosensitivityScore",
        "RequiredOverlapPercentage",
        "GeneSymbol",
        "EnsembleGeneIds",
        "ModeOfInheritance",
        "Penetrance",
        "TypeOfVariants",
        "Publications",
        "Phenotypes",
        "LevelOfConfidence",
        "Evidences",
    ],
    "listed_panel": [
        "Name",
        "DiseaseSubGroup",
        "DiseaseGroup",
        "CurrentVersion",
        "CurrentCreated",
        "Number_of_Genes",
        "Number_of_STRs",
        "Number_of_Regions",
        "Panel_Id",
        "Relevant_disorders",
        "Status",
        "PanelTypes",
    ],
    "searched_gene": [
        "GeneSymbol",
        "EnsembleGeneIds",
        "ModeOfInheritance",
        "Penetrance",
        "Publications",
        "Phenotypes",
        "ModeOfPathogenicity",
        "LevelOfConfidence",
        "version",
        "SpecificDiseaseName",
        "DiseaseGroup",
        "DiseaseSubGroup",
        "Evidences",
    ],
    "entity_panel": [
        "Name",
        "DiseaseSubGroup",
        "DiseaseGroup",
        "CurrentVersion",
        "CurrentCreated",
        "Panel_Id",
        "Relevant_disorders",
        "Status",
    ],
    "not_found": "Query Error: {key} not found.",
    "bad_version": "Query Error: The incorrect version requested",
    "no_version": "Query Error: The version requested for panel:{key} was not found.",
    "bad_assembly": "Unaccepted value for assembly, please use: GRch37 or GRch38",
}
LOSS_OF_FUNCTION = (
    "Loss-of-function variants (as defined in pop up message) DO NOT cause this phenotype - "
    "please provide details in the comments"
)


def get(client, path: str, **params):
    response = client.get(path, params)
    assert response["Content-Type"].startswith("application/json")
    return response


# --- get_panel -------------------------------------------------------------------


def test_get_panel_by_id_has_upstreams_fields_in_order(client, catalogue):
    breast = catalogue["breast"]

    response = get(client, f"/WebServices/get_panel/{breast.pk}/")

    result = response.json()["result"]
    assert response.status_code == 200
    assert list(result) == UPSTREAM["panel"]
    assert (result["SpecificDiseaseName"], result["version"], result["Status"]) == ("Breast cancer", "0.4", "public")
    brca1 = next(g for g in result["Genes"] if g["GeneSymbol"] == "BRCA1")
    assert list(brca1) == UPSTREAM["gene"]
    assert brca1["ModeOfInheritance"] == "monoallelic_not_imprinted"
    assert brca1["LevelOfConfidence"] == "HighEvidence"
    assert "Literature" in brca1["Evidences"]
    assert brca1["EnsembleGeneIds"][0].startswith("ENSG")


def test_get_panel_strs_and_regions_have_upstreams_fields(client, catalogue):
    result = get(client, f"/WebServices/get_panel/{catalogue['ataxia'].pk}/").json()["result"]

    (str_,), (region,) = result["STRs"], result["Regions"]
    assert list(str_) == UPSTREAM["str"]
    assert (str_["Name"], str_["GRCh37Coordinates"], str_["PathogenicRepeats"]) == ("HTT_HD", [3076604, 3076666], 40)
    assert list(region) == UPSTREAM["region"]
    assert (region["TriplosensitivityScore"], region["TypeOfVariants"]) == ("1", "cnv_loss")


def test_get_panel_by_name_exact_or_part_and_by_old_id(client, catalogue, curator):
    breast = catalogue["breast"]
    services.update_panel(curator, breast, hash_id="558aa423bb5a16630e15b63c")

    for key in ("Breast cancer", "breast canc", "558aa423bb5a16630e15b63c"):
        result = get(client, f"/WebServices/get_panel/{key}/").json()["result"]
        assert result["SpecificDiseaseName"] == "Breast cancer", key


@pytest.mark.parametrize("panel", ["internal", "retired"])
def test_get_panel_hidden_or_retired_is_upstreams_200_query_error(client, catalogue, panel):
    name = catalogue[panel].name

    response = get(client, f"/WebServices/get_panel/{name}/")

    assert response.status_code == 200
    assert response.json() == [UPSTREAM["not_found"].format(key=name)]


def test_get_panel_old_version_comes_from_its_stored_version(client, catalogue, curator):
    colon = catalogue["colon"]
    colon.refresh_from_db()
    old = colon.version
    add_gene(curator, colon, "MSH2")

    current = get(client, f"/WebServices/get_panel/{colon.pk}/").json()["result"]
    before = get(client, f"/WebServices/get_panel/{colon.pk}/", version=old).json()["result"]

    assert {g["GeneSymbol"] for g in current["Genes"]} == {"MLH1", "MSH2"}
    assert (before["version"], [g["GeneSymbol"] for g in before["Genes"]]) == (old, ["MLH1"])


def test_get_panel_retired_is_served_by_version(client, catalogue):
    retired = catalogue["retired"]

    response = get(client, f"/WebServices/get_panel/{retired.pk}/", version=retired.version)

    assert response.status_code == 200
    assert response.json()["result"]["Status"] == "retired"


@pytest.mark.parametrize(
    ("version", "status", "message"),
    [("1", 400, "bad_version"), ("a.b", 400, "bad_version"), ("9.9", 200, "no_version")],
)
def test_get_panel_bad_or_missing_version_is_upstreams_query_error(client, catalogue, version, status, message):
    pk = catalogue["breast"].pk

    response = get(client, f"/WebServices/get_panel/{pk}/", version=version)

    assert response.status_code == status
    assert response.json() == [UPSTREAM[message].format(key=pk)]


def test_get_panel_filters_by_upstreams_short_terms(client, catalogue, curator):
    breast = catalogue["breast"]
    add_gene(curator, breast, "PALB2", mode_of_inheritance="BIALLELIC, autosomal or pseudoautosomal")
    url = f"/WebServices/get_panel/{breast.pk}/"

    def symbols(**params):
        return sorted(g["GeneSymbol"] for g in get(client, url, **params).json()["result"]["Genes"])

    assert symbols(ModeOfInheritance="biallelic") == ["PALB2"]
    assert symbols(LevelOfConfidence="HighEvidence") == ["BRCA1"]
    assert symbols(LevelOfConfidence="HighEvidence,ModerateEvidence") == ["BRCA1", "CHEK2"]


def test_get_panel_region_scores_filter_regions(client, catalogue, curator):
    ataxia = catalogue["ataxia"]
    add_region(curator, ataxia, "ISCA-1-Gain", haploinsufficiency_score="1", triplosensitivity_score="3")
    url = f"/WebServices/get_panel/{ataxia.pk}/"

    regions = get(client, url, HaploinsufficiencyScore="1").json()["result"]["Regions"]
    assert [r["Name"] for r in regions] == ["ISCA-1-Gain"]
    regions = get(client, url, TriplosensitivityScore="1").json()["result"]["Regions"]
    assert [r["Name"] for r in regions] == ["ISCA-37446-Loss"]


def test_get_panel_super_panel_lists_its_childrens_genes(client, catalogue):
    result = get(client, f"/WebServices/get_panel/{catalogue['super'].pk}/").json()["result"]

    assert sorted(g["GeneSymbol"] for g in result["Genes"]) == ["BRCA1", "CHEK2", "MLH1"]


def test_get_panel_grch38_and_unknown_assembly(client, catalogue):
    url = f"/WebServices/get_panel/{catalogue['breast'].pk}/"

    assert get(client, url, assembly="GRch38").status_code == 200
    response = get(client, url, assembly="hg19")
    assert response.status_code == 404
    assert response.json() == {"detail": UPSTREAM["bad_assembly"]}


# --- list_panels -----------------------------------------------------------------


def test_list_panels_defaults_to_upstreams_default_type(client, catalogue, curator):
    services.update_panel(curator, catalogue["colon"], types=[make_type()])

    result = get(client, "/WebServices/list_panels/").json()["result"]

    assert [p["Name"] for p in result] == ["Colon cancer"]
    assert list(result[0]) == UPSTREAM["listed_panel"]
    assert (result[0]["Panel_Id"], result[0]["PanelTypes"]) == (str(catalogue["colon"].pk), ["rare-disease-100k"])


def test_list_panels_types_name_and_retired(client, catalogue):
    def names(**params):
        return [p["Name"] for p in get(client, "/WebServices/list_panels/", **params).json()["result"]]

    visible = ["Breast cancer", "Cancer susceptibility", "Colon cancer", "Hereditary ataxia"]
    assert names(Types="all") == visible
    assert names(Types="gms-rare-disease") == ["Hereditary ataxia"]
    assert names(Types="all", Name="CANCER") == ["Breast cancer", "Cancer susceptibility", "Colon cancer"]
    assert names(Types="all", Retired="True") == sorted([*visible, "Cystic fibrosis"])


def test_list_panels_shows_internal_panels_to_a_curator_only(client, catalogue, curator):
    client.force_login(curator)

    names = [p["Name"] for p in get(client, "/WebServices/list_panels/", Types="all").json()["result"]]

    assert "Secret panel" in names


# --- search_genes ----------------------------------------------------------------


def test_search_genes_lists_each_panel_and_the_super_panels_holding_it(client, catalogue):
    response = get(client, "/WebServices/search_genes/BRCA1,MLH1/")

    data = response.json()
    assert data["meta"] == {"numOfResults": 4}
    assert all(list(entry) == UPSTREAM["searched_gene"] for entry in data["results"])
    found = [(e["GeneSymbol"], e["SpecificDiseaseName"]) for e in data["results"]]
    assert found == [
        ("BRCA1", "Breast cancer"),
        ("MLH1", "Colon cancer"),
        ("BRCA1", "Cancer susceptibility"),
        ("MLH1", "Cancer susceptibility"),
    ]


def test_search_genes_never_shows_internal_or_retired_panels(client, catalogue):
    assert get(client, "/WebServices/search_genes/DMD,CFTR/").json() == {"meta": {"numOfResults": 0}, "results": []}


def test_search_genes_filters_by_upstreams_short_terms(client, catalogue, curator):
    chek2 = catalogue["breast"].entities.get(entity_name="CHEK2")
    services.update_entity(curator, chek2, mode_of_pathogenicity=LOSS_OF_FUNCTION)
    url = "/WebServices/search_genes/all/"

    def found(**params):
        return sorted({e["GeneSymbol"] for e in get(client, url, **params).json()["results"]})

    assert found(ModeOfPathogenicity="no_loss_of_function") == ["CHEK2"]
    assert found(LevelOfConfidence="HighEvidence") == ["BRCA1"]
    assert found(ModeOfInheritance="monoallelic_not_imprinted", panel_name="Colon cancer") == ["MLH1"]
    assert found(Evidences="literature", panel_name="Breast cancer") == ["BRCA1", "CHEK2"]
    assert found(Evidences="research") == []


# --- list_entities ---------------------------------------------------------------


def test_list_entities_pages_every_kind_with_its_panel(client, catalogue):
    response = get(client, "/WebServices/list_entities/")

    data = response.json()
    assert list(data) == ["count", "next", "previous", "results"]
    kinds = {e["EntityType"]: e for e in data["results"]}
    assert sorted(kinds) == ["gene", "region", "str"]
    assert data["count"] == 5  # BRCA1, CHEK2, MLH1, HTT_HD, ISCA-37446-Loss; no internal or retired panel
    assert list(kinds["gene"]["Panel"]) == UPSTREAM["entity_panel"]
    assert kinds["str"]["Name"] == "HTT_HD" and kinds["str"]["GeneSymbol"] == "HTT"
    assert kinds["region"]["EnsembleGeneIds"] is None and kinds["region"]["VerboseName"]


def test_list_entities_page_size_and_filters(client, catalogue):
    page = get(client, "/WebServices/list_entities/", page_size=2).json()
    assert (len(page["results"]), page["count"]) == (2, 5)
    assert "page=2" in page["next"]

    named = get(client, "/WebServices/list_entities/", entity_name="MLH1,HTT_HD").json()["results"]
    assert sorted(e["EntityType"] for e in named) == ["gene", "str"]


def test_list_entities_past_the_last_page_is_a_404(client, catalogue):
    assert get(client, "/WebServices/list_entities/", page=9).status_code == 404


# --- what API v1 gives every endpoint ----------------------------------------------


@override_settings(API_THROTTLE_ANON_RATE="2/minute")
def test_webservices_share_the_api_throttle(client, catalogue):
    statuses = [client.get("/WebServices/list_panels/").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


def test_webservices_answers_vary_on_credentials(client, catalogue):
    response = client.get(f"/WebServices/get_panel/{catalogue['breast'].pk}/")

    assert {"Authorization", "Cookie"} <= {v.strip() for v in response["Vary"].split(",")}


def test_a_signed_in_curator_reads_an_internal_panel(client, catalogue, curator):
    client.force_login(curator)

    response = get(client, f"/WebServices/get_panel/{catalogue['internal'].pk}/")

    assert response.json()["result"]["SpecificDiseaseName"] == "Secret panel"


def test_mode_of_inheritance_other_is_upstreams_short_term(client, catalogue, curator):
    colon = catalogue["colon"]
    add_gene(curator, colon, "MSH6", mode_of_inheritance="Other")

    genes = get(client, f"/WebServices/get_panel/{colon.pk}/").json()["result"]["Genes"]

    assert {g["GeneSymbol"]: g["ModeOfInheritance"] for g in genes} == {
        "MLH1": "monoallelic_not_imprinted",
        "MSH6": "other",
    }
