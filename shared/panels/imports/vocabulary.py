"""The controlled values of PanelApp's files, as upstream PanelApp accepts them."""

from panels import vocabulary

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
