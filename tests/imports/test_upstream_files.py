"""Files as upstream PanelApp's importer takes them: columns by position, short rows, its own test files' header.

The fixtures (``fixtures/``) are shaped like upstream's own upload test files:
``upstream_panel_file.tsv`` has its header ("Entity Symbol" for both name
columns), Windows line ends, gene rows that stop after "Mode of
pathogenicity", STR rows after "STR Pathogenic Repeats", and entities listed
twice; ``upstream_reviews_file.tsv`` reviews those panels, one review without a
rating; ``spreadsheet_export.tsv`` is a curator's file whose rows stop at their
last non-empty cell; ``upstream_download.tsv`` is a panel as upstream's
download writes it; ``upstream_placeholder_codes.tsv`` has the placeholder
codes (``asdf``, ``adf``) of upstream's own test file in its Omim, Orphanet and
HPO columns. Each goes through the site's path: the jobs and tasks of
``panels.imports`` on PostgreSQL (the upload and the worker, or the command).
"""

import html
from pathlib import Path

import pytest
from accounts.models import Reviewer
from django.urls import reverse
from panels.imports import panel_file, review_file
from panels.imports.files import ImportFailed
from panels.imports.models import ImportJob
from panels.models import Entity, Evaluation, Panel
from panels.tsv import COLUMNS

from tests.imports.conftest import drain, run_command
from tests.imports.files import gene_row, review_row, reviews_file, tsv
from tests.imports.files import panel_file as make_panel_file
from tests.imports.test_uploads_through_the_worker import upload
from tests.panels.factories import add_gene, add_region, add_str, make_gene, make_panel, make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("production_mailers")]

FIXTURES = Path(__file__).parent / "fixtures"
KIDNEY, ATAXIA = "Cystic kidney disease", "Hereditary ataxia"
PLACEHOLDERS = "Placeholder codes panel"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def genes(db):
    """The genes the fixtures name."""
    for symbol in ("PKD1", "PKD2", "FXN", "ATXN1", "RHO", "USH2A", "TCF4"):
        make_gene(symbol)


@pytest.fixture
def browser(client, curator):
    client.force_login(curator)
    return client


def start_import(browser, media, kind: str, content: bytes, filename: str = "panel.tsv") -> ImportJob:
    """Upload the file and start its import, as a curator does on the import page."""
    response = browser.post(
        reverse("imports:start"), {"kind": kind, "upload": upload(browser, media, content, filename)}
    )
    assert response.status_code == 302
    return ImportJob.objects.latest("created_at")


def entity_names(panel_name: str) -> dict[str, set[str]]:
    by_type: dict[str, set[str]] = {}
    for kind, name in Panel.objects.get(name=panel_name).entities.values_list("entity_type", "entity_name"):
        by_type.setdefault(kind, set()).add(name)
    return by_type


def entity(panel_name: str, name: str) -> Entity:
    return Entity.objects.get(panel__name=panel_name, entity_name=name)


def imported(kind: str, content: bytes, tmp_path, capsys) -> None:
    status, out, err = run_command(kind, content, tmp_path, capsys=capsys)
    assert (status, err) == (0, ""), out


def test_upstream_s_own_panel_file_imports_through_the_worker(genes, browser, media, queues, worker, lambda_context):
    job = start_import(browser, media, "panels", fixture("upstream_panel_file.tsv"))

    drain(queues, worker, lambda_context)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.SUCCEEDED, job.errors
    assert entity_names(KIDNEY) == {"gene": {"PKD1", "PKD2"}, "region": {"ISCA-46295-Loss"}}
    assert entity_names(ATAXIA) == {"gene": {"FXN"}, "str": {"ATXN1_SCA1", "FXN_GAA", "SCA8_CTG"}}


def test_a_short_row_reads_its_missing_cells_as_empty(genes, tmp_path, capsys):
    imported("panels", fixture("upstream_panel_file.tsv"), tmp_path, capsys)

    sca1 = entity(ATAXIA, "ATXN1_SCA1")  # 31 cells: no region columns
    assert (sca1.chromosome, sca1.grch38_start, sca1.grch38_end) == ("6", 16327633, 16327721)
    assert (sca1.repeated_sequence, sca1.normal_repeats, sca1.pathogenic_repeats) == ("TGC", 38, 39)
    assert sca1.gene.hgnc_symbol == "ATXN1"
    assert entity(KIDNEY, "PKD1").mode_of_pathogenicity is None  # 20 cells, the last one empty


