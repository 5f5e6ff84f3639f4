"""A panel as upstream PanelApp's TSV: /panels/<pk>/download/<categories>/ (and ?version= for an old one)."""

import csv
import io
import json

import pytest
import requests
from accounts.models import Reviewer
from panels import downloads, services, tsv
from panels.models import HistoricalSnapshot, Panel

from tests.panels.factories import add_gene, add_region, add_str, bulk_genes, make_gene, make_panel, make_user
from tests.test_storage_emulator import MEDIA_BUCKET

pytestmark = pytest.mark.django_db

UPSTREAM_HEADER = (
    "Entity Name\tEntity type\tGene Symbol\tSources(; separated)\tLevel4\tLevel3\tLevel2\tModel_Of_Inheritance\t"
    "Phenotypes\tOmim\tOrphanet\tHPO\tPublications\tDescription\tFlagged\tGEL_Status\tUserRatings_Green_amber_red\t"
    "version\tready\tMode of pathogenicity\tEnsemblId(GRch37)\tEnsemblId(GRch38)\tHGNC\tPosition Chromosome\t"
    "Position GRCh37 Start\tPosition GRCh37 End\tPosition GRCh38 Start\tPosition GRCh38 End\tSTR Repeated Sequence\t"
    "STR Normal Repeats\tSTR Pathogenic Repeats\tRegion Haploinsufficiency Score\tRegion Triplosensitivity Score\t"
    "Region Required Overlap Percentage\tRegion Variant Type\tRegion Verbose Name\r\n"
)


def parse(body: bytes | str) -> list[dict[str, str]]:
    """Read a download as a pipeline would: csv with tabs, upstream's column names as keys."""
    text = body.decode() if isinstance(body, bytes) else body
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter="\t")
    assert tuple(reader.fieldnames) == tsv.COLUMNS
    return list(reader)


@pytest.fixture
def curator():
    return make_user(Reviewer.Role.CURATOR)


@pytest.fixture
def panel(curator):
    """Ataxia, v0.9: a green, an amber, a red and a no-list gene, an STR and a region."""
    panel = make_panel(curator, "Hereditary ataxia \u2013 adult onset", disease_sub_group="Neurodegenerative")
    for symbol, rating in (("ATXN1", "GREEN"), ("ATXN2", "AMBER"), ("ATXN3", "RED")):
        gene = add_gene(
            curator, panel, symbol, phenotypes=["Spinocerebellar ataxia 1, 164400"], publications=["12345678"]
        )
        services.review_entity(curator, gene, rating=rating)
    add_gene(curator, panel, "ATXN7")
    add_str(curator, panel, "ATXN1_SCA1", gene="ATXN1")
    add_region(curator, panel, "ISCA-37446-Loss")
    return Panel.objects.get(pk=panel.pk)


def download(client, panel, categories="01234", **params):
    return client.get(f"/panels/{panel.pk}/download/{categories}/", params)


# --- The format ---------------------------------------------------------------------


def test_the_header_is_upstreams_36_columns_tab_separated_with_crlf(client, panel):
    response = download(client, panel)

    assert response.status_code == 200
    assert response.content.decode().startswith(UPSTREAM_HEADER)
    assert len(tsv.COLUMNS) == 36


def test_the_response_is_a_tsv_attachment_named_after_the_panel_and_its_version(client, panel):
    response = download(client, panel)

    assert response["Content-Type"] == "text/tab-separated-values; charset=utf-8"
    # The en dash is punctuation outside the safe set.
    assert response["Content-Disposition"] == (
        f'attachment; filename="Hereditary ataxia _ adult onset-v{panel.version}.tsv"'
    )


def test_each_version_of_a_panel_downloads_under_a_name_of_its_own(client, panel):
    old = download(client, panel, version="0.1")

    assert old.status_code == 200 and panel.version != "0.1"
    assert 'filename="Hereditary ataxia _ adult onset-v0.1.tsv"' in old["Content-Disposition"]


def test_a_gene_row_holds_upstreams_values(client, panel, curator):
    reviewer = make_user(Reviewer.Role.REVIEWER)
    services.review_entity(reviewer, panel.entities.get(entity_name="ATXN1"), rating="RED")
    atxn1 = panel.entities.get(entity_name="ATXN1").gene

    row = next(r for r in parse(download(client, panel).content) if r["Entity Name"] == "ATXN1")

    assert row == {
        "Entity Name": "ATXN1",
        "Entity type": "gene",
        "Gene Symbol": "ATXN1",
        "Sources(; separated)": "Expert Review Green;Literature",
        "Level4": "Hereditary ataxia   adult onset",
        "Level3": "Neurodegenerative",
        "Level2": "Neurology",
        "Model_Of_Inheritance": "MONOALLELIC, autosomal or pseudoautosomal, NOT imprinted",
        "Phenotypes": "Spinocerebellar ataxia 1, 164400",
        "Omim": "",
        "Orphanet": "",
        "HPO": "",
        "Publications": "12345678",
        "Description": "",
        "Flagged": "False",
        "GEL_Status": "3",
        "UserRatings_Green_amber_red": "50;0;50",
        "version": "0.9",
        "ready": "False",
        "Mode of pathogenicity": "",
        "EnsemblId(GRch37)": atxn1.ensembl_genes["GRch37"]["82"]["ensembl_id"],
        "EnsemblId(GRch38)": atxn1.ensembl_genes["GRch38"]["90"]["ensembl_id"],
        "HGNC": atxn1.hgnc_id,
        **{column: "" for column in tsv.COLUMNS[23:]},
    }


