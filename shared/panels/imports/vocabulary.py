"""The controlled values of PanelApp's files, as upstream PanelApp accepts them."""

import re

from panels import vocabulary

# What upstream's importers keep of a gene symbol cell: a spreadsheet's stray
# space, non-breaking space or footnote mark ("BRCA1*") does not make a gene unknown.
_NOT_IN_A_SYMBOL = re.compile(r"[^0-9a-zA-Z~#_@-]")

# The modes of inheritance the curators' forms offer, or none.
MODES_OF_INHERITANCE = frozenset({"", *vocabulary.MODES_OF_INHERITANCE})

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


def gene_symbol(value: str) -> str:
    """A gene symbol cell as upstream reads it: every character a symbol cannot hold dropped."""
    return _NOT_IN_A_SYMBOL.sub("", value)
