"""Upstream PanelApp's reviews file: 22 tab-separated columns, one review of a gene on a panel per row.

``Level4`` names the panel, ``Gene_Symbol`` the gene on it and ``Username``
the reviewer (an existing account). ``Rate`` is GREEN, AMBER or RED (or the
review form's labels), or empty for a review without a rating, as upstream
3.1 takes it; a curator's rating is a decision and moves the gene's
confidence level, anyone else's is an opinion, as on the site.

As upstream's importer, columns are read by position and a row may stop
early (a spreadsheet drops trailing empty cells); the gene symbol keeps only
the characters a symbol can hold, and the gene is found on the panel by its
symbol, whatever the entity is called there.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q

from panels.imports.checks import RowChecker
from panels.imports.files import ImportFailed, Lines, normalised, read_table
from panels.imports.panel_file import panels_named, unknown_gene_message
from panels.imports.vocabulary import FALSE_WORDS, MODES_OF_INHERITANCE, RATINGS, TRUE_WORDS, gene_symbol, split_list
from panels.models import Entity, Evaluation, Gene, Panel

COLUMNS = (
    "Gene_Symbol",
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
    "Rate",
    "Current Diagnostic",
    "Comments",
    "Username",
)


@dataclass
class ReviewRow:
    row: int
    panel_name: str
    gene_symbol: str
    username: str
    values: dict[str, Any]


@dataclass
class ReviewFile:
    reviews: list[dict[str, Any]]  # ready for services.import_reviews
    panels: list[Panel]
    rows: int


def parse(source: str | Lines) -> ReviewFile:
    """Check every row and resolve panels, genes and users; ``ImportFailed`` lists every problem (up to a limit).

    ``source`` is the file's text or its ``files.Lines``.
    """
    table = read_table(source)
    check = RowChecker(table.rows)
    found = [normalised(c) for c in table.header]
    if len(found) > 18 and table.header[18].strip() in RATINGS:
        check.error(1, "", "The first row must be the header (" + ", ".join(COLUMNS[:3]) + ", ...); it is data.")
        raise ImportFailed(check.errors)
    for index, column in enumerate(COLUMNS):
        if index >= len(found):
            check.error(1, column, f"Missing column {column!r} (column {index + 1}).")
        elif found[index] != normalised(column):
            check.error(1, column, f"Column {index + 1} must be {column!r}, not {table.header[index]!r}.")
        if len(check.errors) >= 5:  # a different file altogether: the first few say enough
            break
    if check.errors:
        raise ImportFailed(check.errors)
    rows = []
    for number, cells in table.rows:
        if len(cells) > len(COLUMNS):
            check.error(number, "", f"{len(cells)} columns; a reviews file has {len(COLUMNS)}.")
            continue
        # Columns by position; a row that stops early has empty cells after its last.
        cells = [c.strip() for c in cells] + [""] * (len(COLUMNS) - len(cells))
        rows.append(_row(number, dict(zip(COLUMNS, cells, strict=True)), check))
    if not table.rows.read:
        check.error(None, "", "The file has a header but no rows.")
    reviews, panels = _resolve(rows, check)
    if check.errors:
        raise ImportFailed(check.errors)
    return ReviewFile(reviews=reviews, panels=panels, rows=table.rows.read)


def _row(number: int, values: dict[str, str], check: RowChecker) -> ReviewRow:
    values["Gene_Symbol"] = gene_symbol(values["Gene_Symbol"])
    for column in ("Gene_Symbol", "Level4", "Username"):
        if not values[column]:
            check.error(number, column, "Empty; every review names its gene, panel and reviewer.")
    rating = RATINGS.get(values["Rate"], "") if values["Rate"] else ""
    if values["Rate"] and not rating:
        check.error(number, "Rate", f"Unknown rating {values['Rate']!r}: GREEN, AMBER, RED or empty.")
    moi = check.one_of(
        number, "Model_Of_Inheritance", values["Model_Of_Inheritance"], MODES_OF_INHERITANCE, "mode of inheritance"
    )
    diagnostic = values["Current Diagnostic"].lower()
    if diagnostic not in TRUE_WORDS | FALSE_WORDS:
        check.error(number, "Current Diagnostic", f"{values['Current Diagnostic']!r} is not yes or no.")
    check.fits(number, "Mode of pathogenicity", Evaluation, "mode_of_pathogenicity", values["Mode of pathogenicity"])
    # Returned even with errors, so the file-wide checks (users, panels, genes) report this row too.
    return ReviewRow(
        number,
        values["Level4"],
        values["Gene_Symbol"],
        values["Username"],
        {
            "rating": rating,
            "mode_of_inheritance": moi,
            "mode_of_pathogenicity": values["Mode of pathogenicity"] or None,
            "phenotypes": split_list(values["Phenotypes"]),
            "publications": split_list(values["Publications"]),
            "current_diagnostic": diagnostic in TRUE_WORDS,
            "comments": values["Comments"],
        },
    )


def _resolve(rows: list[ReviewRow], check: RowChecker) -> tuple[list[dict[str, Any]], list[Panel]]:
    """Panels, genes on them and reviewers, each found in one query."""
    panels = panels_named(r.panel_name for r in rows)
    users = {
        u.get_username(): u
        for u in get_user_model()
        .objects.select_related("reviewer")
        .filter(**{f"{get_user_model().USERNAME_FIELD}__in": {r.username for r in rows}})
    }
    symbols = {r.gene_symbol for r in rows}
    entities: dict[tuple[int, str], Entity] = {}
    # By the gene's symbol, as upstream finds it; by the entity's name too, which is the symbol
    # unless the gene was renamed after the panel already had the new symbol.
    for e in Entity.objects.filter(
        Q(entity_name__in=symbols) | Q(gene__hgnc_symbol__in=symbols),
        panel__in=[p for found in panels.values() for p in found],
        entity_type=Entity.Type.GENE,
    ).select_related("gene"):
        entities.setdefault((e.panel_id, e.gene.hgnc_symbol if e.gene else e.entity_name), e)
        entities.setdefault((e.panel_id, e.entity_name), e)
    known_genes = set(Gene.objects.filter(hgnc_symbol__in=symbols).values_list("hgnc_symbol", flat=True))
    reviews, used = [], {}
    seen: dict[tuple[int, int], int] = {}
    for r in rows:
        matches = panels.get(r.panel_name, [])
        user = users.get(r.username)
        if user is None:
            check.error(r.row, "Username", f"Unknown username {r.username!r}.")
        if not matches:
            check.error(r.row, "Level4", f"No panel is named {r.panel_name!r}.")
            continue
        if len(matches) > 1:
            ids = ", ".join(str(p.pk) for p in matches)
            check.error(r.row, "Level4", f"{r.panel_name!r} matches {len(matches)} panels (ids {ids}).")
            continue
        panel = matches[0]
        entity = entities.get((panel.pk, r.gene_symbol))
        if r.gene_symbol not in known_genes:
            check.error(r.row, "Gene_Symbol", unknown_gene_message(r.gene_symbol))
            continue
        if entity is None:
            check.error(r.row, "Gene_Symbol", f"{r.gene_symbol} is not on panel {panel.name!r}.")
            continue
        if user is None:
            continue
        if (entity.pk, user.pk) in seen:
            earlier = seen[entity.pk, user.pk]
            check.error(r.row, "Username", f"{r.username} already reviews {r.gene_symbol} on row {earlier}.")
            continue
        seen[entity.pk, user.pk] = r.row
        used[panel.pk] = panel
        reviews.append({"entity": entity, "user": user, **r.values})
    return reviews, list(used.values())
