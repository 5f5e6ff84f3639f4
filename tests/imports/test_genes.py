"""Gene reference data: HGNC's complete set and PanelApp's gene JSON, and what they do to panels."""

import json

import pytest
from panels.imports.models import ImportJob
from panels.models import Gene, Panel

from tests.imports.conftest import run_command
from tests.imports.files import gene_json, hgnc_file, hgnc_row
from tests.panels.factories import add_gene, make_panel

pytestmark = pytest.mark.django_db(transaction=True)


def served_gene(panel: Panel, symbol: str) -> dict:
    data = json.loads(panel.snapshots.order_by("-major_version", "-minor_version").first().data)
    return next(g["gene_data"] for g in data["genes"] if g["entity_name"] == symbol)


def test_hgnc_s_complete_set_creates_genes_with_aliases_omim_and_release(tmp_path, capsys, db):
    rows = [
        hgnc_row(1100, "BRCA1", prev_symbol="RNF53", alias_name="BRCA1/BRCA2-containing complex, subunit 1"),
        hgnc_row(1101, "BRCA2", omim_id="600185|612555", date_modified="2024-07-01", date_symbol_changed="1995-01-20"),
        hgnc_row(9999, "OLDGENE", status="Entry Withdrawn"),
    ]

    status, out, err = run_command("genes", hgnc_file(*rows), tmp_path, capsys=capsys)

    assert (status, err) == (0, "")
    assert "Genes created: 2" in out and "Skipped: 1" in out
    brca1, brca2 = Gene.objects.order_by("hgnc_symbol")
    assert (brca1.hgnc_id, brca1.gene_name) == ("HGNC:1100", "BRCA1 protein")
    assert brca1.alias == ["BRCA1-A", "BRCA1-B", "RNF53"]
    assert brca1.alias_name == ["BRCA1/BRCA2-containing complex, subunit 1"]
    assert brca2.omim_gene == ["600185", "612555"]
    assert str(brca2.hgnc_date_symbol_changed) == "1995-01-20"
    # The file's newest change stands for its release, so the same file always gives the same genes.
    assert str(brca1.hgnc_release) == str(brca2.hgnc_release) == "2024-07-01"


def test_a_rerun_of_the_same_file_changes_nothing(tmp_path, capsys, curator):
    content = hgnc_file(hgnc_row(1100, "BRCA1"), hgnc_row(1101, "BRCA2"))
    run_command("genes", content, tmp_path, capsys=capsys)
    panel = make_panel(curator, name="Cancer")
    add_gene(curator, panel, "BRCA1")
    panel.refresh_from_db()
    version = panel.version

    status, out, _ = run_command("genes", content, tmp_path, capsys=capsys)

    assert status == 0 and "Genes updated" not in out and "version" not in out
    panel.refresh_from_db()
    assert panel.version == version


def test_changed_genes_give_each_panel_that_uses_them_one_new_version(tmp_path, capsys, curator):
    run_command("genes", hgnc_file(hgnc_row(1100, "BRCA1"), hgnc_row(1101, "BRCA2")), tmp_path, capsys=capsys)
    cancer, other = make_panel(curator, name="Cancer"), make_panel(curator, name="Unrelated")
    add_gene(curator, cancer, "BRCA1")
    add_gene(curator, cancer, "BRCA2")
    cancer.refresh_from_db()
    before = cancer.version, other.version
    newer = hgnc_file(hgnc_row(1100, "BRCA1", name="BRCA1 DNA repair associated"), hgnc_row(1101, "BRCA2",
                      omim_id="600185"))  # fmt: skip

    status, out, _ = run_command("genes", newer, tmp_path, capsys=capsys)

    cancer.refresh_from_db()
    other.refresh_from_db()
    assert status == 0 and "Genes updated: 2" in out
    assert cancer.minor_version == int(before[0].split(".")[1]) + 1
    assert other.version == before[1]
    assert served_gene(cancer, "BRCA1")["gene_name"] == "BRCA1 DNA repair associated"
    assert served_gene(cancer, "BRCA2")["omim_gene"] == ["600185"]
    assert cancer.activities.first().text == "Gene data updated from genes.tsv"