def test_an_str_row_fills_position_and_repeat_columns(client, panel):
    row = next(r for r in parse(download(client, panel).content) if r["Entity type"] == "str")

    assert (row["Entity Name"], row["Gene Symbol"], row["Position Chromosome"]) == ("ATXN1_SCA1", "ATXN1", "4")
    assert [row[c] for c in tsv.COLUMNS[24:31]] == ["3076604", "3076666", "3074877", "3074939", "CAG", "26", "40"]
    assert row["Mode of pathogenicity"] == "" and row["UserRatings_Green_amber_red"] == "0;0;0"
    assert all(row[c] == "" for c in tsv.COLUMNS[31:])


def test_a_region_row_fills_position_and_region_columns(client, panel):
    row = next(r for r in parse(download(client, panel).content) if r["Entity type"] == "region")

    assert (row["Entity Name"], row["Gene Symbol"], row["EnsemblId(GRch37)"], row["HGNC"]) == (
        "ISCA-37446-Loss",
        "",
        "",
        "",
    )
    assert [row[c] for c in tsv.COLUMNS[23:28]] == ["22", "18912231", "21465672", "18924718", "21111383"]
    assert [row[c] for c in tsv.COLUMNS[31:]] == ["3", "1", "60", "cnv_loss", "22q11.2 deletion syndrome"]
    assert all(row[c] == "" for c in tsv.COLUMNS[28:31])


def test_a_gene_without_ensembl_ids_has_upstreams_dash_neutralised(client, curator):
    panel = make_panel(curator)
    gene = make_gene("NOENS")
    gene.ensembl_genes = {}
    gene.save()
    add_gene(curator, panel, "NOENS")

    (row,) = parse(download(client, panel).content)

    # Upstream's placeholder "-" is written as it is (no spreadsheet runs a lone "-").
    assert (row["EnsemblId(GRch37)"], row["EnsemblId(GRch38)"]) == ("-", "-")


def test_values_with_tabs_or_quotes_are_quoted_so_rows_stay_whole(client, curator):
    panel = make_panel(curator)
    add_gene(curator, panel, phenotypes=['Ataxia\t"late"', "Tremor"])

    (row,) = parse(download(client, panel).content)

    assert row["Phenotypes"] == 'Ataxia\t"late";Tremor'


# --- Categories ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("categories", "expected"),
    [
        ("01234", {"ATXN1", "ATXN2", "ATXN3", "ATXN7", "ATXN1_SCA1", "ISCA-37446-Loss"}),
        ("34", {"ATXN1"}),
        ("234", {"ATXN1", "ATXN2"}),
        ("2", {"ATXN2"}),
        ("1", {"ATXN3"}),
        ("0", {"ATXN7", "ATXN1_SCA1", "ISCA-37446-Loss"}),
        ("4", set()),
    ],
)
def test_one_row_per_entity_at_the_requested_categories(client, panel, categories, expected):
    rows = parse(download(client, panel, categories).content)

    assert [r["Entity Name"] for r in rows if r["Entity Name"] in expected] == [r["Entity Name"] for r in rows]
    assert sorted(r["Entity Name"] for r in rows) == sorted(expected)


def test_rows_list_genes_then_strs_then_regions_greenest_first(client, panel):
    rows = parse(download(client, panel).content)

    assert [(r["Entity type"], r["Entity Name"]) for r in rows] == [
        ("gene", "ATXN1"),
        ("gene", "ATXN2"),
        ("gene", "ATXN3"),
        ("gene", "ATXN7"),
        ("str", "ATXN1_SCA1"),
        ("region", "ISCA-37446-Loss"),
    ]


@pytest.mark.parametrize("categories", ["5", "green", "3a", "012345", "0123401234", "%20"])
def test_a_bad_category_string_is_a_friendly_400_page(client, panel, categories):
    response = download(client, panel, categories)

    assert response.status_code == 400
    page = response.content.decode()
    assert "Unknown categories" in page and "digits 0 to 4" in page
    assert '<link rel="stylesheet"' in page  # the site's own look


# --- Versions ------------------------------------------------------------------------


def test_an_old_versions_tsv_matches_that_versions_snapshot(client, panel, curator):
    services.remove_entity(curator, panel.entities.get(entity_name="ATXN2"))
    snapshot = HistoricalSnapshot.objects.get(panel=panel, major_version=0, minor_version=3)
    data = json.loads(snapshot.data)

    response = download(client, panel, version="0.3")

    assert response.status_code == 200
    rows = parse(response.content)
    assert {r["version"] for r in rows} == {"0.3"}
    assert [r["Entity Name"] for r in rows] == [g["entity_name"] for g in data["genes"]] == ["ATXN1", "ATXN2"]
    assert [r["GEL_Status"] for r in rows] == [g["confidence_level"] for g in data["genes"]]
    # Who rated what back then is not kept: left empty, as upstream's old-version download does.
    assert {r["UserRatings_Green_amber_red"] for r in rows} == {""}
    assert response.content.decode() == tsv.panel_tsv(data)


