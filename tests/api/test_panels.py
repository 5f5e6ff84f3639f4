"""/api/v1/panels/...: lists, details, versions, activities, sign-offs, per-panel entities."""

import json
import re
from datetime import date

import pytest
from panels import services
from panels.representation import without_codes

from tests.api.shapes import assert_entity, assert_panel, assert_shape
from tests.panels.factories import add_gene, bulk_genes, make_panel

pytestmark = pytest.mark.django_db


def get(client, url, status=200, **params):
    response = client.get(url, params, HTTP_ACCEPT="application/json")
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def names(results):
    return [item["name"] for item in results]


# --- /panels/ -------------------------------------------------------------------


def test_panel_list_shows_public_and_promoted_panels_in_upstreams_shape(client, catalogue):
    page = get(client, "/api/v1/panels/")

    assert_shape(page, "page")
    assert names(page["results"]) == ["Breast cancer", "Cancer susceptibility", "Colon cancer", "Hereditary ataxia"]
    for panel in page["results"]:
        assert_panel(panel)
    breast = page["results"][0]
    assert breast["version"] == "0.4"
    assert breast["stats"] == {"number_of_genes": 2, "number_of_strs": 0, "number_of_regions": 0}
    assert breast["types"] == [
        {"name": "GMS Cancer Germline", "slug": "gms-cancer-germline", "description": "GMS Cancer Germline panels"}
    ]


def test_panel_list_includes_retired_panels_on_request(client, catalogue):
    assert "Cystic fibrosis" in names(get(client, "/api/v1/panels/", retired="True")["results"])
    assert "Cystic fibrosis" not in names(get(client, "/api/v1/panels/", retired="false")["results"])


def test_panel_list_filters_by_type_slugs(client, catalogue):
    page = get(client, "/api/v1/panels/", type="gms-rare-disease,unknown")

    assert names(page["results"]) == ["Hereditary ataxia"]


@pytest.mark.parametrize(("name", "expected"), [("colon", ["Colon cancer"]), ("Breast cancer", ["Breast cancer"])])
def test_panel_list_filters_by_name_or_part_of_it(client, catalogue, name, expected):
    assert names(get(client, "/api/v1/panels/", name=name)["results"]) == expected


def test_panel_list_filters_by_id_given_as_name(client, catalogue):
    page = get(client, "/api/v1/panels/", name=str(catalogue["ataxia"].pk))

    assert names(page["results"]) == ["Hereditary ataxia"]


def test_panel_list_pages_by_100_with_absolute_next_links(client, curator):
    for number in range(101):
        make_panel(curator, f"Panel {number:03}")

    first = get(client, "/api/v1/panels/")
    second = get(client, first["next"])

    assert (first["count"], len(first["results"]), first["previous"]) == (101, 100, None)
    assert first["next"] == "http://testserver/api/v1/panels/?page=2"
    assert (names(second["results"]), second["next"]) == (["Panel 100"], None)


# --- /panels/<id>/ --------------------------------------------------------------


def test_panel_detail_has_genes_strs_and_regions_inline(client, catalogue):
    panel = get(client, f"/api/v1/panels/{catalogue['ataxia'].pk}/")

    assert_panel(panel, "panel_detail_extra")
    assert (panel["genes"], [s["entity_name"] for s in panel["strs"]]) == ([], ["HTT_HD"])
    for entity in panel["strs"] + panel["regions"]:
        assert_entity(entity, with_panel=False)
    htt = panel["strs"][0]
    assert (htt["confidence_level"], htt["grch38_coordinates"], htt["normal_repeats"]) == ("3", [3074877, 3074939], 26)
    assert panel["regions"][0]["type_of_variants"] == "cnv_loss"


def test_panel_detail_is_found_by_name_too(client, catalogue):
    assert get(client, "/api/v1/panels/Hereditary ataxia/")["id"] == catalogue["ataxia"].pk
    assert get(client, "/api/v1/panels/hereditary ATAXIA/")["id"] == catalogue["ataxia"].pk


def test_panel_detail_of_a_retired_panel_is_served(client, catalogue):
    assert get(client, f"/api/v1/panels/{catalogue['retired'].pk}/")["status"] == "retired"


def test_super_panel_entities_name_their_child_panel(client, catalogue):
    panel = get(client, f"/api/v1/panels/{catalogue['super'].pk}/")

    assert [(g["entity_name"], g["panel"]["name"]) for g in panel["genes"]] == [
        ("BRCA1", "Breast cancer"),
        ("CHEK2", "Breast cancer"),
        ("MLH1", "Colon cancer"),
    ]
    for gene in panel["genes"]:
        assert_entity(gene)


def test_panel_detail_can_leave_out_entities(client, catalogue):
    panel = get(client, f"/api/v1/panels/{catalogue['breast'].pk}/", exclude_entities="True")

    assert_panel(panel)


