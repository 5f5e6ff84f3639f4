"""The import commands, as operators run them: exit 0 on success, 1 with the row report on stderr."""

import pytest
from django.db import connection
from panels.imports.models import ImportJob
from panels.models import Entity, Panel

from tests.imports.conftest import BAD_FILES, run_command
from tests.imports.files import gene_row, panel_file, region_row, str_row
from tests.panels.factories import make_gene

# run_from_argv closes the connections as manage.py does, so each test commits for real.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("bad", BAD_FILES, ids=[bad.case for bad in BAD_FILES])
def test_a_bad_file_exits_1_with_its_row_report_on_stderr_and_changes_nothing(bad, known_data, tmp_path, capsys):
    panels_before = list(Panel.objects.values_list("pk", "major_version", "minor_version"))

    status, _, err = run_command(bad.kind, bad.content, tmp_path, capsys=capsys)

    assert status == 1
    where = "file" if bad.row is None else f"row {bad.row}"
    lines = [line for line in err.splitlines() if line.startswith(where)]
    assert any(bad.message in line and (not bad.column or repr(bad.column) in line) for line in lines), err
    assert "nothing was changed" in err
    assert list(Panel.objects.values_list("pk", "major_version", "minor_version")) == panels_before
    assert ImportJob.objects.get().status == ImportJob.Status.FAILED


def test_a_file_over_the_size_limit_is_refused(known_data, tmp_path, capsys, settings):
    content = panel_file(gene_row("BRCA1"))
    settings.UPLOAD_MAX_BYTES = len(content) - 1

    status, _, err = run_command("panels", content, tmp_path, capsys=capsys)

    assert status == 1
    assert f"file: The file is {len(content)} bytes, over the limit of {len(content) - 1} bytes." in err
    assert not Panel.objects.filter(name="Imported panel").exists()


def test_a_good_panel_file_creates_the_panel_with_genes_strs_and_regions(tmp_path, capsys, curator):
    make_gene("BRCA1")
    make_gene("TP53")
    content = panel_file(gene_row("BRCA1"), gene_row("TP53", **{"Sources(; separated)": "Literature"}), str_row(),
                         region_row())  # fmt: skip

    status, out, err = run_command("panels", content, tmp_path, "--user", "curator", capsys=capsys)

    assert (status, err) == (0, "")
    panel = Panel.objects.get(name="Imported panel")
    assert "4 rows imported" in out and f"Imported panel (id {panel.pk}): created at version 0.0" in out
    assert (panel.disease_group, panel.disease_sub_group, panel.status) == ("Disease group", "Sub group", "internal")
    assert panel.stats == {"number_of_genes": 2, "number_of_strs": 1, "number_of_regions": 1}
    brca1 = panel.entities.get(entity_name="BRCA1")
    assert brca1.confidence_level == 3  # "Expert Review Green" among its sources
    assert brca1.phenotypes == ["BRCA1 syndrome, 100000", "Another phenotype"]
    assert panel.entities.get(entity_name="TP53").confidence_level == 0
    htt = panel.entities.get(entity_type=Entity.Type.STR)
    assert (htt.grch38_start, htt.grch38_end, htt.normal_repeats) == (3074877, 3074939, 26)
    region = panel.entities.get(entity_type=Entity.Type.REGION)
    assert (region.required_overlap_percentage, region.type_of_variants) == (60, "cnv_loss")
    assert panel.snapshots.count() == 1
    assert list(panel.activities.values_list("user__username", flat=True)) == ["curator", "curator"]


def test_importing_the_same_file_twice_changes_nothing_the_second_time(tmp_path, capsys, curator):
    make_gene("BRCA1")
    content = panel_file(gene_row("BRCA1"), str_row())
    run_command("panels", content, tmp_path, capsys=capsys)

    status, out, _ = run_command("panels", content, tmp_path, capsys=capsys)

    assert status == 0 and "version" not in out
    assert Panel.objects.get(name="Imported panel").version == "0.0"


