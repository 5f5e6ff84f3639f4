"""Cells a spreadsheet would run are neutralised in every download: entered through the site, read through it."""

import csv
import io
import json

import pytest
import requests
from accounts.models import Reviewer
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from panels import downloads, exports, flags, services, tsv
from panels.models import Entity, HistoricalSnapshot, Panel
from panels.tsv import FORMULA_TRIGGERS, neutralise_cell

from tests.panels.factories import add_gene, make_gene, make_user

pytestmark = pytest.mark.django_db

CALC = "=cmd|' /C calc'!A0"


def restore_cell(cell: str) -> str:
    """The importers' side of the rule, written from its statement: ``'`` then ``'``s then a trigger loses one ``'``."""
    if cell.startswith("'") and cell.lstrip("'")[:1] in FORMULA_TRIGGERS:
        return cell[1:]
    return cell


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def panel_rows(client: Client, panel: Panel, **params) -> list[dict[str, str]]:
    response = client.get(reverse("panels:download_panel_tsv", args=[panel.pk, "01234"]), params)
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode(), newline=""), delimiter="\t"))


@pytest.fixture
def reviewers_gene(panel):
    """A gene a verified reviewer added through the site, with a formula for a source and for a phenotype."""
    make_gene("NEWGENE")
    response = client_of(make_user(Reviewer.Role.REVIEWER)).post(
        reverse("panels:add_entity", args=[panel.pk, "gene"]),
        {"name": "NEWGENE", "sources": CALC, "phenotypes": "=1+1", "review-rating": "AMBER"},
    )
    assert response.status_code == 302
    return panel.entities.get(entity_name="NEWGENE")


@pytest.fixture
def curated(curator, panel):
    """Through the curators' forms: Level2 ``+1+1``, Level3 ``@SUM(1)``, publications ``+1-1``, an STR ``-1-1``.

    And an STR named ``=1+1``, as one stored before entity names were restricted
    (``=`` and ``+`` are refused now), on the panel's next version.
    """
    client = client_of(curator)
    response = client.post(
        reverse("panels:add_entity", args=[panel.pk, "str"]),
        {"name": "-1-1", "chromosome": "4", "repeated_sequence": "CAG", "sources": "Literature"},
    )
    assert response.status_code == 302
    Entity.objects.create(panel=panel, entity_type=Entity.Type.STR, entity_name="=1+1", chromosome="4")
    response = client.post(
        reverse("panels:update_panel", args=[panel.pk]),
        {"name": panel.name, "status": "public", "disease_group": "+1+1", "disease_sub_group": "@SUM(1)"},
    )
    assert response.status_code == 302
    gene = add_gene(curator, panel, "ATXN1")
    edit = reverse("panels:edit_entity", args=[panel.pk, "gene", "ATXN1"])
    response = client.post(edit, {"publications": "12345678"})
    assert response.status_code == 302
    # The form takes PubMed ids only now; an entry like this one comes from an upstream file or an older version.
    services.update_entity(curator, gene, publications=["+1-1", "12345678"])
    return Panel.objects.get(pk=panel.pk), gene


# --- The rule ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1+1", "'+1+1"),
        ("-1", "'-1"),
        ("-", "-"),  # upstream's placeholder for none: no spreadsheet runs it
        ("@SUM(1)", "'@SUM(1)"),
        ("\tTab", "'\tTab"),
        ("\rReturn", "'\rReturn"),
        ("'=1+1", "''=1+1"),  # already quoted by someone: one more, so the reader's undoing gives it back
        ("''@x", "'''@x"),
        ("'quoted", "'quoted"),  # a quote before anything else is kept as it is
        ("Ataxia =1+1", "Ataxia =1+1"),
        ("", ""),
    ],
)
def test_the_rule_adds_one_quote_before_a_formula_and_nothing_else(value, written):
    assert neutralise_cell(value) == written


@hypothesis_settings(max_examples=2000, derandomize=True, database=None, deadline=None)
@given(st.text(alphabet=st.sampled_from("=+-@\t\r'a ;\"\n")) | st.text())
def test_no_written_cell_starts_a_formula_and_the_inverse_gives_the_value_back(value):
    written = neutralise_cell(value)

    assert written[:1] not in FORMULA_TRIGGERS or written == "-"
    assert restore_cell(written) == value


