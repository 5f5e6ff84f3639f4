"""Publications as the site takes them: PubMed ids, stored as their digits.

A reviewer or curator types one id per line, with or without upstream's
``PMID:`` prefix; ``PMID: 8358429`` and ``8358429`` are the same paper and
are stored once, as ``8358429``. Files imported from upstream PanelApp keep
their publications as written (some are citations, not ids), and an entity
may still hold such entries: an edit keeps those it already has, so nobody
must delete history to change something else.
"""

import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError

# Digits, optionally after "PMID" (any case) and a colon or spaces; PubMed ids have at most 9 digits today.
PUBMED_ID = re.compile(r"(?:PMID\s*:?\s*)?([0-9]{1,9})", re.IGNORECASE)


def pubmed_id(text: str) -> str | None:
    """The PubMed id ``text`` names (its digits), else None."""
    match = PUBMED_ID.fullmatch(text.strip())
    return match.group(1) if match else None


def check_publications(values: Iterable[str], *, kept: Iterable[str] = ()) -> list[str]:
    """``values`` as stored: PubMed ids as digits, each once; entries of ``kept`` (already stored) stay as they are.

    Anything else is a ValidationError naming the entries refused.
    """
    kept = set(kept)
    cleaned, refused = [], []
    for value in values:
        value = value.strip()
        if not value:
            continue
        stored = value if value in kept else pubmed_id(value)
        if stored is None:
            refused.append(value)
        elif stored not in cleaned:
            cleaned.append(stored)
    if refused:
        shown = ", ".join(repr(value[:40]) for value in refused[:5]) + (" and more" if len(refused) > 5 else "")
        raise ValidationError(
            f"Not a PubMed id: {shown}. Give one id per line, as digits (e.g. 8358429 or PMID: 8358429).",
            code="bad_publication",
        )
    return cleaned
