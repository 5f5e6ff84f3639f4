"""Finding a loaded gene to add: by the start of its symbol, an alias, a previous symbol or its HGNC id.

Genes are loaded the way the site loads them (HGNC's file through the gene
import), so a previous symbol is where the import keeps it.
"""

import json

import pytest
from accounts.models import Reviewer
from django.db import connection
from django.test import Client
from django.urls import reverse
from panels.gene_search import LIMIT, MATCHED_ALIAS, MATCHED_HGNC_ID, MATCHED_SYMBOL, find_genes
from panels.imports.gene_data import apply_gene_records
from panels.imports.gene_file import parse
from panels.models import Gene, Panel

from tests.imports.files import hgnc_file, hgnc_row
from tests.panels.factories import add_gene, make_panel, make_user

pytestmark = pytest.mark.django_db


def load_genes(*rows: dict[str, str]) -> None:
    apply_gene_records(parse(hgnc_file(*rows).decode()).records)


@pytest.fixture
def genes():
    load_genes(
        hgnc_row(1100, "BRCA1", alias_symbol="RNF53|BRCC1", name="BRCA1 DNA repair associated"),
        hgnc_row(1101, "BRCA2", alias_symbol="FANCD1"),
        hgnc_row(25668, "BRCC3", alias_symbol="C6.1A"),
        hgnc_row(795, "ATM", alias_symbol=""),
        hgnc_row(10477, "ATXN1", alias_symbol="", prev_symbol="SCA1"),
        hgnc_row(26193, "C1orf112", alias_symbol=""),
    )


def symbols(query: str) -> list[str]:
    return [match.hgnc_symbol for match in find_genes(query)]


def search(client: Client, query: str, **params):
    return client.get(reverse("panels:gene_search"), {"q": query, **params})


def adder() -> Client:
    client = Client()
    client.force_login(make_user(Reviewer.Role.CURATOR))
    return client


def add_gene_page(client: Client, panel, **params):
    return client.get(reverse("panels:add_entity", args=[panel.pk, "gene"]), params)


def test_the_start_of_a_symbol_finds_the_genes_it_begins_whatever_the_case(genes):
    assert symbols("brc") == ["BRCA1", "BRCA2", "BRCC3"]
    assert symbols("c1ORF") == ["C1orf112"]


def test_a_whole_symbol_comes_first_then_the_symbols_it_begins(genes):
    load_genes(hgnc_row(5000, "ATMIN", alias_symbol=""), hgnc_row(5001, "AT", alias_symbol="ATM2"))

    assert symbols("AT") == ["AT", "ATM", "ATMIN", "ATXN1"]
    assert [m.matched for m in find_genes("AT")] == [MATCHED_SYMBOL] * 4


def test_an_alias_finds_its_gene_under_the_current_symbol_and_says_so(genes):
    [match] = find_genes("rnf53")

    assert (match.hgnc_symbol, match.matched, match.matched_name) == ("BRCA1", MATCHED_ALIAS, "RNF53")


def test_a_previous_symbol_finds_the_renamed_gene(genes):
    [match] = find_genes("SCA1")

    assert (match.hgnc_symbol, match.matched, match.matched_name) == ("ATXN1", MATCHED_ALIAS, "SCA1")


def test_an_hgnc_id_finds_its_gene_in_any_case_of_the_prefix(genes):
    [match] = find_genes("hgnc:1101")

    assert (match.hgnc_symbol, match.matched, match.matched_name) == ("BRCA2", MATCHED_HGNC_ID, "HGNC:1101")


def test_results_are_bounded_however_many_genes_match():
    Gene.objects.bulk_create(Gene(hgnc_symbol=f"KRT{n}", hgnc_id=f"HGNC:{9000 + n}") for n in range(LIMIT * 3))

    found = symbols("krt")

    assert len(found) == LIMIT
    assert found == sorted(found)


