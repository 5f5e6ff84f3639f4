"""API v1's panels and entities in the WebServices' shapes, and the WebServices' short terms.

Everything here reads the dictionaries API v1 serves (``panels.representation``,
and so the stored versions), so both APIs say the same about a panel; only the
names and the wrapping differ.
"""

from collections.abc import Iterable
from typing import Any

from panels.vocabulary import MODES_OF_INHERITANCE, MODES_OF_PATHOGENICITY
from rest_framework.exceptions import NotFound

# The short terms of upstream's filters, for its long curated values.
MOI_TERMS = dict(
    zip(
        MODES_OF_INHERITANCE,
        (
            "monoallelic_not_imprinted",
            "monoallelic_maternally_imprinted",
            "monoallelic_paternally_imprinted",
            "monoallelic",
            "biallelic",
            "monoallelic_and_biallelic",
            "monoallelic_and_more_severe_biallelic",
            "xlinked_biallelic",
            "xlinked_monoallelic",
            "mitochondrial",
            "unknown",
            "other",
        ),
        strict=True,
    )
)
MOP_TERMS = dict(zip(MODES_OF_PATHOGENICITY, ("no_loss_of_function", "other"), strict=True))
# Upstream's earlier name for the first mode of pathogenicity, still found in old scripts.
MOP_ALIASES = {"loss_of_function": "no_loss_of_function"}
EVIDENCE_TERMS = {
    "Radboud University Medical Center, Nijmegen": "radboud_university_medical_center_nijmegen",
    "Illumina TruGenome Clinical Sequencing Services": "illumina_trugenome_clinical_sequencing_services",
    "Emory Genetics Laboratory": "emory_genetics_laboratory",
    "UKGTN": "ukgtn",
    "Other": "other",
    # Upstream's spelling of these two short terms, kept so its links keep filtering.
    "Expert list": "export_list",
    "Expert Review": "export_review",
    "Literature": "literature",
    "Eligibility statement prior genetic testing": "eligibility_statement_prior_genetic_testing",
    "Research": "research",
}
# LevelOfConfidence: confidence_level "3" (green) to "0" (no list), as upstream names them.
LEVELS = {"3": "HighEvidence", "2": "ModerateEvidence", "1": "LowEvidence", "0": "NoList"}
ENSEMBL_RELEASES = {"grch37": ("GRch37", "82"), "grch38": ("GRch38", "90")}


def short_moi(value: str | None) -> str | None:
    return MOI_TERMS.get(value, value) if value else None


def short_mop(value: str | None) -> str | None:
    return MOP_TERMS.get(value, value) if value else None


def long_terms(values: Iterable[str], terms: dict[str, str], aliases: dict[str, str] | None = None) -> list[str]:
    """A filter's short terms as the stored values (a value that is no short term is taken as it is)."""
    by_short = {short: full for full, short in terms.items()}
    aliases = aliases or {}
    return [by_short.get(aliases.get(value, value), value) for value in values]


def level(entity: dict[str, Any]) -> str:
    # Upstream's 4 (green and ready) is stored here as 3 with the ready flag.
    return LEVELS.get(str(min(int(entity["confidence_level"]), 3)), "LowEvidence")


def assembly(query: dict[str, str]) -> tuple[str, str]:
    """Which build's Ensembl id ``EnsembleGeneIds`` gives: ``assembly`` GRch37 (default) or GRch38."""
    value = query.get("assembly", "GRch37")
    if value.lower() not in ENSEMBL_RELEASES:
        # Upstream answers this one with a 404.
        raise NotFound("Unaccepted value for assembly, please use: GRch37 or GRch38")
    return ENSEMBL_RELEASES[value.lower()]


def _or_none(value: Any) -> Any:
    """Upstream's ``make_null``: an empty value (or a list of one empty string) is null."""
    return None if not value or value == [""] else value


def _ensembl_ids(entity: dict[str, Any], build: tuple[str, str]) -> list[str]:
    genes = (entity.get("gene_data") or {}).get("ensembl_genes") or {}
    ensembl_id = genes.get(build[0], {}).get(build[1], {}).get("ensembl_id")
    return [ensembl_id] if ensembl_id else []


def _symbol(entity: dict[str, Any]) -> str | None:
    return (entity.get("gene_data") or {}).get("gene_symbol")


def _common(entity: dict[str, Any], build: tuple[str, str]) -> dict[str, Any]:
    return {
        "GeneSymbol": _symbol(entity),
        "EnsembleGeneIds": _ensembl_ids(entity, build),
        "ModeOfInheritance": _or_none(short_moi(entity.get("mode_of_inheritance"))),
        "Penetrance": _or_none(entity.get("penetrance")),
        "Publications": _or_none(entity.get("publications")),
        "Phenotypes": _or_none(entity.get("phenotypes")),
    }


def gene(entity: dict[str, Any], build: tuple[str, str]) -> dict[str, Any]:
    """A gene of ``get_panel`` (and, with its panel added, of ``search_genes``)."""
    return {
        **_common(entity, build),
        "ModeOfPathogenicity": _or_none(entity.get("mode_of_pathogenicity")),
        "LevelOfConfidence": level(entity),
        "Evidences": list(entity.get("evidence", [])),
    }


def _located(entity: dict[str, Any]) -> dict[str, Any]:
    return {
        "Name": entity["entity_name"],
        "Chromosome": entity.get("chromosome"),
        "GRCh37Coordinates": entity.get("grch37_coordinates"),
        "GRCh38Coordinates": entity.get("grch38_coordinates"),
    }


