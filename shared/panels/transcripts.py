"""A gene's transcripts on a panel (upstream v3.1.1's ``transcript``): which ids are accepted, and why.

Curators name the transcripts a panel reports variants on, so a laboratory
describes a variant on the same one. An id that is not a transcript id (a
gene id, a protein id, a typo) would silently send a pipeline to the wrong
sequence, so only transcript ids of the two references laboratories use are
taken: Ensembl (``ENST00000380152``, optionally with its version,
``ENST00000380152.8``), RefSeq (``NM_000059.4``; ``NR_``, ``XM_`` and ``XR_``
too) and LRG transcripts (``LRG_293t1``).
"""

import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError

TRANSCRIPT_ID = re.compile(r"ENST\d{11}(\.\d+)?|(NM|NR|XM|XR)_\d{6,9}(\.\d+)?|LRG_\d+t\d+")
# More than a gene has; enough for every transcript a panel would name.
MAX_TRANSCRIPTS = 50
EXAMPLES = "NM_000059.4, ENST00000380152 or LRG_293t1"


def check_transcripts(values: Iterable[str]) -> list[str]:
    """The ids as stored (trimmed, each once, in the order given), or a ValidationError naming the wrong ones."""
    ids = list(dict.fromkeys(value.strip() for value in values if value and value.strip()))
    wrong = [value for value in ids if not TRANSCRIPT_ID.fullmatch(value)]
    if wrong:
        listed = ", ".join(repr(value[:40]) for value in wrong[:5])
        more = f" and {len(wrong) - 5} more" if len(wrong) > 5 else ""
        raise ValidationError(
            f"Not a transcript id: {listed}{more}. Use Ensembl, RefSeq or LRG transcript ids, e.g. {EXAMPLES}.",
            code="bad_transcript",
        )
    if len(ids) > MAX_TRANSCRIPTS:
        raise ValidationError(f"At most {MAX_TRANSCRIPTS} transcripts per gene.", code="too_many_transcripts")
    return ids
