"""Gene reference data: HGNC's complete set (TSV) or upstream PanelApp's gene JSON.

Both become the same records (the ``Gene`` fields the API's ``gene_data``
serves). HGNC's file carries names, aliases, previous symbols, OMIM and
dates; biotype and Ensembl locations (GRCh37/GRCh38) come from the gene JSON,
so an HGNC import leaves them as they are. A gene is matched by HGNC id, then
by symbol: a new symbol for a known HGNC id is a rename, and the old symbol
stays as an alias.
"""

import itertools
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from panels.imports.checks import RowChecker
from panels.imports.files import ImportFailed, Lines, RowError, lines_of, read_table
from panels.models import Gene

HGNC_REQUIRED = ("hgnc_id", "symbol", "name", "status", "alias_symbol", "prev_symbol", "omim_id", "date_symbol_changed")
HGNC_OPTIONAL = ("alias_name", "prev_name", "date_modified")
# What the records may set; keys a format does not carry are left unchanged.
GENE_FIELDS = (
    "hgnc_id",
    "gene_name",
    "alias",
    "alias_name",
    "omim_gene",
    "biotype",
    "ensembl_genes",
    "hgnc_date_symbol_changed",
    "hgnc_release",
)
BUILDS = ("GRch37", "GRch38")


@dataclass
class GeneFile:
    records: list[dict[str, Any]]
    rows: int
    skipped: int = 0
    notes: list[str] = field(default_factory=list)


def parse(source: str | Lines, *, release: date | None = None) -> GeneFile:
    """HGNC TSV or gene JSON (chosen by the first character), checked against the genes already known.

    ``source`` is the file's text or its ``files.Lines``; HGNC's
    rows are checked as they are read, JSON is read whole.
    """
    lines = lines_of(source)
    blank = 0
    first = next(lines, "")
    while first and not first.strip():
        blank, first = blank + 1, next(lines, "")
    # Blank lines before the first text stay blank lines, so line numbers in reports hold.
    if first.lstrip()[:1] in ("[", "{"):
        parsed = _parse_json("\n" * blank + first + "".join(lines))
    else:
        lines.push_back(itertools.chain(itertools.repeat("\n", blank), [first]))
        parsed = _parse_hgnc(lines, release)
    check = RowChecker()
    _check_against_database(parsed.records, check)
    if check.errors:
        raise ImportFailed(check.errors)
    return parsed


# --- HGNC complete set -----------------------------------------------------------------


def _parse_hgnc(lines: Lines, release: date | None) -> GeneFile:
    table = read_table(lines)
    raw_header, table_rows = table.header, table.rows
    check = RowChecker(table_rows)
    header = [column.strip().lower() for column in raw_header]
    missing = [column for column in HGNC_REQUIRED if column not in header]
    if missing:
        if raw_header and raw_header[0].upper().startswith("HGNC:"):
            check.error(1, "", "The first row must be HGNC's header (hgnc_id, symbol, name, ...); it is data.")
        else:
            check.error(1, ", ".join(missing), "Missing HGNC column(s); expected HGNC's complete set (TSV).")
        raise ImportFailed(check.errors)
    position = {column: header.index(column) for column in (*HGNC_REQUIRED, *HGNC_OPTIONAL) if column in header}
    records, skipped, count, newest = [], 0, 0, date.min
    for number, cells in table_rows:
        count += 1
        if len(cells) > len(header):
            check.error(number, "", f"{len(cells)} columns; the header has {len(header)}.")
            continue
        # A row that stops early (a spreadsheet drops trailing empty cells) has empty cells after its last.
        values = {column: cells[index].strip() if index < len(cells) else "" for column, index in position.items()}
        if values["status"].lower() != "approved":
            skipped += 1  # withdrawn entries keep their symbol out of use
            continue
        newest = max(newest, _date(values.get("date_modified", "")) or date.min)
        # Checked as it is read, so a file of bad rows stops at the report's limit early.
        record = _hgnc_record(number, values, None, check)
        if record:
            records.append(record)
    if not count:
        check.error(None, "", "The file has a header but no rows.")
    if check.errors:
        raise ImportFailed(check.errors)
    # HGNC's set has no release date column: its newest modification stands for it, so
    # the same file always gives the same genes (and a rerun changes nothing).
    release = release or (None if newest == date.min else newest)
    for record in records:
        record["hgnc_release"] = _iso(release)
    return GeneFile(records=records, rows=count, skipped=skipped)


