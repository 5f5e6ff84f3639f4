"""Entity pages: the index of every gene, STR and region; one across panels; one in a panel with its evidence."""

import html
import json
import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from panels import services

from tests.panels.factories import make_gene
from tests.panels.site_data import text

pytestmark = pytest.mark.django_db


def index_rows(response) -> list[tuple[str, str, str]]:
    """(name, panels, green in) of the entity index."""
    return re.findall(
        r'<th scope="row"><a href="/panels/entities/[^"]+">([^<]+)</a></th><td>[^<]+</td>'
        r'<td class="num">(\d+)</td><td class="num">(\d+)</td>',
        response.content.decode(),
    )


# --- The index -----------------------------------------------------------------


def test_the_entity_index_lists_each_name_once_with_its_panels_and_green_count(client, world):
    rows = index_rows(client.get("/panels/entities/"))

    # ATXN1: ataxia (green) and epilepsy (red); the retired and internal panels are not counted.
    assert ("ATXN1", "2", "1") in rows
    assert [name for name, _, _ in rows] == ["ATXN1", "ATXN1_SCA1", "FXN", "ISCA-37446-Loss", "SCN1A"]


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ({"search": "atxn"}, ["ATXN1", "ATXN1_SCA1"]),
        ({"search": "FXN protein"}, ["FXN"]),  # the gene's name
        ({"type": "str"}, ["ATXN1_SCA1"]),
        ({"type": "region"}, ["ISCA-37446-Loss"]),
        ({"letter": "S"}, ["SCN1A"]),
        ({"type": "nonsense", "letter": "??"}, ["ATXN1", "ATXN1_SCA1", "FXN", "ISCA-37446-Loss", "SCN1A"]),
    ],
)
def test_the_entity_index_searches_and_filters(client, world, query, names):
    assert [name for name, _, _ in index_rows(client.get("/panels/entities/", query))] == names


@pytest.fixture
def many_genes(world):
    from panels.models import Entity, Gene

    genes = Gene.objects.bulk_create(Gene(hgnc_symbol=f"ZZ{i:03}") for i in range(150))
    Entity.objects.bulk_create(
        Entity(panel=world.ataxia, entity_type="gene", entity_name=g.hgnc_symbol, gene=g) for g in genes
    )
    return [g.hgnc_symbol for g in genes]


def pager_links(response) -> dict[str, str]:
    """The pager's links by text (First, Previous, Next, Last): plain hrefs a browser follows without script."""
    pager = text(response).split('class="pager"')
    found = (
        re.findall(r'<a href="([^"]*)"[^>]*>[^A-Za-z]*([A-Za-z]+)', pager[1].split("</nav>")[0])
        if len(pager) > 1
        else []
    )
    return {label: html.unescape(href) for href, label in found}


def test_the_entity_index_pages_by_a_hundred_with_next_and_previous_links(client, many_genes):
    first = client.get("/panels/entities/", {"letter": "Z"})
    second = client.get("/panels/entities/" + pager_links(first)["Next"])

    assert [name for name, _, _ in index_rows(first)] == many_genes[:100]
    assert set(pager_links(first)) == {"Next", "Last"} and "letter=Z" in pager_links(first)["Next"]
    assert [name for name, _, _ in index_rows(second)] == many_genes[100:]
    assert set(pager_links(second)) == {"First", "Previous"}
    assert index_rows(client.get("/panels/entities/" + pager_links(second)["Previous"])) == index_rows(first)
    last = client.get("/panels/entities/" + pager_links(first)["Last"])
    assert [name for name, _, _ in index_rows(last)] == many_genes[-100:]


@pytest.mark.parametrize("number", ["2", "junk"])
def test_an_old_numbered_link_to_the_entity_index_lands_on_its_first_page(client, many_genes, number):
    response = client.get("/panels/entities/", {"letter": "Z", "page": number})

    assert [name for name, _, _ in index_rows(response)] == many_genes[:100]
    assert "Pages are no longer numbered" in text(response)


def test_a_damaged_entity_index_cursor_is_a_400(client, world):
    response = client.get("/panels/entities/", {"cursor": "WyJhIiwxXQ"})

    assert response.status_code == 400
    assert "This page link is damaged" in response.content.decode()


def test_the_entity_index_reads_its_page_in_name_order_from_an_index(client, many_genes):
    with CaptureQueriesContext(connection) as captured:
        client.get("/panels/entities/")
    [sql] = [q["sql"] for q in captured if 'FROM "panels_entity"' in q["sql"]]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ANALYZE panels_entity")
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort", "enable_incremental_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan

    def nodes(node):
        yield node
        for child in node.get("Plans", ()):
            yield from nodes(child)

    scans = [n for n in nodes(plan[0]["Plan"]) if n.get("Relation Name") == "panels_entity"]
    assert [(n["Node Type"], n.get("Index Name")) for n in scans] == [("Index Scan", "entity_name_type_id")]
    assert "LIMIT 101" in sql


# --- One entity across panels --------------------------------------------------