def test_a_later_row_for_an_entity_already_in_the_file_updates_it(genes, tmp_path, capsys):
    imported("panels", fixture("upstream_panel_file.tsv"), tmp_path, capsys)

    fxn_str = entity(ATAXIA, "FXN_GAA")
    assert fxn_str.pathogenic_repeats == 70
    assert set(fxn_str.evidence.values_list("name", flat=True)) == {"Expert Review Green", "Literature"}
    pkd2 = entity(KIDNEY, "PKD2")
    assert pkd2.publications == ["8650545", "10369245"]
    assert pkd2.mode_of_pathogenicity == "Other - please provide details in the comments"


def test_a_region_row_of_upstream_s_file_keeps_its_scores(genes, tmp_path, capsys):
    imported("panels", fixture("upstream_panel_file.tsv"), tmp_path, capsys)

    region = entity(KIDNEY, "ISCA-46295-Loss")
    assert (region.haploinsufficiency_score, region.triplosensitivity_score) == ("3", "0")
    assert (region.required_overlap_percentage, region.type_of_variants) == (60, "cnv_loss")
    assert (region.grch37_start, region.grch37_end) == (34815072, 36192492)


def test_upstream_s_reviews_file_for_those_panels_imports_through_the_worker(
    genes, curator, browser, media, queues, worker, lambda_context, tmp_path, capsys
):
    make_user(Reviewer.Role.EXTERNAL, username="external_reviewer")
    imported("panels", fixture("upstream_panel_file.tsv"), tmp_path, capsys)
    ataxia_version = Panel.objects.get(name=ATAXIA).version

    job = start_import(browser, media, "reviews", fixture("upstream_reviews_file.tsv"), "reviews.tsv")
    drain(queues, worker, lambda_context)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.SUCCEEDED, job.errors
    assert Evaluation.objects.get(entity=entity(KIDNEY, "PKD1"), user=curator).rating == "GREEN"
    assert Evaluation.objects.get(entity=entity(ATAXIA, "FXN"), user=curator).rating == "RED"
    # The curator's RED for FXN (green in the panel file) is a decision: the panel has a new version.
    assert Panel.objects.get(name=ATAXIA).version != ataxia_version


def test_a_review_without_a_rating_is_recorded_as_one(genes, curator, tmp_path, capsys):
    external = make_user(Reviewer.Role.EXTERNAL, username="external_reviewer")
    imported("panels", fixture("upstream_panel_file.tsv"), tmp_path, capsys)

    imported("reviews", fixture("upstream_reviews_file.tsv"), tmp_path, capsys)

    review = Evaluation.objects.get(entity=entity(KIDNEY, "PKD2"), user=external)
    assert review.rating == "" and review.current_diagnostic is False


def test_a_spreadsheet_export_whose_rows_drop_trailing_empty_cells_imports(genes, tmp_path, capsys):
    imported("panels", fixture("spreadsheet_export.tsv"), tmp_path, capsys)

    assert entity_names(KIDNEY) == {"gene": {"PKD1", "PKD2"}, "region": {"ISCA-46295-Loss"}}
    assert entity_names(ATAXIA) == {"gene": {"FXN"}, "str": {"ATXN1_SCA1", "FXN_GAA", "SCA8_CTG"}}
    pkd1 = entity(KIDNEY, "PKD1")  # 13 cells: it stops at Publications
    assert (pkd1.publications, pkd1.mode_of_pathogenicity) == (["7663512"], None)


def test_a_row_longer_than_the_columns_is_reported_with_the_other_rows_and_changes_nothing(tmp_path, capsys):
    make_gene("BRCA1")
    good = [gene_row("BRCA1")[c] for c in COLUMNS]
    content = tsv([list(COLUMNS), [*good, "stray"], [*good[:4], "", *good[5:]]])

    status, _, err = run_command("panels", content, tmp_path, capsys=capsys)

    assert status == 1
    assert "row 2: 37 columns; a panel file has 36." in err
    assert "row 3, column 'Level4': The panel name is empty." in err
    assert not Panel.objects.exists()


