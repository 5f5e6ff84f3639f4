"""Upstream PanelApp's panel TSV format: the columns of a panel download and of a panel upload.

Byte-compatible with upstream so files round-trip between the two systems:
the same 36 columns in the same order, tab-separated by Python's ``csv``
writer (``\\r\\n`` line ends, quotes only where a value needs them), lists
joined with ``;``, non-ASCII runs in names, phenotypes and publications
replaced by a space, and the same placeholder (``-`` for a gene's missing
Ensembl id).

One difference: a cell a spreadsheet would read as a formula is written with
a leading ``'`` (``neutralise_cell``), so a reviewer's phenotype
``=HYPERLINK(...)`` opens as text. The rule looks at the first character
only, so the ``-`` placeholder is written ``'-`` too. Every CSV and TSV the
site serves is written through ``delimited_lines`` and so through that rule;
the importers undo it.

Everything is written from a snapshot's API JSON (``HistoricalSnapshot.data``),
so any version downloads exactly as it was published. The panel's codes
(``Omim``, ``Orphanet``, ``HPO``) and ``Description`` come from the version's
own panel object, so an old version downloads with the codes it had (none, for
versions stored before panels kept them); upstream leaves ``Description``
empty, here it carries the panel's description on one line. The one live value,
reviewers' ratings (``UserRatings_Green_amber_red``), is passed in by the caller
for the current version; an old version leaves it empty, as upstream does. The
curators' marks ``ready`` and ``Flagged`` are live too (``panels.flags``: not in
the API, so not in a version's JSON): ``True`` or ``False`` for the current
version, empty for an old one.
"""

import csv
import re
from collections.abc import Iterable, Iterator, Mapping
from itertools import chain
from typing import Any, NamedTuple

COLUMNS = (
    "Entity Name",
    "Entity type",
    "Gene Symbol",
    "Sources(; separated)",
    "Level4",
    "Level3",
    "Level2",
    "Model_Of_Inheritance",
    "Phenotypes",
    "Omim",
    "Orphanet",
    "HPO",
    "Publications",
    "Description",
    "Flagged",
    "GEL_Status",
    "UserRatings_Green_amber_red",
    "version",
    "ready",
    "Mode of pathogenicity",
    "EnsemblId(GRch37)",
    "EnsemblId(GRch38)",
    "HGNC",
    "Position Chromosome",
    "Position GRCh37 Start",
    "Position GRCh37 End",
    "Position GRCh38 Start",
    "Position GRCh38 End",
    "STR Repeated Sequence",
    "STR Normal Repeats",
    "STR Pathogenic Repeats",
    "Region Haploinsufficiency Score",
    "Region Triplosensitivity Score",
    "Region Required Overlap Percentage",
    "Region Variant Type",
    "Region Verbose Name",
)

# The digits of a download URL: each selects the entities at that confidence
# level (0 no list, 1 red, 2 amber, 3 green). 4 is the green of PanelApp's first
# generation; upstream still accepts it and it selects nothing.
CATEGORY_DIGITS = frozenset("01234")
WHOLE_PANEL = "01234"
# The Ensembl releases upstream reads gene ids from.
ENSEMBL_RELEASES = {"GRch37": "82", "GRch38": "90"}
CONTENT_TYPE = "text/tab-separated-values; charset=utf-8"

# The panel's code lists in the order of their columns.
CODE_FIELDS = ("omim", "orphanet", "hpo")


class PanelColumns(NamedTuple):
    omim: str
    orphanet: str
    hpo: str
    description: str


# (panel id, entity type, entity name) -> (green, amber, red) review counts.
Ratings = Mapping[tuple[int, str, str], tuple[int, int, int]]
# (panel id, entity type, entity name) -> (ready, flagged), for the entities with either mark.
Marks = Mapping[tuple[int, str, str], tuple[bool, bool]]

_NON_ASCII = re.compile(r"[^\x00-\x7F]+")


