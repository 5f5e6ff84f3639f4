"""API v1: a panel's description and codes in upstream's Level4Title names, and panels by phenotype."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from panels import services
from panels.models import HistoricalSnapshot

from tests.api.shapes import assert_entity, assert_panel
from tests.panels.factories import add_gene, make_panel

pytestmark = pytest.mark.django_db


def get(client, url, status=200, **params):
    response = client.get(url, params, HTTP_ACCEPT="application/json")
    assert response.status_code == status, response.content[:500]
    return json.loads(response.content)


def names(client, **params) -> list[str]:
    return [panel["name"] for panel in get(client, "/api/v1/panels/", **params)["results"]]


@pytest.fixture
def phenotypes(curator):
    """Three panels whose codes come from their own lists or from their relevant disorders."""
    ataxia = make_panel(
        curator,
        "Ataxia",
        description="Adult-onset ataxias",
        omim=["164400"],
        orphanet=["ORPHA:98755"],
        hpo=["HP:0001251"],
        relevant_disorders=["R54 Hereditary ataxia"],
    )
    add_gene(curator, ataxia, "ATXN1")
    make_panel(curator, "Breast", relevant_disorders=["R208", "Breast-ovarian cancer, familial, 1, 604370"])
    make_panel(curator, "Epilepsy", relevant_disorders=["Seizures (HP:0001250)", "ORPHA:1934"])
    return ataxia


# --- The fields ---------------------------------------------------------------------


def test_panels_carry_description_and_codes_after_upstreams_fields(client, phenotypes):
    listed = get(client, "/api/v1/panels/", name="Ataxia")["results"][0]
    detail = get(client, f"/api/v1/panels/{phenotypes.pk}/", exclude_entities="True")

    for panel in (listed, detail):
        assert_panel(panel)
        assert (panel["description"], panel["omim"], panel["orphanet"], panel["hpo"]) == (
            "Adult-onset ataxias",
            ["164400"],
            ["ORPHA:98755"],
            ["HP:0001251"],
        )


def test_entities_carry_their_panel_in_upstreams_shape_without_description_or_codes(client, phenotypes):
    own = get(client, f"/api/v1/panels/{phenotypes.pk}/genes/")["results"]
    across = get(client, "/api/v1/genes/ATXN1/")["results"]
    detail = get(client, f"/api/v1/panels/{phenotypes.pk}/")["genes"]

    for entity in [*own, *across]:
        assert_entity(entity)
    assert "panel" not in detail[0]


def test_each_version_keeps_the_codes_it_had(client, curator, phenotypes):
    services.update_panel(curator, phenotypes, hpo=["HP:0002066"])

    versions = get(client, f"/api/v1/panels/{phenotypes.pk}/versions/")["results"]
    old = get(client, f"/api/v1/panels/{phenotypes.pk}/", version="0.1")

    assert [v["hpo"] for v in versions[:2]] == [["HP:0002066"], ["HP:0001251"]]
    assert old["hpo"] == ["HP:0001251"]


def test_a_version_stored_before_panels_kept_codes_is_served_as_it_was(client, phenotypes):
    snapshot = phenotypes.snapshots.order_by("-major_version", "-minor_version").first()
    legacy = snapshot.summary.rsplit(',"description":', 1)[0] + "}"
    HistoricalSnapshot.objects.filter(pk=snapshot.pk).update(summary=legacy)

    detail = get(client, f"/api/v1/panels/{phenotypes.pk}/")
    versions = get(client, f"/api/v1/panels/{phenotypes.pk}/versions/")["results"]

    assert "description" not in detail
    assert "hpo" not in versions[0]
    assert detail["genes"][0]["entity_name"] == "ATXN1"


# --- Panels by phenotype -----------------------------------------------------------------


def test_hpo_finds_panels_by_their_terms_and_by_terms_in_their_relevant_disorders(client, phenotypes):
    assert names(client, hpo="HP:0001251") == ["Ataxia"]
    assert names(client, hpo="HP:0001250") == ["Epilepsy"]


def test_omim_finds_panels_by_number_whichever_way_it_is_written(client, phenotypes):
    assert names(client, omim="164400") == ["Ataxia"]
    assert names(client, omim="OMIM:604370") == ["Breast"]


def test_orphanet_finds_panels_with_or_without_the_prefix(client, phenotypes):
    assert names(client, orphanet="98755") == ["Ataxia"]
    assert names(client, orphanet="ORPHA:1934") == ["Epilepsy"]


def test_disorder_finds_panels_by_a_clinical_indication_or_any_code(client, phenotypes):
    assert names(client, disorder="R208") == ["Breast"]
    assert names(client, disorder="r54") == ["Ataxia"]
    assert names(client, disorder="ORPHA:1934") == ["Epilepsy"]


def test_a_list_of_codes_finds_panels_with_any_of_them(client, phenotypes):
    assert names(client, hpo="HP:0001251, HP:0001250") == ["Ataxia", "Epilepsy"]


def test_several_parameters_narrow_together(client, phenotypes):
    assert names(client, hpo="HP:0001251,HP:0001250", disorder="R54") == ["Ataxia"]
    assert names(client, hpo="HP:0001250", disorder="R54") == []


def test_a_code_no_panel_has_finds_none(client, phenotypes):
    assert get(client, "/api/v1/panels/", hpo="HP:9999999")["count"] == 0


def test_internal_panels_stay_hidden_from_a_code_search(client, curator, phenotypes):
    make_panel(curator, "Secret", status="internal", hpo=["HP:0001251"])

    assert names(client, hpo="HP:0001251") == ["Ataxia"]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("hpo", "HP:12", "Incorrect HPO term 'HP:12'"),
        ("omim", "12345", "Incorrect OMIM number '12345'"),
        ("orphanet", "ORPHA:x", "Incorrect Orphanet code 'ORPHA:x'"),
        ("disorder", "558", "Incorrect disorder code '558'"),
    ],
)
def test_a_malformed_code_is_a_400_that_names_it(client, phenotypes, name, value, message):
    body = get(client, "/api/v1/panels/", 400, **{name: value})

    assert message in body["detail"]


def test_the_filter_runs_the_same_queries_for_3_panels_as_for_30(client, curator, phenotypes):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            get(client, "/api/v1/panels/", hpo="HP:0001251", disorder="R54")
        return len(captured)

    few = queries()
    for n in range(27):
        make_panel(curator, f"Ataxia {n}", hpo=["HP:0001251"], relevant_disorders=["R54"])

    assert queries() == few
    assert len(names(client, hpo="HP:0001251")) == 28


def test_the_schema_declares_each_code_parameter_with_its_pattern(client):
    schema = get(client, "/api/schema/", format="json")
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/panels/"]["get"]["parameters"]}

    for name in ("hpo", "omim", "orphanet", "disorder"):
        assert parameters[name]["in"] == "query"
        assert parameters[name]["schema"]["pattern"].startswith("^ *(")
    panel = schema["components"]["schemas"]["PanelSchema"]["properties"]
    assert {"description", "omim", "orphanet", "hpo"} <= set(panel)