def test_a_review_row_that_stops_before_its_username_says_the_username_is_missing(tmp_path, capsys, curator):
    panel = make_panel(curator, name="Reviewed")
    add_gene(curator, panel, "BRCA1")
    row = review_row("BRCA1", "Reviewed", "curator", Comments="", Username="")
    cells = [row[c] for c in review_file.COLUMNS][:20]  # a spreadsheet dropped the two empty cells
    content = tsv([list(review_file.COLUMNS), cells])

    status, _, err = run_command("reviews", content, tmp_path, capsys=capsys)

    assert status == 1
    assert "row 2, column 'Username': Empty; every review names its gene, panel and reviewer." in err


@pytest.mark.parametrize(
    ("first", "third"),
    [("Entity Name", "Gene Symbol"), ("Entity Symbol", "Entity Symbol"), ("entity_name", "gene_symbol")],
)
def test_the_header_may_word_the_name_columns_as_any_upstream_release_does(genes, first, third):
    content = make_panel_file(gene_row("PKD1")).decode()
    header = "\t".join([first, COLUMNS[1], third, *COLUMNS[3:]])

    parsed = panel_file.parse(header + content[content.index("\n") :])

    assert [e.entity_name for e in parsed.panels[0].entities] == ["PKD1"]


def test_a_panel_file_of_panelapp_before_2_3_is_named_as_such():
    header = ["Entity Symbol", "Entity type", "Sources(; separated)", "Level4", *COLUMNS[5:]]

    with pytest.raises(ImportFailed) as failed:
        panel_file.parse(tsv([header, ["PKD1", "gene", "Literature", "A panel"]]).decode())

    assert "before 2.3: add a 'Gene Symbol' column" in str(failed.value)


def test_a_reviews_file_uploaded_as_a_panel_file_says_so(curator):
    content = reviews_file(review_row("PKD1", KIDNEY, "curator")).decode()

    with pytest.raises(ImportFailed) as failed:
        panel_file.parse(content)

    assert "This is a reviews file" in str(failed.value)


@pytest.mark.parametrize("written", ["PKD1\u00a0", "PKD1*", " PKD1 "])
def test_a_gene_symbol_keeps_only_what_a_symbol_can_hold_as_upstream_reads_it(curator, written):
    panel = make_panel(curator, name=KIDNEY)
    add_gene(curator, panel, "PKD1")

    parsed = review_file.parse(reviews_file(review_row(written, KIDNEY, "curator")).decode())

    assert [review["entity"].entity_name for review in parsed.reviews] == ["PKD1"]


def test_a_panel_s_own_download_imports_unchanged(browser, curator, tmp_path, capsys):
    panel = make_panel(curator, name="Downloaded panel")
    add_gene(curator, panel, "BRCA1", sources=["Expert Review Green", "Literature"], mode_of_pathogenicity="Other")
    add_str(curator, panel, "HTT_HD", sources=["Expert Review Amber"])
    add_region(curator, panel, "ISCA-37446-Loss")
    panel.refresh_from_db()
    download = browser.get(f"/panels/{panel.pk}/download/01234/")
    assert download.status_code == 200

    status, _, err = run_command("panels", download.content, tmp_path, capsys=capsys)

    assert (status, err) == (0, "")
    job = ImportJob.objects.get()
    assert job.changes == [
        {"panel_id": panel.pk, "panel_name": panel.name, "version": panel.version, "created": False, "changed": False}
    ]
    assert Panel.objects.get(pk=panel.pk).version == panel.version


def test_the_download_of_a_panel_named_outside_ascii_imports_onto_that_panel(browser, curator, tmp_path, capsys):
    panel = make_panel(curator, name="Ménière disease \u2013 familial")
    add_gene(curator, panel, "BRCA1")
    panel.refresh_from_db()
    download = browser.get(f"/panels/{panel.pk}/download/01234/")
    assert "\tM ni re disease   familial\t" in download.content.decode()  # as upstream writes it

    imported("panels", download.content, tmp_path, capsys)

    assert list(Panel.objects.values_list("pk", flat=True)) == [panel.pk]
    assert Panel.objects.get(pk=panel.pk).version == panel.version


def test_a_reviews_file_names_a_panel_as_the_download_writes_it(curator):
    panel = make_panel(curator, name="Ménière disease")
    add_gene(curator, panel, "BRCA1")

    parsed = review_file.parse(reviews_file(review_row("BRCA1", "M ni re disease", "curator")).decode())

    assert [review["entity"].panel_id for review in parsed.reviews] == [panel.pk]