# What starts a formula in Excel, LibreOffice or Google Sheets (OWASP, "CSV Injection").
FORMULA_TRIGGERS = frozenset("=+-@\t\r")


PLACEHOLDER = "-"


def neutralise_cell(value: str) -> str:
    """The cell as written to a file: with one more leading ``'`` if a spreadsheet would run it.

    A cell starting with ``= + - @``, a tab or a carriage return gets a ``'``
    in front, which spreadsheets show as text. So does a cell that starts with
    ``'`` characters followed by one of those, so that the reading side can
    undo the rule exactly: a cell starting with one or more ``'`` followed by a
    trigger loses its first ``'``; any other cell is read as it is.

    A lone ``-`` is left alone: it is upstream's placeholder for "none" (no
    Ensembl id, no super panel), which pipelines compare against, and no
    spreadsheet runs it.
    """
    if value == PLACEHOLDER:
        return value
    if value.lstrip("'")[:1] in FORMULA_TRIGGERS:
        return "'" + value
    return value


def neutralise_row(row: Iterable[Any]) -> list[str]:
    """Each cell as ``csv.writer`` would write it (``None`` empty, others by ``str``), then neutralised."""
    return [neutralise_cell("" if cell is None else str(cell)) for cell in row]


def valid_categories(categories: str) -> bool:
    """A non-empty string of the digits 0 to 4, at most five long (``34`` green, ``01234`` all)."""
    return 0 < len(categories) <= len(CATEGORY_DIGITS) and set(categories) <= CATEGORY_DIGITS


def ascii_only(text: str) -> str:
    """Upstream's ``remove_non_ascii``: each run of non-ASCII characters becomes one space."""
    return _NON_ASCII.sub(" ", text)


def rating_percentages(green: int, amber: int, red: int) -> str:
    """``green;amber;red`` as whole percentages of the reviews (``0;0;0`` without any)."""
    total = green + amber + red
    if not total:
        return "0;0;0"
    return ";".join(str(round(count * 100.0 / total)) for count in (green, amber, red))


class _Line:
    """A file-like target that hands back what ``csv.writer`` writes: one line per row."""

    def write(self, text: str) -> str:
        return text


def delimited_lines(rows: Iterable[Iterable[Any]], *, delimiter: str) -> Iterator[str]:
    """Each row (the header too) as one line of a CSV or TSV file, every cell through ``neutralise_cell``.

    The one writer of every file the site serves, so no download can skip the rule.
    """
    writer = csv.writer(_Line(), delimiter=delimiter)
    return (writer.writerow(neutralise_row(row)) for row in rows)


