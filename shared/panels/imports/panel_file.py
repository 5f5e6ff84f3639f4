"""Upstream PanelApp's panel file: 36 tab-separated columns, one row per gene, STR or region.

The columns are those of a panel download (``panels.tsv.COLUMNS``), so a
downloaded panel uploads again unchanged. As upstream's importer, columns
are read by position: the header must be that layout, in the wording of any
upstream release (its own test files call both name columns ``Entity
Symbol``), and a row may stop early (a spreadsheet drops a row's trailing
empty cells; upstream writes gene rows without the STR and region columns).
``Level4`` names the panel: an existing panel of that name is updated,
otherwise one is created (internal, with ``Level2``/``Level3`` as disease
group and sub-group, and the first row's ``Description``, ``Omim``,
``Orphanet`` and ``HPO``, as upstream creates it). Upstream stores those
codes unchecked, and its own test files hold placeholders (``asdf``): here a
code that is not one is left out, never stored, and noted in the job's report
(``PanelFile.notes``), so such a file still imports with its good codes. A later row for an entity
already in the file updates it, as upstream's does. Derived columns
(``GEL_Status``, ratings, ``version``, ``ready``, Ensembl ids, HGNC) are
ignored: they come from the reviews and the gene data.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F, Func, Value

from panels import codes as disorder_codes
from panels.imports.checks import RowChecker
from panels.imports.files import ImportFailed, Lines, RowError, normalised, read_table
from panels.imports.vocabulary import MODES_OF_INHERITANCE, gene_symbol, split_list
from panels.models import Entity, Gene, Panel
from panels.tsv import COLUMNS

# Each column's wordings in upstream's releases where they differ from ``COLUMNS``: its downloads say
# "Entity Name" and "Gene Symbol", its own upload test files (2.3 to 3.1) "Entity Symbol" for both.
OTHER_WORDINGS = {0: ("Entity Symbol",), 2: ("Entity Symbol",)}
# Panel-level code lists (with ``Description``): upstream gives a panel it creates these from its first row.
PANEL_CODES = {"omim": "Omim", "orphanet": "Orphanet", "hpo": "HPO"}
ENTITY_TYPES = {"gene": Entity.Type.GENE, "str": Entity.Type.STR, "region": Entity.Type.REGION}
POSITION_COLUMNS = {
    "grch37_start": "Position GRCh37 Start",
    "grch37_end": "Position GRCh37 End",
    "grch38_start": "Position GRCh38 Start",
    "grch38_end": "Position GRCh38 End",
}
# What the TSV download writes as one space (``tsv.ascii_only``), as a PostgreSQL pattern.
NON_ASCII_RUN = "[^\u0001-\u007f]+"
STR_NUMBERS = {"normal_repeats": "STR Normal Repeats", "pathogenic_repeats": "STR Pathogenic Repeats"}
# Codes left out noted one by one in a job's report (page, e-mail, command); past this, a count.
MAX_NOTES = 100


@dataclass
class EntityRow:
    row: int
    entity_type: str
    entity_name: str
    gene_symbol: str
    sources: list[str]
    fields: dict[str, Any]


@dataclass
class PanelRows:
    """Everything the file says about one panel."""

    name: str
    first_row: int
    disease_group: str
    disease_sub_group: str
    codes: dict[str, Any]  # description and PANEL_CODES, for a panel the file creates
    entities: list[EntityRow] = field(default_factory=list)
    panel: Panel | None = None  # the existing panel of that name, once resolved


@dataclass
class PanelFile:
    panels: list[PanelRows]
    genes: dict[str, Gene]
    rows: int
    # What the import does not take as written (codes left out): at most MAX_NOTES lines and a count.
    notes: list[str] = field(default_factory=list)


def parse(source: str | Lines) -> PanelFile:
    """Check every row and resolve panels and genes; ``ImportFailed`` lists every problem (up to a limit).

    ``source`` is the file's text or its ``files.Lines``.
    """
    table = read_table(source)
    check = RowChecker(table.rows)
    _check_header(table.header, check)
    if check.errors:
        raise ImportFailed(check.errors)
    panels: dict[str, PanelRows] = {}
    # (panel, type, name) -> the entity's index in its panel's list, to update it from a later row.
    seen: dict[tuple[str, str, str], int] = {}
    for number, cells in table.rows:
        if len(cells) > len(COLUMNS):
            check.error(number, "", f"{len(cells)} columns; a panel file has {len(COLUMNS)}.")
            continue
        # Columns by position; a row that stops early has empty cells after its last.
        values = dict(zip(COLUMNS, [c.strip() for c in cells] + [""] * (len(COLUMNS) - len(cells)), strict=True))
        entity = _entity(number, values, check)
        name = values["Level4"]
        if not name:
            check.error(number, "Level4", "The panel name is empty.")
            continue
        check.fits(number, "Level4", Panel, "name", name)
        panel = panels.setdefault(name, _panel_rows(number, values))
        if entity is None:
            continue
        key = (name, entity.entity_type, entity.entity_name)
        if key in seen:
            earlier = panel.entities[seen[key]]
            entity.sources = list(dict.fromkeys([*earlier.sources, *entity.sources]))
            panel.entities[seen[key]] = entity
            continue
        seen[key] = len(panel.entities)
        panel.entities.append(entity)
    if not table.rows.read:
        check.error(None, "", "The file has a header but no rows.")
    genes = _resolve_genes(panels.values(), check)
    _resolve_panels(panels.values(), check)
    if check.errors:
        raise ImportFailed(check.errors)
    notes = _clean_codes(panels.values())
    return PanelFile(
        panels=sorted(panels.values(), key=lambda p: p.name), genes=genes, rows=table.rows.read, notes=notes
    )


def _panel_rows(number: int, values: dict[str, str]) -> PanelRows:
    codes: dict[str, Any] = {"description": values["Description"]}
    codes.update({kind: split_list(values[column]) for kind, column in PANEL_CODES.items()})
    return PanelRows(
        values["Level4"], number, disease_group=values["Level2"], disease_sub_group=values["Level3"], codes=codes
    )


def _check_header(header: list[str], check: RowChecker) -> None:
    found = [normalised(column) for column in header]
    if len(found) > 1 and found[1] in ENTITY_TYPES:
        check.error(1, "", "The first row must be the header (" + ", ".join(COLUMNS[:4]) + ", ...); it is data.")
        return
    if found[:2] == [normalised("Gene_Symbol"), normalised("Sources(; separated)")]:
        check.error(1, "", "This is a reviews file (or a panel file of PanelApp before 2.3); upload it as reviews.")
        return
    if found[1:3] == [normalised("Entity type"), normalised("Sources(; separated)")]:
        message = "A panel file of PanelApp before 2.3: add a 'Gene Symbol' column after 'Entity type'."
        check.error(1, "Gene Symbol", message)
        return
    for index, column in enumerate(COLUMNS):
        name = found[index] if index < len(found) else None
        wordings = {normalised(wording) for wording in (column, *OTHER_WORDINGS.get(index, ()))}
        if name is None:
            check.error(1, column, f"Missing column {column!r} (column {index + 1}).")
        elif name not in wordings:
            check.error(1, column, f"Column {index + 1} must be {column!r}, not {header[index]!r}.")
        if len(check.errors) >= 5:  # a different file altogether: the first few say enough
            break
    if len(found) > len(COLUMNS) and not check.errors:
        check.error(1, "", f"{len(found)} columns; a panel file has {len(COLUMNS)}.")


def _entity(number: int, values: dict[str, str], check: RowChecker) -> EntityRow | None:
    entity_type = ENTITY_TYPES.get(values["Entity type"].lower())
    if entity_type is None:
        check.error(number, "Entity type", f"Unknown entity type {values['Entity type']!r}: gene, str or region.")
        return None
    name = values["Entity Name"]
    symbol = gene_symbol(values["Gene Symbol"])
    if entity_type == Entity.Type.GENE:
        if not symbol:
            check.error(number, "Gene Symbol", "A gene row needs its gene symbol.")
        name = symbol
    elif not name:
        check.error(number, "Entity Name", f"A {entity_type} row needs its name.")
    check.fits(number, "Entity Name", Entity, "entity_name", name)
    moi = check.one_of(
        number, "Model_Of_Inheritance", values["Model_Of_Inheritance"], MODES_OF_INHERITANCE, "mode of inheritance"
    )
    fields: dict[str, Any] = {
        "mode_of_inheritance": moi,
        "mode_of_pathogenicity": values["Mode of pathogenicity"] or None,
        "phenotypes": split_list(values["Phenotypes"]),
        "publications": split_list(values["Publications"]),
    }
    check.fits(number, "Mode of pathogenicity", Entity, "mode_of_pathogenicity", values["Mode of pathogenicity"])
    if entity_type != Entity.Type.GENE:
        fields.update(_position(number, values, check))
    if entity_type == Entity.Type.STR:
        fields["repeated_sequence"] = check.fits(
            number, "STR Repeated Sequence", Entity, "repeated_sequence", values["STR Repeated Sequence"]
        )
        if not fields["repeated_sequence"]:
            check.error(number, "STR Repeated Sequence", "An STR needs its repeated sequence.")
        for key, column in STR_NUMBERS.items():
            fields[key] = check.integer(number, column, values[column])
    if entity_type == Entity.Type.REGION:
        for key, column in (
            ("verbose_name", "Region Verbose Name"),
            ("haploinsufficiency_score", "Region Haploinsufficiency Score"),
            ("triplosensitivity_score", "Region Triplosensitivity Score"),
            ("type_of_variants", "Region Variant Type"),
        ):
            fields[key] = check.fits(number, column, Entity, key, values[column])
        column = "Region Required Overlap Percentage"
        overlap = check.integer(number, column, values[column])
        if overlap is not None and overlap > 100:
            check.error(number, column, f"{overlap} is over 100.")
        fields["required_overlap_percentage"] = overlap
    # Returned even with errors, so the file-wide checks (genes, panels) report this row too.
    return EntityRow(number, entity_type, name, symbol, split_list(values["Sources(; separated)"]), fields)


def _position(number: int, values: dict[str, str], check: RowChecker) -> dict[str, Any]:
    chromosome = check.fits(number, "Position Chromosome", Entity, "chromosome", values["Position Chromosome"])
    if not chromosome:
        check.error(number, "Position Chromosome", "STRs and regions need their chromosome.")
    position = {"chromosome": chromosome}
    for key, column in POSITION_COLUMNS.items():
        position[key] = check.integer(number, column, values[column])
    for build in ("37", "38"):
        start, end = position[f"grch{build}_start"], position[f"grch{build}_end"]
        if (start is None) != (end is None):
            check.error(number, POSITION_COLUMNS[f"grch{build}_end"], f"GRCh{build} needs both start and end.")
        elif start is not None and start > end:
            check.error(number, POSITION_COLUMNS[f"grch{build}_end"], f"GRCh{build} end {end} is before start {start}.")
    if position["grch38_start"] is None:
        check.error(number, "Position GRCh38 Start", "STRs and regions need GRCh38 positions.")
    return position


def _resolve_genes(panels, check: RowChecker) -> dict[str, Gene]:
    wanted = {e.gene_symbol for panel in panels for e in panel.entities if e.gene_symbol}
    genes = {gene.hgnc_symbol: gene for gene in Gene.objects.filter(hgnc_symbol__in=wanted)}
    for panel in panels:
        for entity in panel.entities:
            if entity.gene_symbol and entity.gene_symbol not in genes:
                check.error(entity.row, "Gene Symbol", unknown_gene_message(entity.gene_symbol))
    return genes


def unknown_gene_message(symbol: str) -> str:
    """Say so, and name the current symbol when the file uses an old one or an alias."""
    current = []
    if connection.features.supports_json_field_contains:  # PostgreSQL; not the embedded SQLite
        current = list(Gene.objects.filter(alias__contains=[symbol]).values_list("hgnc_symbol", flat=True)[:3])
    hint = f" (an alias of {', '.join(current)})" if current else "; load its gene data first"
    return f"Unknown gene symbol {symbol!r}{hint}."


def panels_named(names: Iterable[str]) -> dict[str, list[Panel]]:
    """The panels (not deleted) each name in a file stands for, in id order; two queries at most.

    A name is a panel's own, or the panel's name as the TSV download writes it
    (each run of non-ASCII characters a space, upstream's ``remove_non_ascii``):
    a downloaded ``Ménière disease`` says ``M nière disease`` and still names its panel.
    """
    names = set(names)
    live = Panel.objects.exclude(status=Panel.Status.DELETED).order_by("pk")
    found: dict[str, list[Panel]] = {}
    for panel in live.filter(name__in=names):
        found.setdefault(panel.name, []).append(panel)
    # Only a name with a space can be one written ASCII-only; PostgreSQL rewrites the names as the download does.
    rest = [name for name in names - found.keys() if " " in name]
    if rest and connection.vendor == "postgresql":
        written = Func(F("name"), Value(NON_ASCII_RUN), Value(" "), Value("g"), function="regexp_replace")
        for panel in live.annotate(written=written).filter(written__in=rest):
            found.setdefault(panel.written, []).append(panel)
    return found


def _resolve_panels(panels, check: RowChecker) -> None:
    found = panels_named(panel.name for panel in panels)
    for rows in panels:
        matches = found.get(rows.name, [])
        if len(matches) > 1:
            ids = ", ".join(str(p.pk) for p in matches)
            check.error(rows.first_row, "Level4", f"{rows.name!r} matches {len(matches)} panels (ids {ids}).")
        elif matches:
            rows.panel = matches[0]
            if rows.panel.child_panels.exists():
                check.error(rows.first_row, "Level4", f"{rows.name!r} is a super panel: import into its children.")


def _clean_codes(panels) -> list[str]:
    """A panel the file creates takes its first row's codes, written as the site writes them; the notes on the rest.

    A code that is not one (upstream's own test files hold ``asdf``) is left
    out and noted, and the cell's good codes are kept: upstream stores such
    cells unchecked, and refusing its own files for them would help no one.
    An existing panel keeps its own codes, as upstream's importer leaves
    them: a download imported back changes nothing.
    """
    left_out: list[RowError] = []
    for rows in panels:
        if rows.panel is not None:
            continue
        for kind, column in PANEL_CODES.items():
            kept = []
            for value in rows.codes[kind]:
                try:
                    kept += disorder_codes.clean_codes(kind, [value])
                except ValidationError as error:
                    reason = " ".join(error.messages)
                    message = f"{reason} Left out of the new panel {rows.name!r}; its other codes are kept."
                    left_out.append(RowError(rows.first_row, column, message))
            rows.codes[kind] = list(dict.fromkeys(kept))
    notes = [str(note.shortened()) for note in left_out[:MAX_NOTES]]
    if len(left_out) > MAX_NOTES:
        notes.append(f"... and {len(left_out) - MAX_NOTES:,} more codes left out.")
    return notes
