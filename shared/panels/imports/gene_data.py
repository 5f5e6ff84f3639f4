"""Writing gene reference data in bulk: one chunk of records, a constant number of queries.

Genes are reference data shared by every panel, not a panel's content, so
they are written here rather than through ``panels.services``; what a change
means for panels (a new version with the new ``gene_data``) is
``services.refresh_gene_data``, called once per panel when the whole file is in.
"""

from datetime import date
from typing import Any

from django.db.models import Q

from panels.imports.gene_file import GENE_FIELDS, match
from panels.models import Gene

DATE_FIELDS = {"hgnc_date_symbol_changed", "hgnc_release"}


def apply_gene_records(records: list[dict[str, Any]]) -> tuple[int, list[int]]:
    """Create and update the genes of ``records``; ``(created, ids of existing genes that changed)``.

    Three queries however many records: read the known genes, insert the
    new ones, upsert the changed ones.
    Records equal to what is stored write nothing.
    """
    ids = {r["hgnc_id"] for r in records if r.get("hgnc_id")}
    symbols = {r["hgnc_symbol"] for r in records} | {r["old_symbol"] for r in records if r.get("old_symbol")}
    known = list(Gene.objects.filter(Q(hgnc_id__in=ids) | Q(hgnc_symbol__in=symbols)))
    by_id = {gene.hgnc_id: gene for gene in known if gene.hgnc_id}
    by_symbol = {gene.hgnc_symbol: gene for gene in known}
    new, changed = [], {}
    for record in records:
        values = {key: _value(key, record[key]) for key in GENE_FIELDS if key in record}
        gene = match(record, by_id, by_symbol)
        if gene is None:
            new.append(Gene(hgnc_symbol=record["hgnc_symbol"], **values))
            continue
        if gene.hgnc_symbol != record["hgnc_symbol"]:
            # A renamed gene: the old symbol stays findable as an alias.
            alias = values.get("alias", list(gene.alias))
            values["alias"] = alias if gene.hgnc_symbol in alias else [*alias, gene.hgnc_symbol]
            values["hgnc_symbol"] = record["hgnc_symbol"]
        for key, value in values.items():
            if getattr(gene, key) != value:
                setattr(gene, key, value)
                changed[gene.pk] = gene
    Gene.objects.bulk_create(new)
    # An upsert on the primary key writes every changed row in one statement;
    # bulk_update's CASE per column and row costs seconds of SQL building per chunk.
    Gene.objects.bulk_create(
        changed.values(), update_conflicts=True, unique_fields=["id"], update_fields=["hgnc_symbol", *GENE_FIELDS]
    )
    return len(new), sorted(changed)


def _value(key: str, value: Any) -> Any:
    if key in DATE_FIELDS:
        return date.fromisoformat(value) if value else None
    return value
