"""The site's searches take an HGNC id for a gene, and a panel's page shows "this colour or better" (issue 22)."""

import re

import pytest
from panels.models import Gene

from tests.panels.test_site_entities import index_rows
from tests.panels.test_site_panels import listed_panels

pytestmark = pytest.mark.django_db


def test_the_panel_index_finds_a_gene_by_hgnc_id(client, world):
    hgnc_id = Gene.objects.get(hgnc_symbol="SCN1A").hgnc_id

    assert listed_panels(client.get("/panels/", {"search": hgnc_id})) == ["Genetic epilepsy", "Neurology super panel"]


def test_the_entity_index_finds_a_gene_by_hgnc_id(client, world):
    hgnc_id = Gene.objects.get(hgnc_symbol="FXN").hgnc_id

    assert [name for name, _, _ in index_rows(client.get("/panels/entities/", {"search": hgnc_id.lower()}))] == ["FXN"]


def test_an_unknown_hgnc_id_finds_nothing(client, world):
    assert listed_panels(client.get("/panels/", {"search": "HGNC:999999999"})) == []


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ({"min_level": "3"}, ["ATXN1"]),
        ({"min_level": "0"}, ["ATXN1", "FXN", "ATXN1_SCA1", "ISCA-37446-Loss"]),
        ({"min_level": "1", "level": ["0", "3"]}, ["ATXN1"]),  # both: the boxes ticked that are good enough
    ],
)
def test_the_panel_page_shows_this_colour_or_better(client, world, query, shown):
    page = client.get(f"/panels/{world.ataxia.pk}/", query).content.decode()

    assert re.findall(r'class="entity-name">([^<]+)<', page) == shown
