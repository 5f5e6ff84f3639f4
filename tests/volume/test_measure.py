"""How the volume tests count the rows a query reads: as at the real volume, on tables of a few rows."""

import pytest
from django.db import connection

from tests.volume.conftest import at_volume, rows_read, whole_table_scans

pytestmark = pytest.mark.django_db

# Two thirds of the table: the planner left alone reads all sixty rows and sorts them.
A_PAGE = "SELECT id FROM panels_entity ORDER BY entity_name, entity_type, id LIMIT 40"


@pytest.fixture
def sixty_entities():
    """A fresh entity table of sixty rows, for this test's transaction only, shadowing the real one.

    Fresh, so that no dead rows (each volume build rolls back thousands) change the planner's costs.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE panels_entity"
            " (id integer PRIMARY KEY, entity_name text, entity_type text, mode_of_inheritance text)"
        )
        cursor.execute("CREATE INDEX ON panels_entity (entity_name, entity_type, id)")
        cursor.execute(
            "INSERT INTO panels_entity SELECT n, 'GENE' || n, 'gene', 'Unknown' FROM generate_series(1, 60) AS n"
        )
        cursor.execute("ANALYZE panels_entity")


def test_a_page_read_from_an_index_counts_its_page_though_the_table_is_small_enough_to_read_whole(sixty_entities):
    assert rows_read(at_volume(A_PAGE)) == {"panels_entity": 40}


def test_a_count_of_the_table_counts_every_row(sixty_entities):
    assert rows_read(at_volume("SELECT COUNT(*) FROM panels_entity")) == {"panels_entity": 60}


def test_a_filter_no_index_serves_is_a_whole_table_scan(sixty_entities):
    plan = at_volume("SELECT id FROM panels_entity WHERE mode_of_inheritance = 'Other' LIMIT 5")
    assert whole_table_scans(plan) == {"panels_entity"}
    assert rows_read(plan) == {"panels_entity": 60}