def _hgnc_record(number: int, values: dict[str, str], release: date | None, check: RowChecker) -> dict | None:
    symbol, hgnc_id = values["symbol"], values["hgnc_id"]
    if not symbol:
        check.error(number, "symbol", "Empty symbol.")
        return None
    if not hgnc_id.startswith("HGNC:"):
        check.error(number, "hgnc_id", f"{hgnc_id!r} is not an HGNC id (HGNC:<number>).")
        return None
    changed = values["date_symbol_changed"]
    if changed and _date(changed) is None:
        check.error(number, "date_symbol_changed", f"{changed!r} is not a date.")
        return None
    return {
        "row": number,
        "hgnc_symbol": symbol,
        "hgnc_id": hgnc_id,
        "gene_name": values["name"],
        "alias": _unique(_pipe(values["alias_symbol"]) + _pipe(values["prev_symbol"])),
        "alias_name": _unique(_pipe(values.get("alias_name", "")) + _pipe(values.get("prev_name", ""))),
        "omim_gene": _pipe(values["omim_id"]),
        "hgnc_date_symbol_changed": _iso(_date(changed)),
        "hgnc_release": _iso(release),
    }


def _pipe(value: str) -> list[str]:
    return [item.strip() for item in value.strip('"').split("|") if item.strip()]


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _date(value: str | None) -> date | None:
    """HGNC's ``2015-07-13`` (or ``...T00:00:00Z``), and upstream's odd ``13-07-15``."""
    if not value:
        return None
    for text, pattern in ((value[:10], "%Y-%m-%d"), (value, "%d-%m-%y")):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


# --- Upstream PanelApp's gene JSON --------------------------------------------------------


def _parse_json(text: str) -> GeneFile:
    """A list of gene objects, or upstream's ``{"insert": [...], "update": [...], "update_symbol": [...]}``."""
    check = RowChecker()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise _json_error(error) from None
    notes = []
    if isinstance(data, dict):
        unknown = sorted(set(data) - {"insert", "update", "update_symbol", "delete"})
        if unknown:
            check.error(None, ", ".join(unknown), "Unknown keys: expected insert, update, update_symbol, delete.")
            raise ImportFailed(check.errors)
        items = [(obj, None) for obj in (data.get("insert") or []) + (data.get("update") or [])]
        for pair in data.get("update_symbol") or []:
            if isinstance(pair, list) and len(pair) == 2:
                items.append((pair[0], pair[1]))
            else:
                items.append((pair, "?"))
        if data.get("delete"):
            kept = len(data["delete"])
            notes.append(f"{kept} gene(s) listed under 'delete' were kept: PanelApp never removes genes.")
    elif isinstance(data, list):
        items = [(obj, None) for obj in data]
    else:
        raise ImportFailed(_top_level_error())
    records = []
    for number, (obj, old_symbol) in enumerate(items, start=1):
        record = _json_record(number, obj, old_symbol, check)
        if record:
            records.append(record)
    if not items:
        check.error(None, "", "The file lists no genes.")
    if check.errors:
        raise ImportFailed(check.errors)
    return GeneFile(records=records, rows=len(items), notes=notes)


def _json_error(error: json.JSONDecodeError) -> ImportFailed:
    return ImportFailed([RowError(error.lineno, "", f"Not valid JSON: {error.msg} (line {error.lineno}).")])


def _top_level_error() -> list[RowError]:
    return [RowError(None, "", 'Expected a JSON list of genes or upstream\'s {"insert": [...], ...} object.')]