def tsv_lines(rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """Each row (the header too) as one line, as upstream's ``csv.writer(delimiter="\\t")`` writes it."""
    return delimited_lines(rows, delimiter="\t")


def panel_rows(
    panel_data: dict[str, Any],
    categories: str = WHOLE_PANEL,
    *,
    ratings: Ratings | None = None,
    marks: Marks | None = None,
):
    """One row per gene, then STR, then region at the requested confidence levels, greenest first.

    Within a level the API's order (by entity name) is kept, as upstream sorts
    by level and then name. A super panel's entities carry the child panel
    they come from; the panel columns name the super panel, as upstream's do.
    """
    columns = panel_columns(panel_data)
    for collection in ("genes", "strs", "regions"):
        entities = [e for e in panel_data.get(collection, ()) if str(e["confidence_level"]) in categories]
        for entity in sorted(entities, key=lambda e: -int(e["confidence_level"])):
            yield _row(panel_data, entity, ratings, columns, marks)


def panel_tsv_lines(
    panel_data: dict[str, Any],
    categories: str = WHOLE_PANEL,
    *,
    ratings: Ratings | None = None,
    marks: Marks | None = None,
) -> Iterator[str]:
    return tsv_lines(chain([COLUMNS], panel_rows(panel_data, categories, ratings=ratings, marks=marks)))


def panel_tsv(
    panel_data: dict[str, Any],
    categories: str = WHOLE_PANEL,
    *,
    ratings: Ratings | None = None,
    marks: Marks | None = None,
) -> str:
    """The whole file for one panel version (``panel_data`` is its API JSON); live values given for the current."""
    return "".join(panel_tsv_lines(panel_data, categories, ratings=ratings, marks=marks))


def ensembl_id(gene_data: dict[str, Any] | None, assembly: str, *, missing: str = "-") -> str:
    """The gene's Ensembl id on one assembly at upstream's release, ``-`` when unknown."""
    if not gene_data:
        return ""
    releases = (gene_data.get("ensembl_genes") or {}).get(assembly) or {}
    return (releases.get(ENSEMBL_RELEASES[assembly]) or {}).get("ensembl_id", missing)


def panel_columns(panel: dict[str, Any]) -> PanelColumns:
    """The panel's ``Omim``, ``Orphanet``, ``HPO`` and ``Description`` cells, the same on every row.

    Codes are joined with ``;`` as upstream joins them. The description is
    one line (a file read line by line must not break inside a cell), ASCII
    as the other text columns. A version stored before panels kept them has
    none: the cells are empty.
    """
    omim, orphanet, hpo = (";".join(ascii_only(code) for code in panel.get(field) or ()) for field in CODE_FIELDS)
    return PanelColumns(omim, orphanet, hpo, ascii_only(" ".join((panel.get("description") or "").split())))


def _row(
    panel: dict[str, Any],
    entity: dict[str, Any],
    ratings: Ratings | None,
    columns: PanelColumns,
    marks: Marks | None,
) -> tuple[Any, ...]:
    kind = entity["entity_type"]
    is_gene = kind == "gene"
    gene_data = entity.get("gene_data") or None
    sources = [name for name in entity.get("evidence", ()) if name]
    if is_gene:
        sources = sorted(set(sources))  # upstream aggregates a gene's sources distinct (and so sorted)
    key = ((entity.get("panel") or panel)["id"], kind, entity["entity_name"])
    user_ratings = "" if ratings is None else rating_percentages(*ratings.get(key, (0, 0, 0)))
    # Upstream writes Python's True and False; an old version's marks are not known.
    ready, flagged = ("", "") if marks is None else (str(mark) for mark in marks.get(key, (False, False)))
    position: tuple[Any, ...] = ("",) * 5
    if not is_gene:
        grch37 = entity.get("grch37_coordinates") or ("", "")
        grch38 = entity.get("grch38_coordinates") or ("", "")
        position = (entity.get("chromosome", ""), grch37[0], grch37[1], grch38[0], grch38[1])
    str_columns: tuple[Any, ...] = ("",) * 3
    if kind == "str":
        str_columns = (entity["repeated_sequence"], entity["normal_repeats"], entity["pathogenic_repeats"])
    region_columns: tuple[Any, ...] = ("",) * 5
    if kind == "region":
        region_columns = (
            entity["haploinsufficiency_score"],
            entity["triplosensitivity_score"],
            entity["required_overlap_percentage"],
            entity["type_of_variants"],
            entity["verbose_name"],
        )
    return (
        entity["entity_name"],
        kind,
        (gene_data or {}).get("gene_symbol", ""),
        ";".join(sources),
        ascii_only(panel["name"]),
        panel["disease_sub_group"],
        panel["disease_group"],
        entity["mode_of_inheritance"],
        ";".join(ascii_only(p) for p in entity.get("phenotypes", ())),
        columns.omim,
        columns.orphanet,
        columns.hpo,
        ";".join(ascii_only(p) for p in entity.get("publications", ())),
        columns.description,
        flagged,
        str(entity["confidence_level"]),
        user_ratings,
        panel["version"],
        ready,
        (entity.get("mode_of_pathogenicity") or "") if is_gene else "",
        ensembl_id(gene_data, "GRch37"),
        ensembl_id(gene_data, "GRch38"),
        (gene_data or {}).get("hgnc_id", "-") if gene_data else "",
        *position,
        *str_columns,
        *region_columns,
    )
