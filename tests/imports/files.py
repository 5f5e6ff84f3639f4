"""Import files as curators make them: builders for each format, and the catalogue of bad files."""

import codecs
import json
from dataclasses import dataclass

from panels.imports.gene_file import HGNC_REQUIRED
from panels.imports.review_file import COLUMNS as REVIEW_COLUMNS
from panels.tsv import COLUMNS as PANEL_COLUMNS

MOI = "MONOALLELIC, autosomal or pseudoautosomal, NOT imprinted"
BIALLELIC = "BIALLELIC, autosomal or pseudoautosomal"
HGNC_COLUMNS = (
    "hgnc_id", "symbol", "name", "locus_group", "locus_type", "status", "location", "location_sortable",
    "alias_symbol", "alias_name", "prev_symbol", "prev_name", "gene_group", "gene_group_id",
    "date_approved_reserved", "date_symbol_changed", "date_name_changed", "date_modified", "entrez_id",
    "ensembl_gene_id", "vega_id", "ucsc_id", "ena", "refseq_accession", "ccds_id", "uniprot_ids", "pubmed_id",
    "mgd_id", "rgd_id", "lsdb", "cosmic", "omim_id", "mirbase",
)  # fmt: skip


def tsv(rows: list[list[str]]) -> bytes:
    return "".join("\t".join(row) + "\n" for row in rows).encode()


def gene_row(symbol: str, panel: str = "Imported panel", **values: str) -> dict[str, str]:
    row = dict.fromkeys(PANEL_COLUMNS, "")
    row.update(
        {
            "Entity Name": symbol,
            "Entity type": "gene",
            "Gene Symbol": symbol,
            "Sources(; separated)": "Literature;Expert Review Green",
            "Level4": panel,
            "Level3": "Sub group",
            "Level2": "Disease group",
            "Model_Of_Inheritance": MOI,
            "Phenotypes": f"{symbol} syndrome, 100000;Another phenotype",
            "Publications": "12345678",
        }
    )
    row.update(values)
    return row


def str_row(name: str = "HTT_HD", panel: str = "Imported panel", **values: str) -> dict[str, str]:
    return gene_row(
        name,
        panel,
        **{
            "Entity Name": name,
            "Entity type": "str",
            "Gene Symbol": "",
            "Position Chromosome": "4",
            "Position GRCh37 Start": "3076604",
            "Position GRCh37 End": "3076666",
            "Position GRCh38 Start": "3074877",
            "Position GRCh38 End": "3074939",
            "STR Repeated Sequence": "CAG",
            "STR Normal Repeats": "26",
            "STR Pathogenic Repeats": "40",
            **values,
        },
    )


def region_row(name: str = "ISCA-37446-Loss", panel: str = "Imported panel", **values: str) -> dict[str, str]:
    return gene_row(
        name,
        panel,
        **{
            "Entity Name": name,
            "Entity type": "region",
            "Gene Symbol": "",
            "Position Chromosome": "22",
            "Position GRCh37 Start": "18912231",
            "Position GRCh37 End": "21465672",
            "Position GRCh38 Start": "18924718",
            "Position GRCh38 End": "21111383",
            "Region Haploinsufficiency Score": "3",
            "Region Triplosensitivity Score": "1",
            "Region Required Overlap Percentage": "60",
            "Region Variant Type": "cnv_loss",
            "Region Verbose Name": "22q11.2 deletion syndrome",
            **values,
        },
    )


def panel_file(*rows: dict[str, str]) -> bytes:
    return tsv([list(PANEL_COLUMNS), *[[row[c] for c in PANEL_COLUMNS] for row in rows]])


def review_row(symbol: str, panel: str, username: str, **values: str) -> dict[str, str]:
    row = dict.fromkeys(REVIEW_COLUMNS, "")
    row.update(
        {
            "Gene_Symbol": symbol,
            "Level4": panel,
            "Model_Of_Inheritance": MOI,
            "Phenotypes": "Reviewed phenotype",
            "Publications": "87654321",
            "Rate": "GREEN",
            "Current Diagnostic": "TRUE",
            "Comments": "Strong evidence in three families.",
            "Username": username,
        }
    )
    row.update(values)
    return row


def reviews_file(*rows: dict[str, str]) -> bytes:
    return tsv([list(REVIEW_COLUMNS), *[[row[c] for c in REVIEW_COLUMNS] for row in rows]])


def hgnc_row(number: int, symbol: str, **values: str) -> dict[str, str]:
    row = dict.fromkeys(HGNC_COLUMNS, "")
    row.update(
        {
            "hgnc_id": f"HGNC:{number}",
            "symbol": symbol,
            "name": f"{symbol} protein",
            "locus_group": "protein-coding gene",
            "locus_type": "gene with protein product",
            "status": "Approved",
            "alias_symbol": f"{symbol}-A|{symbol}-B",
            "alias_name": "",
            "prev_symbol": "",
            "date_symbol_changed": "",
            "date_modified": "2024-06-01",
            "ensembl_gene_id": f"ENSG{number:011d}",
            "omim_id": str(100000 + number),
        }
    )
    row.update(values)
    return row