def test_upstream_s_download_imports_and_imports_again_unchanged(genes, tmp_path, capsys):
    imported("panels", fixture("upstream_download.tsv"), tmp_path, capsys)
    panel = Panel.objects.get(name="Inherited retinal disorders")
    assert entity_names(panel.name) == {"gene": {"RHO", "USH2A"}, "str": {"TCF4_FECD3"}}
    assert set(entity(panel.name, "RHO").evidence.values_list("name", flat=True)) == {
        "Expert Review Green", "Literature", "UKGTC"
    }  # fmt: skip

    imported("panels", fixture("upstream_download.tsv"), tmp_path, capsys)

    assert Panel.objects.get(pk=panel.pk).version == panel.version
    assert ImportJob.objects.latest("created_at").changes[0]["changed"] is False


def test_a_panel_the_file_creates_takes_its_description_and_codes_from_its_first_row(genes, tmp_path, capsys):
    imported("panels", fixture("upstream_panel_file.tsv"), tmp_path, capsys)

    kidney = Panel.objects.get(name=KIDNEY)
    assert kidney.description == "Kidney cysts in children and adults"
    assert (kidney.omim, kidney.orphanet, kidney.hpo) == (["173900", "613095"], ["ORPHA:730"], ["HP:0000113"])


def test_a_new_panel_s_bad_code_is_left_out_and_reported_its_good_codes_kept_and_the_rows_import(tmp_path, capsys):
    make_gene("BRCA1")
    content = make_panel_file(gene_row("BRCA1", Omim="asdf;173900", HPO="HP:12"))

    status, out, err = run_command("panels", content, tmp_path, capsys=capsys)

    assert (status, err) == (0, "")
    assert "row 2, column 'Omim': Incorrect OMIM number 'asdf'" in out
    assert "row 2, column 'HPO': Incorrect HPO term 'HP:12'" in out
    panel = Panel.objects.get(name="Imported panel")
    assert (panel.omim, panel.hpo) == (["173900"], [])
    assert panel.entities.filter(entity_name="BRCA1").exists()


def test_upstream_s_placeholder_codes_are_left_out_and_named_on_the_import_s_page_and_in_its_e_mail(
    browser, media, queues, worker, lambda_context, mailoutbox
):
    make_gene("BRCA1")
    make_gene("BRCA2")
    job = start_import(browser, media, "panels", fixture("upstream_placeholder_codes.tsv"))

    drain(queues, worker, lambda_context)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.SUCCEEDED, job.errors
    panel = Panel.objects.get(name=PLACEHOLDERS)
    assert (panel.omim, panel.orphanet, panel.hpo) == (["113705"], ["ORPHA:145"], ["HP:0003002"])
    assert entity_names(PLACEHOLDERS) == {"gene": {"BRCA1", "BRCA2"}}
    page = html.unescape(browser.get(reverse("imports:job", args=[job.pk])).content.decode())
    for reason in ("Incorrect OMIM number 'asdf'", "Incorrect OMIM number 'asdfasd'", "Incorrect Orphanet code 'adf'",
                 "Incorrect HPO term 'adf'", "Incorrect HPO term 'asdfjwo'"):  # fmt: skip
        assert reason in page and reason in mailoutbox[0].body
    assert page.count("Left out of the new panel") == 5


def test_the_codes_left_out_are_noted_up_to_a_limit_then_counted(curator):
    make_gene("BRCA1")
    bad_codes = ";".join(f"bad{number}" for number in range(panel_file.MAX_NOTES + 20))

    parsed = panel_file.parse(make_panel_file(gene_row("BRCA1", Omim=bad_codes)).decode())

    assert len(parsed.notes) == panel_file.MAX_NOTES + 1
    assert parsed.notes[-1] == "... and 20 more codes left out."


def test_an_existing_panel_keeps_its_codes_whatever_the_file_says(curator, tmp_path, capsys):
    panel = make_panel(curator, name="Existing panel")
    make_gene("BRCA1")

    imported("panels", make_panel_file(gene_row("BRCA1", panel.name, Omim="asdf", HPO="HP:0000001")), tmp_path, capsys)

    panel.refresh_from_db()
    assert (panel.omim, panel.hpo) == ([], [])
    assert panel.entities.filter(entity_name="BRCA1").exists()
