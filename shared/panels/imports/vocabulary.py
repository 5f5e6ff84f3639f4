"""The controlled values of PanelApp's files, as upstream PanelApp accepts them."""

MODES_OF_INHERITANCE = frozenset(
    {
        "",
        "MONOALLELIC, autosomal or pseudoautosomal, NOT imprinted",
        "MONOALLELIC, autosomal or pseudoautosomal, maternally imprinted (paternal allele expressed)",
        "MONOALLELIC, autosomal or pseudoautosomal, paternally imprinted (maternal allele expressed)",
        "MONOALLELIC, autosomal or pseudoautosomal, imprinted status unknown",
        "BIALLELIC, autosomal or pseudoautosomal",
        "BOTH monoallelic and biallelic, autosomal or pseudoautosomal",
        "BOTH monoallelic and biallelic (but BIALLELIC mutations cause a more SEVERE disease form),"
        " autosomal or pseudoautosomal",
        "X-LINKED: hemizygous mutation in males, biallelic mutations in females",
        "X-LINKED: hemizygous mutation in males, monoallelic mutations in females may cause disease"
        " (may be less severe, later onset than males)",
        "MITOCHONDRIAL",
        "Unknown",
        "Other",
    }
)

# A review's rating as the reviews file writes it: the code or the label of the review form.
RATINGS = {
    "GREEN": "GREEN",
    "AMBER": "AMBER",
    "RED": "RED",
    "Green List (high evidence)": "GREEN",
    "I don't know": "AMBER",
    "Red List (low evidence)": "RED",
}

TRUE_WORDS = frozenset({"yes", "true", "1", "y"})
FALSE_WORDS = frozenset({"no", "false", "0", "n", ""})


def split_list(value: str, separator: str = ";") -> list[str]:
    """``"a; b;;a"`` to ``["a", "b"]``: trimmed, without blanks or repeats, in file order."""
    return list(dict.fromkeys(item.strip() for item in value.split(separator) if item.strip()))
