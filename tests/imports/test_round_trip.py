"""A panel downloaded as TSV and uploaded again under a new name is the same panel: same entities, same fields.

Cells the downloads protect from spreadsheets' formulas (a leading ``'``) import back to what they were.
"""

import csv
import io
import json

import pytest
from panels import services
from panels.models import Panel
from panels.representation import panel_entities

from tests.imports.conftest import run_command
from tests.imports.files import gene_row, panel_file
from tests.panels.factories import add_gene, add_region, add_str, make_gene, make_panel

pytestmark = pytest.mark.django_db(transaction=True)


def renamed(tsv_text: str, name: str) -> bytes:
    """The downloaded file with its panel (Level4) renamed, as a curator copying a panel would."""
    rows = list(csv.reader(io.StringIO(tsv_text, newline=""), delimiter="\t"))
    level4 = rows[0].index("Level4")
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerows([rows[0], *[[*row[:level4], name, *row[level4 + 1 :]] for row in rows[1:]]])
    return out.getvalue().encode()


def entities_of(panel: Panel) -> dict:
    """The panel's entities as the API serves them; sources as a set, since a file lists them unordered by date."""
    entities = json.loads(json.dumps(panel_entities(panel, [])))
    for collection in entities.values():
        for entity in collection:
            entity["evidence"] = sorted(entity["evidence"])
    return entities


def test_a_downloaded_panel_uploaded_under_a_new_name_has_the_same_entities_and_fields(curator, tmp_path, capsys):
    from panels.tsv import panel_tsv  # the panel download (built beside this importer)

    original = make_panel(curator, name="Original panel")
    add_gene(curator, original, "BRCA1", sources=["Expert Review Green", "Literature"],
             phenotypes=["Breast-ovarian cancer, familial, 1, 604370", "Pancreatic cancer"],
             publications=["8091231", "25186627"], mode_of_pathogenicity="Other")  # fmt: skip
    add_gene(curator, original, "TP53", sources=["Radboud University Medical Center, Nijmegen"],
             mode_of_inheritance="BIALLELIC, autosomal or pseudoautosomal")  # fmt: skip
    add_str(curator, original, "HTT_HD", sources=["Expert Review Amber"])
    add_region(curator, original, "ISCA-37446-Loss")
    services.review_entity(curator, original.entities.get(entity_name="TP53"), rating="RED", comments="Weak")
    original.refresh_from_db()
    panel_data = json.loads(original.snapshots.order_by("-major_version", "-minor_version").first().data)

    status, _, err = run_command("panels", renamed(panel_tsv(panel_data), "Copied panel"), tmp_path, capsys=capsys)

    assert (status, err) == (0, "")
    copy = Panel.objects.get(name="Copied panel")
    assert entities_of(copy) == entities_of(original)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def protected(value: str) -> str:
    """A cell as the site's TSV writers write it: a ``'`` before a cell a spreadsheet would run as a formula,
    and before one that starts with quotes followed by such a character (so reading can undo it exactly)."""
    return "'" + value if value.lstrip("'").startswith(FORMULA_STARTS) else value


@pytest.mark.parametrize(
    "value", ["=SUM(A1)", "+44 20", "-", "@home", "'=quoted", "''+twice", "'plain", "plain", "'", "''", "a=b"]
)
def test_a_protected_cell_reads_back_as_it_was(value):
    from panels.imports.files import read_table

    table = read_table(f"Cell\tOther\n{protected(value)}\tx\n")

    assert list(table.rows) == [(2, [value, "x"])]


def test_a_file_written_with_protected_cells_imports_back_to_the_original_values(curator, tmp_path, capsys):
    make_gene("BRCA1")
    original = {
        "Level4": "=Panel named like a formula",
        "Level2": "+group",
        "Level3": "@sub group",
        "Phenotypes": "-dash phenotype;second",
        "Publications": "'=already quoted",
        "Mode of pathogenicity": "'plain quote",
    }
    row = gene_row("BRCA1", **original)
    content = panel_file({column: protected(value) for column, value in row.items()})
    assert b"'=Panel named like a formula\t" in content and b"\t''=already quoted\t" in content

    status, _, err = run_command("panels", content, tmp_path, capsys=capsys)

    assert (status, err) == (0, "")
    panel = Panel.objects.get(name="=Panel named like a formula")
    assert (panel.disease_group, panel.disease_sub_group) == ("+group", "@sub group")
    entity = panel.entities.get()
    assert entity.phenotypes == ["-dash phenotype", "second"]
    assert entity.publications == ["'=already quoted"]
    assert entity.mode_of_pathogenicity == "'plain quote"