def _json_record(number: int, obj: Any, old_symbol: str | None, check: RowChecker) -> dict | None:
    if not isinstance(obj, dict):
        check.error(number, "", "Each gene must be a JSON object.")
        return None
    if old_symbol == "?":
        check.error(number, "update_symbol", "Each update_symbol entry is [gene object, old symbol].")
        return None
    symbol = obj.get("gene_symbol") or obj.get("hgnc_symbol")
    if not isinstance(symbol, str) or not symbol.strip():
        check.error(number, "gene_symbol", "Missing gene_symbol.")
        return None
    record: dict[str, Any] = {"row": number, "hgnc_symbol": symbol.strip()}
    if old_symbol:
        record["old_symbol"] = old_symbol
    for key in ("hgnc_id", "gene_name", "biotype"):
        if key in obj:
            if obj[key] is not None and not isinstance(obj[key], str):
                check.error(number, key, "Must be text.")
            record[key] = (obj[key] or "").strip()
    for key in ("alias", "alias_name", "omim_gene"):
        if key in obj:
            value = obj[key] or []
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                check.error(number, key, "Must be a list of text.")
                continue
            record[key] = value
    if "ensembl_genes" in obj:
        record["ensembl_genes"] = _ensembl(number, obj["ensembl_genes"], check)
    for key in ("hgnc_date_symbol_changed", "hgnc_release"):
        if obj.get(key):
            parsed = _date(obj[key]) if isinstance(obj[key], str) else None
            if parsed is None:
                check.error(number, key, f"{obj[key]!r} is not a date (YYYY-MM-DD).")
            record[key] = _iso(parsed)
        elif key in obj:
            record[key] = None
    return record


def _ensembl(number: int, value: Any, check: RowChecker) -> dict:
    """``{"GRch37": {"82": {"ensembl_id": ..., "location": ...}}, "GRch38": {...}}``, checked."""
    if not value:
        return {}
    if not isinstance(value, dict) or set(value) - set(BUILDS):
        check.error(number, "ensembl_genes", f"Must map {' and '.join(BUILDS)} to releases.")
        return {}
    for build, releases in value.items():
        if not isinstance(releases, dict) or not all(
            isinstance(data, dict) and isinstance(data.get("ensembl_id"), str) for data in releases.values()
        ):
            check.error(number, "ensembl_genes", f"{build}: each release needs an ensembl_id.")
    return value


# --- Against the genes PanelApp knows -------------------------------------------------------


def _check_against_database(records: list[dict[str, Any]], check: RowChecker) -> None:
    """Duplicates in the file, and renames onto a symbol another known gene holds."""
    by_symbol: dict[str, int] = {}
    by_id: dict[str, int] = {}
    for record in records:
        symbol, hgnc_id = record["hgnc_symbol"], record.get("hgnc_id")
        if symbol in by_symbol:
            check.error(record["row"], "symbol", f"{symbol} is already on row {by_symbol[symbol]}.")
        by_symbol.setdefault(symbol, record["row"])
        if hgnc_id:
            if hgnc_id in by_id:
                check.error(record["row"], "hgnc_id", f"{hgnc_id} is already on row {by_id[hgnc_id]}.")
            by_id.setdefault(hgnc_id, record["row"])
        if len(symbol) > Gene._meta.get_field("hgnc_symbol").max_length:
            check.error(record["row"], "symbol", "Too long for a gene symbol.")
    if check.errors:
        return
    known = list(Gene.objects.values_list("pk", "hgnc_id", "hgnc_symbol"))
    pk_by_id = {hgnc_id: pk for pk, hgnc_id, _ in known if hgnc_id}
    pk_by_symbol = {symbol: pk for pk, _, symbol in known}
    for record in records:
        target = match(record, pk_by_id, pk_by_symbol)
        holder = pk_by_symbol.get(record["hgnc_symbol"])
        if target is not None and holder is not None and holder != target:
            check.error(
                record["row"],
                "symbol",
                f"{record['hgnc_symbol']} belongs to another gene in PanelApp; rename that one first.",
            )


def match(record: dict[str, Any], by_id: dict[str, Any], by_symbol: dict[str, Any]):
    """The known gene a record describes: by HGNC id, else by its old symbol, else by its symbol."""
    hgnc_id = record.get("hgnc_id")
    if hgnc_id and hgnc_id in by_id:
        return by_id[hgnc_id]
    if record.get("old_symbol") in by_symbol:
        return by_symbol[record["old_symbol"]]
    return by_symbol.get(record["hgnc_symbol"])