def test_a_new_symbol_for_a_known_hgnc_id_renames_the_gene_and_its_entities(tmp_path, capsys, curator):
    run_command("genes", hgnc_file(hgnc_row(4851, "HD")), tmp_path, capsys=capsys)
    panel = make_panel(curator, name="Neurology")
    add_gene(curator, panel, "HD")

    status, _, _ = run_command("genes", hgnc_file(hgnc_row(4851, "HTT", prev_symbol="HD")), tmp_path, capsys=capsys)

    assert status == 0
    gene = Gene.objects.get(hgnc_id="HGNC:4851")
    assert gene.hgnc_symbol == "HTT" and "HD" in gene.alias
    assert list(panel.entities.values_list("entity_name", flat=True)) == ["HTT"]
    assert "HD is now HTT" in panel.activities.first().text
    assert served_gene(panel, "HTT")["gene_symbol"] == "HTT"


def test_gene_json_sets_biotype_and_ensembl_locations(tmp_path, capsys, curator):
    run_command("genes", hgnc_file(hgnc_row(1100, "BRCA1")), tmp_path, capsys=capsys)
    ensembl = {
        "GRch37": {"82": {"ensembl_id": "ENSG00000012048", "location": "17:41196312-41277500"}},
        "GRch38": {"90": {"ensembl_id": "ENSG00000012048", "location": "17:43044295-43125483"}},
    }

    gene = {"gene_symbol": "BRCA1", "hgnc_id": "HGNC:1100", "biotype": "protein_coding", "ensembl_genes": ensembl}

    status, _, _ = run_command("genes", gene_json(gene), tmp_path, capsys=capsys)

    assert status == 0
    gene = Gene.objects.get()
    assert (gene.biotype, gene.ensembl_genes) == ("protein_coding", ensembl)
    assert gene.alias == ["BRCA1-A", "BRCA1-B"]  # HGNC's fields stay as they were


def test_upstream_s_update_symbol_entries_rename(tmp_path, capsys, db):
    run_command("genes", gene_json({"gene_symbol": "C4orf1", "gene_name": "old"}), tmp_path, capsys=capsys)
    upstream = json.dumps({"insert": [], "update": [], "update_symbol": [[{"gene_symbol": "NEW1"}, "C4orf1"]]})

    status, _, _ = run_command("genes", upstream.encode(), tmp_path, capsys=capsys)

    assert status == 0
    assert list(Gene.objects.values_list("hgnc_symbol", "alias")) == [("NEW1", ["C4orf1"])]


def test_a_large_file_is_applied_in_chunks_with_progress(tmp_path, capsys, settings, db):
    settings.IMPORT_GENE_CHUNK_ROWS = 2
    rows = [hgnc_row(n, f"G{n}") for n in range(1, 6)]

    status, _, _ = run_command("genes", hgnc_file(*rows), tmp_path, capsys=capsys)

    job = ImportJob.objects.get()
    assert status == 0 and (job.chunks_total, job.chunks_done, job.progress_percent) == (3, 3, 100)
    assert Gene.objects.count() == 5
    assert not any(records for records in job.chunks.values_list("records", flat=True))


def test_a_symbol_held_by_another_gene_is_reported(tmp_path, capsys, db):
    run_command("genes", hgnc_file(hgnc_row(1, "AAA"), hgnc_row(2, "BBB")), tmp_path, capsys=capsys)

    status, _, err = run_command("genes", hgnc_file(hgnc_row(1, "BBB")), tmp_path, capsys=capsys)

    assert status == 1
    assert "row 2, column 'symbol': BBB belongs to another gene in PanelApp" in err


def test_an_hgnc_row_that_stops_early_reads_its_missing_cells_as_empty(tmp_path, capsys, db):
    """A spreadsheet saving HGNC's set as text drops each row's trailing empty cells."""
    content = hgnc_file(hgnc_row(1100, "BRCA1", omim_id="", mirbase=""))
    lines = content.decode().splitlines()
    short = lines[1].rstrip("\t")
    assert short.count("\t") < lines[0].count("\t")

    status, _, err = run_command("genes", f"{lines[0]}\n{short}\n".encode(), tmp_path, capsys=capsys)

    assert (status, err) == (0, "")
    assert Gene.objects.get().omim_gene == []


def test_an_hgnc_row_longer_than_the_header_is_a_row_error(tmp_path, capsys, db):
    content = hgnc_file(hgnc_row(1100, "BRCA1")).decode().rstrip("\n") + "\tstray\n"

    status, _, err = run_command("genes", content.encode(), tmp_path, capsys=capsys)

    assert status == 1
    assert "row 2: 34 columns; the header has 33." in err