def hgnc_file(*rows: dict[str, str]) -> bytes:
    return tsv([list(HGNC_COLUMNS), *[[row[c] for c in HGNC_COLUMNS] for row in rows]])


def gene_json(*genes: dict) -> bytes:
    return json.dumps(list(genes)).encode()


@dataclass(frozen=True)
class BadFile:
    """A file a curator might send, and the report row it must get: (row, column, part of the message)."""

    case: str
    kind: str
    content: bytes
    row: int | None
    column: str
    message: str


def bad_files(*, two_panels_name: str, known_gene: str, curator: str) -> list[BadFile]:
    """Every bad-file case of the issue, for panel, review and gene files (the data they expect exists)."""
    good = gene_row(known_gene)
    header = list(PANEL_COLUMNS)
    wrong_header = [*header[:4], "Panel", *header[5:]]
    latin1 = panel_file(gene_row(known_gene, Phenotypes="Café au lait spots")).decode().encode("latin-1")
    review = review_row(known_gene, two_panels_name, curator)
    return [
        BadFile("wrong header", "panels", tsv([wrong_header, [good[c] for c in header]]), 1, "Level4", "not 'Panel'"),
        BadFile("missing header", "panels", tsv([[good[c] for c in header]]), 1, "", "must be the header"),
        BadFile("latin-1 encoding", "panels", latin1, 2, "", "Not UTF-8 (byte 0xE9)"),
        BadFile(
            "utf-16 encoding", "panels", codecs.BOM_UTF16_LE + panel_file(good).decode().encode("utf-16-le"),
            None, "", "UTF-16",
        ),
        BadFile("broken quoting", "panels", panel_file(gene_row(known_gene, Phenotypes='"Open" quote"')), 2, "",
                "Unreadable quoting"),
        BadFile("unknown gene symbol", "panels", panel_file(gene_row("NOPE1")), 2, "Gene Symbol",
                "Unknown gene symbol 'NOPE1'"),
        BadFile("unknown mode of inheritance", "panels",
                panel_file(gene_row(known_gene, Model_Of_Inheritance="Dominant")), 2, "Model_Of_Inheritance",
                "Unknown mode of inheritance 'Dominant'"),
        BadFile("panel name matching two panels", "panels", panel_file(gene_row(known_gene, panel=two_panels_name)),
                2, "Level4", "matches 2 panels"),
        BadFile("empty file", "panels", b"", None, "", "empty"),
        BadFile("header only", "panels", panel_file(), None, "", "no rows"),
        BadFile("unknown username", "reviews", reviews_file({**review, "Level4": "Imported panel",
                "Username": "nobody"}), 2, "Username", "Unknown username 'nobody'"),
        BadFile("reviews: unknown mode of inheritance", "reviews",
                reviews_file({**review, "Model_Of_Inheritance": "AD"}), 2, "Model_Of_Inheritance",
                "Unknown mode of inheritance 'AD'"),
        BadFile("reviews: panel name matching two panels", "reviews", reviews_file(review), 2, "Level4",
                "matches 2 panels"),
        BadFile("reviews: wrong header", "reviews", panel_file(good), 1, "Gene_Symbol", "must be 'Gene_Symbol'"),
        BadFile("genes: not HGNC's columns", "genes", panel_file(good), 1, ", ".join(HGNC_REQUIRED),
                "Missing HGNC column"),
        BadFile("genes: broken JSON", "genes", b'[{"gene_symbol": "X"', 1, "", "Not valid JSON"),
        BadFile("genes: wrong JSON field type", "genes", gene_json({"gene_symbol": "X1", "alias": "A"}), 1,
                "alias", "Must be a list"),
    ]  # fmt: skip


def synthetic_hgnc(rows: int, *, modified: str = "2024-06-01") -> bytes:
    """An HGNC complete set of ``rows`` approved genes, shaped like the real one (quoted pipe lists)."""
    lines = ["\t".join(HGNC_COLUMNS)]
    for n in range(1, rows + 1):
        row = hgnc_row(
            n,
            f"SYN{n}",
            name=f"synthetic gene {n} of the benchmark, a protein-coding locus",
            location=f"{n % 22 + 1}q{n % 40}.{n % 9}",
            location_sortable=f"{n % 22 + 1:02}q{n % 40}.{n % 9}",
            alias_symbol=f'"SYN{n}A|SYN{n}B"' if n % 3 else "",
            prev_symbol=f"OLD{n}" if n % 5 == 0 else "",
            gene_group="Synthetic families",
            gene_group_id=str(n % 1500),
            date_approved_reserved="2001-01-01",
            date_modified=modified,
            entrez_id=str(100000 + n),
            ucsc_id=f"uc{n:06}.1",
            refseq_accession=f"NM_{n:06}",
            ccds_id=f"CCDS{n}",
            uniprot_ids=f"Q{n:05}",
            pubmed_id=str(20000000 + n),
            mgd_id=f"MGI:{n}",
            rgd_id=f"RGD:{n}",
        )
        lines.append("\t".join(row[c] for c in HGNC_COLUMNS))
    return ("\n".join(lines) + "\n").encode()