def test_a_file_updates_an_existing_panel_in_one_new_version(tmp_path, capsys, curator):
    make_gene("BRCA1")
    make_gene("TP53")
    run_command("panels", panel_file(gene_row("BRCA1")), tmp_path, capsys=capsys)
    changed = gene_row("BRCA1", Model_Of_Inheritance="BIALLELIC, autosomal or pseudoautosomal")

    status, out, _ = run_command("panels", panel_file(changed, gene_row("TP53"), str_row()), tmp_path, capsys=capsys)

    panel = Panel.objects.get(name="Imported panel")
    assert status == 0 and "now at version 0.1" in out
    assert panel.version == "0.1" and panel.snapshots.count() == 2
    assert panel.entities.get(entity_name="BRCA1").mode_of_inheritance == "BIALLELIC, autosomal or pseudoautosomal"
    assert panel.entities.count() == 3


def test_excel_csv_with_quoted_commas_and_quotes_and_a_bom_imports(tmp_path, capsys, curator):
    make_gene("BRCA1")
    from panels.tsv import COLUMNS

    row = gene_row("BRCA1", Phenotypes='Breast cancer, "familial", 1', Model_Of_Inheritance="BIALLELIC, autosomal or "
                   "pseudoautosomal")  # fmt: skip

    def cell(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"') else value

    csv_text = ",".join(cell(c) for c in COLUMNS) + "\r\n" + ",".join(cell(row[c]) for c in COLUMNS) + "\r\n"

    status, _, err = run_command("panels", b"\xef\xbb\xbf" + csv_text.encode(), tmp_path, capsys=capsys)

    assert (status, err) == (0, "")
    entity = Panel.objects.get(name="Imported panel").entities.get()
    assert entity.phenotypes == ['Breast cancer, "familial", 1']
    assert entity.mode_of_inheritance == "BIALLELIC, autosomal or pseudoautosomal"


def test_every_bad_row_is_reported_at_once(tmp_path, capsys, curator):
    make_gene("BRCA1")
    rows = [gene_row("NOPE1"), gene_row("BRCA1", Model_Of_Inheritance="AD"), str_row(**{"Position GRCh38 End": "x"})]

    status, _, err = run_command("panels", panel_file(*rows), tmp_path, capsys=capsys)

    assert status == 1
    assert "row 2, column 'Gene Symbol'" in err
    assert "row 3, column 'Model_Of_Inheritance'" in err
    assert "row 4, column 'Position GRCh38 End': 'x' is not a whole number." in err


def test_an_unknown_user_option_is_an_error(tmp_path, capsys, db):
    status, _, err = run_command("panels", panel_file(), tmp_path, "--user", "ghost", capsys=capsys)
    assert status == 1 and "Unknown username 'ghost'" in err


def test_on_aws_a_command_reads_only_the_media_bucket_never_a_local_path(tmp_path, capsys, settings):
    settings.DEPLOYED = True

    status, _, err = run_command("panels", panel_file(gene_row("BRCA1")), tmp_path, capsys=capsys)

    assert status == 1 and "On AWS, import from the media bucket: s3://<media bucket>/<key>." in err


def test_an_s3_address_outside_the_media_bucket_is_refused(tmp_path, capsys, settings, db):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    settings.USE_S3, settings.AWS_S3_MEDIAFILES_BUCKET_NAME = True, "panelapp-media"

    with pytest.raises(CommandError, match=r"Files are read from the media bucket only: s3://panelapp-media/<key>"):
        call_command("import_panels", "s3://someone-elses-bucket/panel.tsv")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="alias search needs jsonb containment")
def test_an_unknown_symbol_that_is_an_alias_names_the_current_symbol(tmp_path, capsys, db):
    make_gene("BRCA1")  # its aliases include BRCA1-A

    status, _, err = run_command("panels", panel_file(gene_row("BRCA1-A")), tmp_path, capsys=capsys)

    assert status == 1 and "Unknown gene symbol 'BRCA1-A' (an alias of BRCA1)." in err