def str_(entity: dict[str, Any], build: tuple[str, str]) -> dict[str, Any]:
    return {
        **_located(entity),
        "RepeatedSequence": entity.get("repeated_sequence"),
        "NormalRepeats": entity.get("normal_repeats"),
        "PathogenicRepeats": entity.get("pathogenic_repeats"),
        **_common(entity, build),
        "LevelOfConfidence": level(entity),
        "Evidences": list(entity.get("evidence", [])),
    }


def region(entity: dict[str, Any], build: tuple[str, str]) -> dict[str, Any]:
    common = _common(entity, build)
    return {
        "Name": entity["entity_name"],
        "VerboseName": entity.get("verbose_name"),
        "Chromosome": entity.get("chromosome"),
        "GRCh37Coordinates": entity.get("grch37_coordinates"),
        "GRCh38Coordinates": entity.get("grch38_coordinates"),
        "HaploinsufficiencyScore": entity.get("haploinsufficiency_score"),
        "TriplosensitivityScore": entity.get("triplosensitivity_score"),
        "RequiredOverlapPercentage": entity.get("required_overlap_percentage"),
        "GeneSymbol": common["GeneSymbol"],
        "EnsembleGeneIds": common["EnsembleGeneIds"],
        "ModeOfInheritance": common["ModeOfInheritance"],
        "Penetrance": common["Penetrance"],
        "TypeOfVariants": entity.get("type_of_variants"),
        "Publications": common["Publications"],
        "Phenotypes": common["Phenotypes"],
        "LevelOfConfidence": level(entity),
        "Evidences": list(entity.get("evidence", [])),
    }


def panel_id(panel: dict[str, Any]) -> str:
    """``Panel_Id``: the first generation's id where the panel has one, else its id as a string."""
    return panel.get("hash_id") or str(panel["id"])


def listed_panel(panel: dict[str, Any]) -> dict[str, Any]:
    """A panel of ``list_panels``, from API v1's panel summary."""
    return {
        "Name": panel["name"],
        "DiseaseSubGroup": panel["disease_sub_group"],
        "DiseaseGroup": panel["disease_group"],
        "CurrentVersion": panel["version"],
        "CurrentCreated": panel["version_created"],
        "Number_of_Genes": panel["stats"].get("number_of_genes"),
        "Number_of_STRs": panel["stats"].get("number_of_strs"),
        "Number_of_Regions": panel["stats"].get("number_of_regions"),
        "Panel_Id": panel_id(panel),
        "Relevant_disorders": [d for d in panel["relevant_disorders"] if d],
        "Status": panel["status"],
        "PanelTypes": [t["slug"] for t in panel["types"]],
    }


def entity_panel(panel: dict[str, Any]) -> dict[str, Any]:
    """The ``Panel`` of a ``list_entities`` entry."""
    listed = listed_panel(panel)
    return {
        key: listed[key]
        for key in (
            "Name",
            "DiseaseSubGroup",
            "DiseaseGroup",
            "CurrentVersion",
            "CurrentCreated",
            "Panel_Id",
            "Relevant_disorders",
            "Status",
        )
    }


def listed_entity(entity: dict[str, Any], build: tuple[str, str]) -> dict[str, Any]:
    """An entry of ``list_entities``: the fields every kind shares, then its own."""
    has_gene = entity.get("gene_data") is not None
    out = {
        "GeneSymbol": _symbol(entity),
        "EntityType": entity["entity_type"],
        "EnsembleGeneIds": _ensembl_ids(entity, build) if has_gene else None,
        "ModeOfInheritance": _or_none(short_moi(entity.get("mode_of_inheritance"))),
        "Penetrance": _or_none(entity.get("penetrance")),
        "Publications": _or_none(entity.get("publications")),
        "Phenotypes": _or_none(entity.get("phenotypes")),
        "LevelOfConfidence": level(entity),
        "Evidences": list(entity.get("evidence", [])),
        "Panel": entity_panel(entity["panel"]),
    }
    if entity["entity_type"] == "gene":
        out["ModeOfPathogenicity"] = _or_none(entity.get("mode_of_pathogenicity"))
    elif entity["entity_type"] == "str":
        out.update(_located(entity))
        out["RepeatedSequence"] = entity.get("repeated_sequence")
        out["NormalRepeats"] = entity.get("normal_repeats")
        out["PathogenicRepeats"] = entity.get("pathogenic_repeats")
    else:
        out.update(_located(entity))
        out["VerboseName"] = entity.get("verbose_name")
        out["HaploinsufficiencyScore"] = entity.get("haploinsufficiency_score")
        out["TriplosensitivityScore"] = entity.get("triplosensitivity_score")
        out["RequiredOverlapPercentage"] = entity.get("required_overlap_percentage")
    return out


def panel_result(data: dict[str, Any], entities: dict[str, list[dict[str, Any]]], build: tuple[str, str]) -> dict:
    """``get_panel``'s answer for a stored version (``data``) and its entities that passed the filters."""
    return {
        "result": {
            "Genes": [gene(e, build) for e in entities["genes"]],
            "STRs": [str_(e, build) for e in entities["strs"]],
            "Regions": [region(e, build) for e in entities["regions"]],
            "SpecificDiseaseName": data["name"],
            "version": data["version"],
            "Created": data["version_created"],
            "DiseaseGroup": data["disease_group"],
            "DiseaseSubGroup": data["disease_sub_group"],
            "Status": data["status"],
        }
    }