# --- A reviewer's and a curator's formulas, downloaded --------------------------------------------


def test_a_reviewers_source_and_phenotype_formulas_download_as_text(client, reviewers_gene):
    (row,) = [r for r in panel_rows(client, reviewers_gene.panel) if r["Entity Name"] == "NEWGENE"]

    assert row["Sources(; separated)"] == "'" + CALC
    assert row["Phenotypes"] == "'=1+1"


def test_a_curators_panel_fields_entity_name_and_publications_download_as_text(client, curated):
    panel, _ = curated

    rows = {r["Entity Name"]: r for r in panel_rows(client, panel)}

    assert set(rows) == {"ATXN1", "'-1-1", "'=1+1"}
    assert (rows["ATXN1"]["Level2"], rows["ATXN1"]["Level3"]) == ("'+1+1", "'@SUM(1)")
    assert rows["ATXN1"]["Publications"] == "'+1-1;12345678"


def test_an_old_version_with_a_formula_downloads_neutralised(client, curator, reviewers_gene):
    panel = reviewers_gene.panel
    hostile_version = Panel.objects.get(pk=panel.pk).version
    client_of(curator).post(reverse("panels:edit_entity", args=[panel.pk, "gene", "NEWGENE"]), {"phenotypes": "Ataxia"})

    (row,) = [r for r in panel_rows(client, panel, version=hostile_version) if r["Entity Name"] == "NEWGENE"]

    assert Panel.objects.get(pk=panel.pk).version != hostile_version
    assert row["Phenotypes"] == "'=1+1"


def test_honest_rows_are_written_as_before_beside_a_hostile_one(client, curator, panel, reviewers_gene):
    add_gene(curator, panel, "ATXN2", phenotypes=["Spinocerebellar ataxia 2"], publications=["8896555"])
    snapshot = HistoricalSnapshot.objects.filter(panel=panel).order_by("-major_version", "-minor_version").first()
    data = json.loads(snapshot.data)
    marks = flags.entity_marks(flags.source_panel_ids(data))
    rows = {row[0]: row for row in tsv.panel_rows(data, ratings=downloads.rating_counts(data), marks=marks)}

    response = client.get(reverse("panels:download_panel_tsv", args=[panel.pk, "01234"]))
    lines = {line.split("\t", 1)[0]: line for line in response.content.decode().splitlines(keepends=True)}

    assert lines["ATXN2"] == plain_line(rows["ATXN2"])  # what the writer wrote before the rule
    assert lines["NEWGENE"] != plain_line(rows["NEWGENE"])
    assert "\t'" + CALC + "\t" in lines["NEWGENE"]


def plain_line(row) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter="\t").writerow(row)
    return out.getvalue()


# --- The all-panels files and the activity CSV -------------------------------------------------------


def test_the_all_panels_files_neutralise_the_same_cells(s3, client, curated, reviewers_gene):
    exports.build_exports()

    cells = {}
    for url in ("/panels/download_panel/", "/panels/download_genes/", "/panels/download_strs/"):
        response = client.get(url)
        body = requests.get(response["Location"], timeout=10).content.decode()
        cells[url] = list(csv.DictReader(io.StringIO(body, newline=""), delimiter="\t"))

    newgene = next(r for r in cells["/panels/download_genes/"] if r["Symbol"] == "NEWGENE")
    assert (newgene["Sources"], newgene["Phenotypes"]) == ("'" + CALC, "'=1+1")
    assert {row["Name"] for row in cells["/panels/download_strs/"]} == {"'-1-1", "'=1+1"}
    (panel_row,) = cells["/panels/download_panel/"]
    assert (panel_row["Level 2 title"], panel_row["Level 3 title"]) == ("'+1+1", "'@SUM(1)")


def test_the_activity_csv_neutralises_an_entity_named_like_a_formula(curator, curated):
    panel, _ = curated

    response = client_of(curator).get(reverse("panels:activity"), {"format": "csv", "panel": panel.pk})

    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode(), newline="")))
    assert {row["Entity Name"] for row in rows} == {"", "ATXN1", "'-1-1"}


def test_numbers_and_empty_cells_are_written_as_csv_writes_them_then_neutralised():
    assert list(tsv.tsv_lines([["=1+1", None, -3, 2, False]])) == ["'=1+1\t\t'-3\t2\tFalse\r\n"]
