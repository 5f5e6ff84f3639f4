"""Links from an entity's page to the resources a reviewer reads beside it: Ensembl, ClinVar, ClinGen and the rest.

Built here, in one place, so every page links a gene the same way and a test
can check each address without rendering a page. A link is only made from
what the gene data or the entity holds: a gene without an HGNC id gets no
HGNC or ClinGen link rather than a guess.
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django import template

from panels.models import Entity, Gene

register = template.Library()

# Ensembl serves the current build (GRCh38) at www and keeps GRCh37 on a site of its own.
ENSEMBL_SITES = {"grch38": "https://www.ensembl.org", "grch37": "https://grch37.ensembl.org"}
BUILD_NAMES = {"grch38": "GRCh38", "grch37": "GRCh37"}


@dataclass(frozen=True)
class OutsideLink:
    """One link to another site: ``site`` names where it goes, ``text`` what is found there."""

    site: str
    text: str
    url: str


def ensembl_gene_url(build: str, ensembl_id: str) -> str:
    """The Ensembl page of a gene id in that build (upstream spells builds "GRch37", "GRch38"); "" if unknown."""
    site = ENSEMBL_SITES.get(build.lower())
    return f"{site}/Homo_sapiens/Gene/Summary?g={quote(ensembl_id)}" if site and ensembl_id else ""


def ensembl_location_url(build: str, chromosome: str, start: int | None, end: int | None) -> str:
    """The Ensembl view of a stretch of chromosome in that build; "" if the position is not known."""
    site = ENSEMBL_SITES.get(build.lower())
    if not site or not chromosome or start is None or end is None:
        return ""
    return f"{site}/Homo_sapiens/Location/View?r={quote(str(chromosome))}:{start}-{end}"


def latest_ensembl_ids(gene: Gene) -> dict[str, str]:
    """Build ("grch38", "grch37") -> the gene's Ensembl id in the newest release the gene data records."""
    ids = {}
    for build, releases in (gene.ensembl_genes or {}).items():
        by_release = {
            release: (data or {}).get("ensembl_id", "")
            for release, data in (releases or {}).items()
            if (data or {}).get("ensembl_id")
        }
        if by_release and build.lower() in ENSEMBL_SITES:
            newest = max(by_release, key=lambda release: (len(release), release))  # "100" after "90"
            ids[build.lower()] = by_release[newest]
    return ids


def gene_links(gene: Gene) -> list[OutsideLink]:
    """The gene on Ensembl (each build), OMIM, HGNC, ClinGen, ClinVar, Gene2Phenotype and DECIPHER."""
    symbol = quote(gene.hgnc_symbol)
    links = [
        OutsideLink("Ensembl", f"{gene.hgnc_symbol} ({BUILD_NAMES[build]}): {ensembl_id}", url)
        for build, ensembl_id in sorted(latest_ensembl_ids(gene).items(), reverse=True)
        if (url := ensembl_gene_url(build, ensembl_id))
    ]
    links += [
        OutsideLink("OMIM", f"gene {number}", f"https://omim.org/entry/{number}")
        for number in (str(value).strip() for value in gene.omim_gene or [])
        if number.isdigit()
    ]
    if gene.hgnc_id:
        hgnc_id = quote(gene.hgnc_id, safe=":")
        links.append(
            OutsideLink("HGNC", gene.hgnc_id, f"https://www.genenames.org/data/gene-symbol-report/#!/hgnc_id/{hgnc_id}")
        )
        links.append(
            OutsideLink(
                "ClinGen",
                f"curations of {gene.hgnc_symbol}",
                f"https://search.clinicalgenome.org/kb/genes/{hgnc_id}",
            )
        )
    links += [
        OutsideLink(
            "ClinVar",
            f"variants in {gene.hgnc_symbol}",
            f"https://www.ncbi.nlm.nih.gov/clinvar/?term={symbol}%5Bgene%5D",
        ),
        OutsideLink(
            "Gene2Phenotype",
            f"{gene.hgnc_symbol} and its disorders",
            f"https://www.ebi.ac.uk/gene2phenotype/search?query={symbol}",
        ),
        OutsideLink(
            "DECIPHER", f"{gene.hgnc_symbol} and its patients", f"https://www.deciphergenomics.org/gene/{symbol}"
        ),
    ]
    return links


def position_links(entity: Entity) -> list[OutsideLink]:
    """An STR's or region's stretch of chromosome on Ensembl (each build) and, for GRCh38, in DECIPHER's browser.

    A region named by its ClinGen dosage id (``ISCA-37446-Loss``) also links to that ClinGen record.
    """
    links = []
    positions = (
        ("grch38", entity.grch38_start, entity.grch38_end),
        ("grch37", entity.grch37_start, entity.grch37_end),
    )
    for build, start, end in positions:
        if url := ensembl_location_url(build, entity.chromosome, start, end):
            where = f"chr{entity.chromosome}:{start:,}-{end:,}"
            links.append(OutsideLink("Ensembl", f"{where} ({BUILD_NAMES[build]})", url))
    if entity.chromosome and entity.grch38_start is not None and entity.grch38_end is not None:
        where = f"{quote(str(entity.chromosome))}:{entity.grch38_start}-{entity.grch38_end}"
        links.append(
            OutsideLink(
                "DECIPHER",
                f"chr{entity.chromosome}:{entity.grch38_start:,}-{entity.grch38_end:,} (GRCh38)",
                f"https://www.deciphergenomics.org/browser#q/{where}",
            )
        )
    if entity.entity_type == Entity.Type.REGION and (isca := _clingen_dosage_id(entity.entity_name)):
        links.append(
            OutsideLink(
                "ClinGen",
                f"dosage sensitivity of {isca}",
                f"https://search.clinicalgenome.org/kb/gene-dosage/region/{isca}",
            )
        )
    return links


def _clingen_dosage_id(name: str) -> str:
    """``ISCA-37446`` from ``ISCA-37446-Loss``; "" when the name is not a ClinGen dosage id."""
    prefix, _, rest = name.partition("-")
    number = rest.split("-", 1)[0]
    return f"ISCA-{number}" if prefix.upper() == "ISCA" and number.isdigit() else ""


@register.inclusion_tag("panels/_outside_links.html")
def outside_links(gene: Gene | None = None, entity: Entity | None = None) -> dict[str, Any]:
    """The list of links for a gene's data and, for an STR or region, its position."""
    links = gene_links(gene) if gene is not None else []
    if entity is not None and entity.entity_type != Entity.Type.GENE:
        links = position_links(entity) + links
    return {"links": links}


@register.filter
def ensembl_url(build: str, ensembl_id: str) -> str:
    """``{{ row.build|ensembl_url:row.id }}``: the Ensembl page of that id in that build."""
    return ensembl_gene_url(build or "", ensembl_id or "")
