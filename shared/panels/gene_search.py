"""Finding a loaded gene by what a curator types: the start of its symbol, an alias or previous symbol, or its HGNC id.

Gene reference data is imported (``panels.imports.gene_file``); a gene can be
added to a panel only once it is loaded. The API's lookup of a gene by name
(``api.v1.params``) and this search share ``genes_named``, so both find the
same gene for an old symbol. Every query here uses an index (the symbol's
unique index and its upper-case prefix index, the aliases' GIN index, the HGNC
id's index) and returns at most ``LIMIT`` rows: a search costs the same with
45,000 genes as with 40.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace

from django.db.models import Q, QuerySet
from django.db.models.functions import Upper

from panels.models import Entity, Gene
from panels.pages.common import HGNC_ID

# Enough to choose from while typing; a longer list means the curator should type more.
LIMIT = 20
# A query longer than any symbol, alias or id cannot match; it is refused before the database sees it.
MAX_QUERY_LENGTH = 64

MATCHED_SYMBOL = "symbol"
MATCHED_ALIAS = "alias"
MATCHED_HGNC_ID = "hgnc_id"


@dataclass(frozen=True)
class GeneMatch:
    """One gene found, and how: ``matched`` says which of its names the query was."""

    hgnc_symbol: str
    hgnc_id: str
    gene_name: str
    matched: str
    matched_name: str
    # Already a gene of the panel it would be added to: offered, but not to choose again.
    on_panel: bool = False

    def as_json(self) -> dict[str, str | bool]:
        return dict(self.__dict__)


def genes_named(names: Iterable[str]) -> QuerySet[Gene]:
    """Genes whose current symbol, or one of whose aliases (HGNC's previous symbols among them), is one of ``names``."""
    names = list(names)
    return Gene.objects.filter(Q(hgnc_symbol__in=names) | Q(alias__has_any_keys=names))


def normalised_hgnc_id(value: str) -> str | None:
    """``HGNC:583`` as HGNC writes it, from any case of the prefix; None if ``value`` is not an HGNC id."""
    return "HGNC:" + value[5:] if HGNC_ID.fullmatch(value) else None


def find_genes(query: str, *, limit: int = LIMIT) -> list[GeneMatch]:
    """Loaded genes for ``query``, best first: exact symbol, HGNC id, alias or previous symbol, then symbol prefix.

    At most two queries, each bounded by ``limit``. Case does not matter for
    the symbol's prefix; an alias is matched as typed or in capitals (as HGNC
    writes nearly all of them).
    """
    query = query.strip()
    if not query or len(query) > MAX_QUERY_LENGTH:
        return []
    hgnc_id = normalised_hgnc_id(query)
    if hgnc_id is not None:
        genes = Gene.objects.filter(hgnc_id=hgnc_id).order_by("hgnc_symbol")[:limit]
        return [_match(gene, MATCHED_HGNC_ID, gene.hgnc_id) for gene in genes]
    spellings = list(dict.fromkeys([query, query.upper()]))
    named = list(genes_named(spellings).only(*_COLUMNS).order_by("hgnc_symbol")[:limit])
    exact = [_match(gene, MATCHED_SYMBOL, gene.hgnc_symbol) for gene in named if gene.hgnc_symbol in spellings]
    by_alias = [
        _match(gene, MATCHED_ALIAS, _alias_of(gene, spellings)) for gene in named if gene.hgnc_symbol not in spellings
    ]
    found = {match.hgnc_symbol for match in exact + by_alias}
    prefixed = (
        Gene.objects.filter(hgnc_symbol__istartswith=query)
        .exclude(hgnc_symbol__in=found)
        .only(*_COLUMNS)
        .order_by(Upper("hgnc_symbol"), "hgnc_symbol")[:limit]
    )
    by_prefix = [_match(gene, MATCHED_SYMBOL, gene.hgnc_symbol) for gene in prefixed]
    return (exact + by_alias + by_prefix)[:limit]


def marked_on_panel(matches: list[GeneMatch], panels: QuerySet, panel_id: int) -> list[GeneMatch]:
    """``matches`` with those already on panel ``panel_id`` marked; one indexed query.

    ``panels`` are the panels the asker may read: of any other, nothing is told.
    """
    if not matches:
        return matches
    on_panel = set(
        Entity.objects.filter(
            panel__in=panels,
            panel_id=panel_id,
            entity_type=Entity.Type.GENE,
            entity_name__in=[match.hgnc_symbol for match in matches],
        ).values_list("entity_name", flat=True)
    )
    return [replace(match, on_panel=match.hgnc_symbol in on_panel) for match in matches]


def gene_data_loaded() -> bool:
    """Whether any gene reference data is loaded: without it no gene can be added to a panel."""
    return Gene.objects.exists()


_COLUMNS = ("hgnc_symbol", "hgnc_id", "gene_name", "alias")


def _alias_of(gene: Gene, spellings: list[str]) -> str:
    return next(alias for alias in gene.alias if alias in spellings)


def _match(gene: Gene, matched: str, matched_name: str) -> GeneMatch:
    return GeneMatch(gene.hgnc_symbol, gene.hgnc_id, gene.gene_name, matched, matched_name)