def test_an_old_version_is_served_byte_for_byte_as_it_was(client, catalogue, curator):
    breast = catalogue["breast"]
    then = client.get(f"/api/v1/panels/{breast.pk}/").content

    add_gene(curator, breast, "PALB2")
    services.update_panel(curator, breast, name="Hereditary breast cancer")

    now = client.get(f"/api/v1/panels/{breast.pk}/")
    old = client.get(f"/api/v1/panels/{breast.pk}/", {"version": "0.4"})
    assert now.json()["version"] == "0.6"
    assert (old.status_code, old.content) == (200, then)


def test_a_version_that_never_existed_is_404(client, catalogue):
    body = get(client, f"/api/v1/panels/{catalogue['breast'].pk}/", status=404, version="7.1")

    assert body == {"detail": f"Panel {catalogue['breast'].pk} has no version 7.1."}


# --- /panels/<id>/versions/ and /activities/ ------------------------------------


def test_versions_lists_every_version_newest_first(client, catalogue):
    page = get(client, f"/api/v1/panels/{catalogue['breast'].pk}/versions/")

    assert [v["version"] for v in page["results"]] == ["0.4", "0.3", "0.2", "0.1", "0.0"]
    assert page["results"][-1]["stats"]["number_of_genes"] == 0
    for version in page["results"]:
        assert_panel(version)


def test_panel_activities_are_a_plain_list_newest_first(client, catalogue):
    response = client.get(f"/api/v1/panels/{catalogue['breast'].pk}/activities/", HTTP_ACCEPT="application/json")
    activities = response.json()

    assert isinstance(activities, list)
    assert [a["text"] for a in activities][-2:] == ["Added Gene BRCA1", "Panel created: Breast cancer"]
    for activity in activities:
        assert_shape(activity, "activity")
    assert "Link" not in response  # the whole history fits


def link(response, rel: str) -> str | None:
    """The URL of a ``Link`` header's ``rel`` (RFC 8288), or None."""
    found = re.findall(r'<([^>]+)>; rel="([a-z]+)"', response.get("Link", ""))
    return next((url for url, name in found if name == rel), None)


def test_a_long_panel_history_is_bounded_and_its_link_header_leads_to_the_rest(client, catalogue, curator):
    breast = catalogue["breast"]
    for number in range(130):
        services.update_panel(curator, breast, disease_sub_group=f"Group {number}")
    history = list(breast.activities.order_by("-created", "-id").values_list("text", flat=True))
    url = f"/api/v1/panels/{breast.pk}/activities/"

    first = client.get(url, HTTP_ACCEPT="application/json")
    second = client.get(link(first, "next"), HTTP_ACCEPT="application/json")

    assert [a["text"] for a in first.json()] == history[:100]
    assert link(first, "prev") is None
    assert link(first, "next").startswith(f"http://testserver{url}?cursor=")
    assert [a["text"] for a in second.json()] == history[100:]
    assert link(second, "next") is None
    assert client.get(link(second, "prev"), HTTP_ACCEPT="application/json").json() == first.json()


# --- /panels/signedoff/ ---------------------------------------------------------


@pytest.fixture
def signed_off(catalogue, curator):
    breast, colon = catalogue["breast"], catalogue["colon"]
    services.promote_panel(curator, breast, comment="Reviewed")
    services.sign_off(curator, breast, version="1.0", signed_off_date=date(2025, 3, 31))
    services.promote_panel(curator, breast, comment="Reviewed again")
    services.sign_off(curator, breast, version="2.0", signed_off_date=date(2026, 3, 31))
    services.sign_off(curator, colon, version="0.1", signed_off_date=date(2025, 6, 30))
    return catalogue


def test_signed_off_lists_the_latest_signed_off_version_of_each_panel(client, signed_off):
    page = get(client, "/api/v1/panels/signedoff/")

    assert [(p["name"], p["version"], p["signed_off"]) for p in page["results"]] == [
        ("Breast cancer", "2.0", "2026-03-31"),
        ("Colon cancer", "0.1", "2025-06-30"),
    ]
    for panel in page["results"]:
        assert_panel(panel, "signed_off_extra")


def test_signed_off_lists_every_signed_off_version_on_request(client, signed_off):
    page = get(client, "/api/v1/panels/signedoff/", display="all", panel_id=str(signed_off["breast"].pk))

    assert [(p["version"], p["signed_off"]) for p in page["results"]] == [("2.0", "2026-03-31"), ("1.0", "2025-03-31")]


def test_signed_off_detail_is_the_latest_signed_off_version(client, signed_off, curator):
    add_gene(curator, signed_off["breast"], "PALB2")

    panel = get(client, f"/api/v1/panels/signedoff/{signed_off['breast'].pk}/")

    assert (panel["version"], [g["entity_name"] for g in panel["genes"]]) == ("2.0", ["BRCA1", "CHEK2"])


# --- /panels/<id>/genes|strs|regions/ -------------------------------------------