def test_the_current_version_asked_by_number_is_the_live_download(client, panel):
    assert download(client, panel, version="0.9").content == download(client, panel).content


@pytest.mark.parametrize("version", ["latest", "1", "1.x", "", "\u0661.\u0662"])
def test_a_malformed_version_is_a_friendly_400_page(client, panel, version):
    response = download(client, panel, version=version)

    assert response.status_code == 400
    assert "Incorrect version" in response.content.decode()


def test_a_version_the_panel_never_had_is_a_friendly_404_page(client, panel):
    response = download(client, panel, version="7.0")

    assert response.status_code == 404
    assert "has no version 7.0" in response.content.decode()


def test_an_unknown_or_internal_panel_is_a_404_page(client, curator):
    internal = make_panel(curator, status=Panel.Status.INTERNAL)

    for pk in (internal.pk, 987654):
        response = client.get(f"/panels/{pk}/download/01234/")
        assert response.status_code == 404
        assert "Panel not found" in response.content.decode()


def test_a_curator_downloads_an_internal_panel(client, curator):
    internal = make_panel(curator, status=Panel.Status.INTERNAL)
    add_gene(curator, internal, "SECRET1")
    client.force_login(curator)

    rows = parse(client.get(f"/panels/{internal.pk}/download/01234/").content)

    assert [r["Entity Name"] for r in rows] == ["SECRET1"]


def test_only_get_and_head_are_allowed(client, panel):
    assert client.head(f"/panels/{panel.pk}/download/01234/").status_code == 200
    assert client.post(f"/panels/{panel.pk}/download/01234/").status_code == 405


# --- Super panels ----------------------------------------------------------------------


def test_a_super_panel_lists_its_childrens_entities_under_its_own_name(client, curator, panel):
    other = make_panel(curator, "Neuropathy")
    services.review_entity(curator, add_gene(curator, other, "PMP22"), rating="GREEN")
    reviewer = make_user(Reviewer.Role.REVIEWER)
    services.review_entity(reviewer, other.entities.get(), rating="AMBER")
    super_panel = make_panel(curator, "Neurology super panel", child_panels=[panel, other])

    rows = parse(download(client, super_panel, "3").content)

    assert [(r["Entity Name"], r["Level4"]) for r in rows] == [
        ("ATXN1", "Neurology super panel"),
        ("PMP22", "Neurology super panel"),
    ]
    assert [r["UserRatings_Green_amber_red"] for r in rows] == ["100;0;0", "50;50;0"]


# --- Size: the 1 MB response limit, and constant queries -------------------------------


def test_query_count_does_not_grow_with_the_panel(client, curator, django_assert_num_queries):
    small, large = make_panel(curator), make_panel(curator)
    bulk_genes(curator, small, 3)
    bulk_genes(curator, large, 600)

    for panel in (small, large):
        # The panel, its snapshot, the snapshot's stored parts, the reviews, the curators' marks (ready, flagged).
        with django_assert_num_queries(5):
            assert len(parse(download(client, panel).content)) in (3, 600)
        with django_assert_num_queries(2):  # an old version has no live reviews (and 0.0, no entities, no parts)
            assert download(client, panel, version="0.0").status_code == 200


LONG_NAME = "Genetic epilepsy syndromes, developmental and epileptic encephalopathies and neurodevelopmental disorders"


def test_a_panel_above_the_inline_limit_is_stored_once_and_redirected_to_s3(s3, client, curator):
    panel = make_panel(curator, LONG_NAME)
    bulk_genes(curator, panel, 5000)

    response = download(client, panel)
    again = download(client, panel)

    assert response.status_code == again.status_code == 302
    assert response["Location"].startswith(f"{s3.endpoint}/{MEDIA_BUCKET}/media/downloads/panels/{panel.pk}/0.1/01234-")
    assert "X-Amz-Signature=" in response["Location"] and "X-Amz-Expires=3600" in response["Location"]
    fetched = requests.get(response["Location"], timeout=30)
    assert fetched.status_code == 200
    assert len(fetched.content) > 1024 * 1024  # more than the ALB would carry
    assert fetched.headers["Content-Disposition"] == f'attachment; filename="{LONG_NAME}-v0.1.tsv"'
    rows = parse(fetched.content)
    assert len(rows) == 5000 and {r["GEL_Status"] for r in rows} == {"3"}
    # Content-addressed: asked twice, stored once.
    assert len(s3.keys(MEDIA_BUCKET, f"media/downloads/panels/{panel.pk}/")) == 1


def test_a_small_panel_is_answered_inline_below_the_threshold(client, panel):
    response = download(client, panel)

    assert response.status_code == 200
    assert len(response.content) < downloads.INLINE_MAX_BYTES