def test_an_entity_page_lists_every_visible_panel_holding_it_with_its_rating(client, world):
    page = text(client.get("/panels/entities/ATXN1"))

    rows = re.findall(r'<th scope="row"><a href="/panels/\d+/">([^<]+)</a>.*?badge-\w+" data-level="\d">([^<]+)<', page)
    assert rows == [("Hereditary ataxia", "Green"), ("Genetic epilepsy", "Red"), ("Old ataxia panel", "No list")]
    assert "Unreleased panel" not in page
    assert f'href="/panels/{world.super_panel.pk}/">Neurology super panel' in page.split('id="super-title"')[1]


def test_an_entity_page_shows_the_gene_data(client, world):
    page = text(client.get("/panels/entities/ATXN1"))
    gene = world.ataxia.entities.get(entity_name="ATXN1").gene

    assert gene.hgnc_id in page
    assert f'<a href="https://omim.org/entry/{gene.omim_gene[0]}" rel="noopener noreferrer">' in page
    assert "ENSG" in page and "1:300-400" in page


def test_an_entity_page_filters_its_panels_by_tag(client, world):
    services.update_entity(world.curator, world.epilepsy.entities.get(entity_name="ATXN1"), tags=["watch"])

    page = text(client.get("/panels/entities/ATXN1", {"tag": "watch"}))

    assert "<option selected>watch</option>" in page
    assert re.findall(r'<th scope="row"><a href="/panels/\d+/">([^<]+)</a>', page) == ["Genetic epilepsy"]


def test_a_gene_on_no_panel_still_has_a_page_and_an_unknown_name_is_a_404(client, world):
    make_gene("LONELY1")

    assert "Not on any panel you can see" in text(client.get("/panels/entities/LONELY1"))
    response = client.get("/panels/entities/NOSUCHGENE")
    assert response.status_code == 404
    assert "No gene, STR or region is called NOSUCHGENE." in response.content.decode()


def test_an_entity_only_on_an_internal_panel_is_hidden_from_the_public(client, world):
    assert "Not on any panel you can see" in text(client.get("/panels/entities/SECRET1"))
    client.force_login(world.curator)
    assert "Unreleased panel" in text(client.get("/panels/entities/SECRET1"))


# --- One entity in one panel ---------------------------------------------------


def test_an_entity_in_a_panel_shows_every_review_with_reviewer_and_affiliation(client, world):
    page = text(client.get(f"/panels/{world.ataxia.pk}/gene/ATXN1/"))

    reviews = page.split('id="reviews-title"')[1].split("</section>")[0]
    assert 'Reviews <span class="muted">(2)' in reviews
    assert 'Alex Morgan</strong> <span class="muted">Genomics England</span>' in reviews
    assert "NHS Laboratory" in reviews and "Less sure." in reviews and "Well established." in reviews
    assert 'badge badge-amber" data-level="2">Amber<' in reviews


def test_publications_link_to_pubmed_when_they_are_pubmed_ids(client, world):
    page = text(client.get(f"/panels/{world.ataxia.pk}/gene/ATXN1/"))

    assert '<a href="https://pubmed.ncbi.nlm.nih.gov/8358429/" rel="noopener noreferrer">PMID 8358429</a>' in page
    assert "Smith 2020" in page and "pubmed.ncbi.nlm.nih.gov/2020" not in page


def test_an_entity_in_a_panel_shows_its_sources_and_its_history(client, world):
    page = text(client.get(f"/panels/{world.ataxia.pk}/gene/ATXN1/"))

    assert "<strong>Expert Review Green</strong>" in page and "<strong>Literature</strong>" in page
    history = page.split('id="history-title"')[1]
    assert "Added Gene ATXN1" in history and "ATXN1 was reviewed: rated AMBER" in history
    assert "Added Gene FXN" not in history


def test_an_str_and_a_region_show_their_own_attributes(client, world):
    str_page = text(client.get(f"/panels/{world.ataxia.pk}/str/ATXN1_SCA1/"))
    region_page = text(client.get(f"/panels/{world.ataxia.pk}/region/ISCA-37446-Loss/"))

    assert "<code>CAG</code>" in str_page and "≥ 40" in str_page and "chr4" in str_page
    assert "22q11.2 deletion syndrome" in region_page and "cnv_loss" in region_page


def test_an_entity_through_a_super_panel_opens_from_its_child(client, world):
    page = text(client.get(f"/panels/{world.super_panel.pk}/gene/SCN1A/"))

    assert f'from its child panel <a href="/panels/{world.epilepsy.pk}/">Genetic epilepsy</a>' in page


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/panels/{ataxia}/gene/NOSUCH/", "Hereditary ataxia has no gene NOSUCH."),
        ("/panels/{ataxia}/str/ATXN1/", "Hereditary ataxia has no str ATXN1."),
        ("/panels/{ataxia}/cnv/ATXN1/", "is not a kind of entity"),
        ("/panels/{internal}/gene/SECRET1/", "We could not find that page"),
        ("/panels/999999/gene/ATXN1/", "We could not find that page"),
    ],
)
def test_unknown_entities_are_a_friendly_404(client, world, url, message):
    response = client.get(url.format(ataxia=world.ataxia.pk, internal=world.internal.pk))

    assert response.status_code == 404
    assert message in response.content.decode()