def test_panel_genes_list_in_upstreams_shape_with_their_panel(client, catalogue):
    page = get(client, f"/api/v1/panels/{catalogue['breast'].pk}/genes/")

    assert [g["entity_name"] for g in page["results"]] == ["BRCA1", "CHEK2"]
    for gene in page["results"]:
        assert_entity(gene)
    brca1 = page["results"][0]
    assert brca1["gene_data"]["hgnc_symbol"] == "BRCA1"
    assert set(brca1["gene_data"]["ensembl_genes"]) == {"GRch37", "GRch38"}
    assert brca1["evidence"] == ["Expert Review Green", "Literature"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"entity_name": "CHEK2,NOPE"}, ["CHEK2"]),
        ({"confidence_level": "3"}, ["BRCA1"]),
        ({"confidence_level": "2"}, ["CHEK2"]),
        ({"tags": "moderate-penetrance"}, ["CHEK2"]),
        ({"confidence_level": "3", "tags": "moderate-penetrance"}, []),
    ],
)
def test_panel_genes_filters(client, catalogue, params, expected):
    page = get(client, f"/api/v1/panels/{catalogue['breast'].pk}/genes/", **params)

    assert [g["entity_name"] for g in page["results"]] == expected


def test_panel_strs_and_regions(client, catalogue):
    pk = catalogue["ataxia"].pk
    strs = get(client, f"/api/v1/panels/{pk}/strs/")["results"]
    regions = get(client, f"/api/v1/panels/{pk}/regions/", tags="cnv")["results"]

    assert [s["entity_name"] for s in strs] == ["HTT_HD"]
    assert [r["entity_name"] for r in regions] == ["ISCA-37446-Loss"]
    for entity in strs + regions:
        assert_entity(entity)


def test_panel_genes_of_an_old_version(client, catalogue):
    page = get(client, f"/api/v1/panels/{catalogue['breast'].pk}/genes/", version="0.1")

    assert [(g["entity_name"], g["confidence_level"]) for g in page["results"]] == [("BRCA1", "0")]


@pytest.mark.parametrize("name", ["breast", "ataxia", "super"])
def test_current_entities_are_exactly_those_the_current_snapshot_holds(client, catalogue, name):
    panel = catalogue[name]
    stored = json.loads(panel.snapshots.latest().data)
    # An entity carries its panel as upstream's object: without the panel's description and codes.
    own = without_codes({key: value for key, value in stored.items() if key not in ("genes", "strs", "regions")})

    for collection in ("genes", "strs", "regions"):
        current = get(client, f"/api/v1/panels/{panel.pk}/{collection}/")["results"]
        assert current == [{**entity, "panel": entity.get("panel", own)} for entity in stored[collection]]


def test_one_gene_of_an_old_version(client, catalogue):
    url = f"/api/v1/panels/{catalogue['breast'].pk}/genes/"

    assert get(client, url + "BRCA1/", version="0.1")["confidence_level"] == "0"
    get(client, url + "CHEK2/", status=404, version="0.1")


def test_panel_genes_page_by_100(client, catalogue, curator):
    bulk_genes(curator, catalogue["colon"], 150)

    page = get(client, f"/api/v1/panels/{catalogue['colon'].pk}/genes/", page="2")

    assert (page["count"], len(page["results"]), page["next"]) == (151, 51, None)
    assert page["previous"] == f"http://testserver/api/v1/panels/{catalogue['colon'].pk}/genes/"


def test_one_gene_of_a_panel(client, catalogue):
    gene = get(client, f"/api/v1/panels/{catalogue['breast'].pk}/genes/CHEK2/")

    assert_entity(gene)
    assert gene["tags"] == ["moderate-penetrance"]


def test_an_entity_not_on_the_panel_is_404(client, catalogue):
    get(client, f"/api/v1/panels/{catalogue['breast'].pk}/genes/MLH1/", status=404)
    get(client, f"/api/v1/panels/{catalogue['breast'].pk}/strs/BRCA1/", status=404)


def test_evaluations_of_a_gene(client, catalogue):
    page = get(client, f"/api/v1/panels/{catalogue['breast'].pk}/genes/BRCA1/evaluations/")

    assert [e["rating"] for e in page["results"]] == ["AMBER", "GREEN"]
    for evaluation in page["results"]:
        assert_shape(evaluation, "evaluation")


def test_evaluations_through_a_super_panel_and_of_strs(client, catalogue):
    via_super = get(client, f"/api/v1/panels/{catalogue['super'].pk}/genes/BRCA1/evaluations/")
    of_str = get(client, f"/api/v1/panels/{catalogue['ataxia'].pk}/strs/HTT_HD/evaluations/")

    assert (via_super["count"], [e["rating"] for e in of_str["results"]]) == (2, ["GREEN"])


def test_evaluations_are_only_for_the_current_version(client, catalogue):
    body = get(client, f"/api/v1/panels/{catalogue['breast'].pk}/genes/BRCA1/evaluations/", status=400, version="0.1")

    assert "current version" in body["detail"]