def test_a_search_costs_at_most_two_queries(genes, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        assert symbols("BRC")
    with django_assert_max_num_queries(1):
        assert symbols("HGNC:795") == ["ATM"]


def test_the_prefix_search_reads_an_index_not_the_gene_table(genes):
    """The plan PostgreSQL picks for the real query, with sequential scans off so a tiny table cannot hide a gap."""
    query = Gene.objects.filter(hgnc_symbol__istartswith="brc").values("hgnc_symbol").query
    sql, params = query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "panels_gene_symbol_upper_prefix" in plan, plan


def test_the_json_answer_lists_each_gene_and_how_it_matched(genes):
    response = search(Client(), "brcc1")

    assert response.status_code == 200
    assert json.loads(response.content) == {
        "query": "brcc1",
        "genes": [
            {
                "hgnc_symbol": "BRCA1",
                "hgnc_id": "HGNC:1100",
                "gene_name": "BRCA1 DNA repair associated",
                "matched": "alias",
                "matched_name": "BRCC1",
                "on_panel": False,
            }
        ],
    }


def on_panel(response) -> dict[str, bool]:
    return {gene["hgnc_symbol"]: gene["on_panel"] for gene in json.loads(response.content)["genes"]}


def test_the_json_answer_marks_the_genes_already_on_the_panel_being_added_to(genes, curator, panel):
    add_gene(curator, panel, "BRCA2")

    assert on_panel(search(Client(), "brc", panel=panel.pk)) == {"BRCA1": False, "BRCA2": True, "BRCC3": False}


def test_the_json_answer_tells_nothing_of_a_panel_the_asker_may_not_read(genes, curator):
    internal = make_panel(curator, "Unreleased", status=Panel.Status.INTERNAL)
    add_gene(curator, internal, "BRCA2")

    assert on_panel(search(Client(), "brca2", panel=internal.pk)) == {"BRCA2": False}
    assert on_panel(search(adder(), "brca2", panel=internal.pk)) == {"BRCA2": True}


def test_the_json_answer_to_a_panel_that_is_no_number_is_a_400(genes):
    response = search(Client(), "brc", panel="one")

    assert response.status_code == 400 and "panel" in json.loads(response.content)["detail"]


def test_the_add_gene_page_offers_no_link_to_a_gene_already_on_the_panel(genes, curator, panel):
    add_gene(curator, panel, "BRCA2")

    found = add_gene_page(adder(), panel, find="brc").content.decode()

    assert 'href="?gene=BRCA2"' not in found and 'href="?gene=BRCA1"' in found
    assert "already on this panel" in found


def test_the_json_answer_says_when_no_gene_data_is_loaded_at_all():
    body = json.loads(search(Client(), "BRCA1").content)

    assert body["genes"] == [] and body["gene_data_loaded"] is False


def test_the_json_answer_to_text_no_gene_could_have_is_a_400_saying_why(genes):
    response = search(Client(), "B" * 65)

    assert response.status_code == 400
    assert json.loads(response.content) == {"detail": "Search for at most 64 characters."}


def test_the_add_gene_page_finds_genes_without_javascript_and_links_to_the_form_with_one_chosen(genes, panel):
    client = adder()

    found = add_gene_page(client, panel, find="brc").content.decode()
    chosen = add_gene_page(client, panel, gene="BRCA2").content.decode()

    assert "3 loaded genes match “brc”" in found
    assert 'href="?gene=BRCA1"' in found and 'href="?gene=BRCC3"' in found
    assert 'name="name" value="BRCA2"' in chosen


def test_the_add_gene_page_without_gene_data_says_who_loads_it_instead_of_a_form(panel):
    page = add_gene_page(adder(), panel).content.decode()

    assert "No gene data is loaded yet" in page
    assert reverse("imports:admin") + "#import-genes-heading" in page
    assert "manage.py import_genes" in page
    assert 'name="name"' not in page


def test_a_reviewer_without_gene_data_is_told_to_ask_a_curator(panel):
    client = Client()
    client.force_login(make_user(Reviewer.Role.REVIEWER))

    page = add_gene_page(client, panel).content.decode()

    assert "ask a curator or an administrator to import the gene data" in page
    assert reverse("imports:admin") not in page


def test_a_symbol_no_gene_has_is_refused_with_the_genes_it_resembles(genes, panel):
    response = adder().post(reverse("panels:add_entity", args=[panel.pk, "gene"]), {"name": "RNF53"})

    page = response.content.decode()
    assert response.status_code == 400
    assert "Unknown gene symbol &#x27;RNF53&#x27;" in page
    assert 'href="?gene=BRCA1"' in page and "alias or previous symbol RNF53" in page
    assert not panel.entities.exists()


def test_a_search_that_finds_nothing_says_what_to_try_and_who_loads_newer_gene_data(genes, panel):
    page = add_gene_page(adder(), panel, find="NOSUCHGENE").content.decode()

    assert "No loaded gene matches “NOSUCHGENE”" in page
    assert "import HGNC's current complete set" in page


def test_the_add_gene_page_stays_small_and_runs_a_fixed_number_of_queries(genes, panel, django_assert_max_num_queries):
    """No list of every gene in the page: 45,000 options would be megabytes."""
    Gene.objects.bulk_create(Gene(hgnc_symbol=f"G{n}", hgnc_id=f"HGNC:{50000 + n}") for n in range(500))
    client = adder()
    add_gene_page(client, panel)  # the session and the user are read once

    with django_assert_max_num_queries(12):
        response = add_gene_page(client, panel, find="G")

    assert response.status_code == 200
    assert len(response.content) < 60_000
    assert response.content.count(b'href="?gene=') == LIMIT


def test_the_json_answer_costs_at_most_three_queries_even_when_nothing_matches(genes, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        assert json.loads(search(Client(), "nothing-like-it").content)["gene_data_loaded"] is True


def test_text_with_a_nul_character_is_a_400_not_a_500(genes, panel):
    assert search(Client(), "BR\x00C").status_code == 400
    assert add_gene_page(adder(), panel, find="BR\x00C").status_code == 400
