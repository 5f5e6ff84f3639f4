"""The site's searches take an HGNC id for a gene (issue 22)."""

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
