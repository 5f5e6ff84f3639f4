"""A panel file costs the same number of queries whatever its length (bulk reads and writes)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from panels.imports import jobs
from panels.models import Gene

from tests.imports.files import BIALLELIC, gene_row, panel_file

pytestmark = pytest.mark.django_db


def import_queries(tmp_path, genes: int, panel: str, **values: str) -> int:
    path = tmp_path / f"{panel}.tsv"
    path.write_bytes(panel_file(*[gene_row(f"Q{n}", panel=panel, **values) for n in range(genes)]))
    with CaptureQueriesContext(connection) as queries:
        job = jobs.run_inline(jobs.create_job("panels", source=str(path), file_name=path.name))
    assert job.status == "succeeded", job.errors
    return len(queries)


@pytest.fixture
def genes(db):
    Gene.objects.bulk_create(Gene(hgnc_symbol=f"Q{n}", hgnc_id=f"HGNC:{n}") for n in range(200))


def test_creating_a_panel_from_a_file_costs_the_same_queries_for_5_or_200_genes(genes, tmp_path):
    assert import_queries(tmp_path, 5, "Small") == import_queries(tmp_path, 200, "Large")


def test_updating_a_panel_from_a_file_costs_the_same_queries_for_5_or_200_genes(genes, tmp_path):
    import_queries(tmp_path, 5, "Small")
    import_queries(tmp_path, 200, "Large")

    small = import_queries(tmp_path, 5, "Small", Model_Of_Inheritance=BIALLELIC)
    large = import_queries(tmp_path, 200, "Large", Model_Of_Inheritance=BIALLELIC)

    assert small == large
