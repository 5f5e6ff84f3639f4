"""The controlled vocabularies of curation, worded exactly as upstream PanelApp words them.

Reviews, the curators' forms and file uploads all accept these values, so a
file or a link made for upstream PanelApp means the same thing here.
"""

MODES_OF_INHERITANCE = (
    "MONOALLELIC, autosomal or pseudoautosomal, NOT imprinted",
    "MONOALLELIC, autosomal or pseudoautosomal, maternally imprinted (paternal allele expressed)",
    "MONOALLELIC, autosomal or pseudoautosomal, paternally imprinted (maternal allele expressed)",
    "MONOALLELIC, autosomal or pseudoautosomal, imprinted status unknown",
    "BIALLELIC, autosomal or pseudoautosomal",
    "BOTH monoallelic and biallelic, autosomal or pseudoautosomal",
    "BOTH monoallelic and biallelic (but BIALLELIC mutations cause a more SEVERE disease form), "
    "autosomal or pseudoautosomal",
    "X-LINKED: hemizygous mutation in males, biallelic mutations in females",
    "X-LINKED: hemizygous mutation in males, monoallelic mutations in females may cause disease "
    "(may be less severe, later onset than males)",
    "MITOCHONDRIAL",
    "Unknown",
    "Other",
)

MODES_OF_PATHOGENICITY = (
    "Loss-of-function variants (as defined in pop up message) DO NOT cause this phenotype - "
    "please provide details in the comments",
    "Other - please provide details in the comments",
)


# Diagnostic laboratories' gene lists: each counts as one point of an entity's
# confidence until a curator rates it (``panels.services.confidence_level``).
HIGH_CONFIDENCE_EVIDENCE_SOURCES = (
    "Radboud University Medical Center, Nijmegen",
    "Illumina TruGenome Clinical Sequencing Services",
    "Emory Genetics Laboratory",
    "UKGTN",
)

EVIDENCE_SOURCES = (
    *HIGH_CONFIDENCE_EVIDENCE_SOURCES,
    "Other",
    "Expert list",
    "Expert Review",
    "Literature",
    "Eligibility statement prior genetic testing",
    "Research",
    "NHS GMS",
    "ClinGen",
)
"""Where the evidence for an entity comes from, as upstream PanelApp lists them to pick from (``Evidence.ALL_SOURCES``).

They are data, not labels: the API, downloads and upstream's files carry these
exact strings, and confidence counts the high-confidence ones by name. A
source not on the list may still be typed. A curator's rating is stored as an
evidence name too ("Expert Review Green", ...), but it is set by rating, never
picked as a source.
"""


def choices(values: tuple[str, ...], blank: str = "Not set") -> list[tuple[str, str]]:
    """Form choices with an empty first option."""
    return [("", blank), *((value, value) for value in values)]
