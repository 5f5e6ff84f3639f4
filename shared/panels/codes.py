"""A panel's disorder codes: OMIM numbers, Orphanet and HPO terms, and clinical indication codes.

Upstream PanelApp keeps a panel's OMIM, Orphanet and HPO codes (its
``Level4Title``) as lists of strings it never checks. Here each is checked on
the way in and kept in one written form, so that a code finds its panels
whichever way a curator, a file or a client wrote it:

- OMIM: six digits (``607107``); ``OMIM:607107``, ``MIM:607107``, ``MIM#607107`` accepted.
- Orphanet: ``ORPHA:558``; ``558``, ``ORPHA558``, ``Orphanet:558``, ``Orphanet_558`` accepted.
- HPO: ``HP:0001250``; ``HP_0001250`` (the OBO URI form) and lower case accepted.

The panel list filters (API v1 ``?hpo=``, ``?omim=``, ``?orphanet=``,
``?disorder=`` and the site's panel search) read one list per panel,
``Panel.phenotype_codes``: every code of the panel's own lists and every code
that appears in its relevant disorders (``R208``, ``OMIM:607107`` or a bare
OMIM number, ``HP:0001250``, ``ORPHA:558``), each prefixed with its kind
(``R208``, ``OMIM:607107``, ``ORPHA:558``, ``HP:0001250``). The service layer
writes it with the panel; a GIN index serves "has any of these codes".
"""

import re
from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import Q, QuerySet

OMIM_PREFIX = "OMIM:"
ORPHANET_PREFIX = "ORPHA:"

# What each kind of code may be given as: patterns in the syntax Python and
# OpenAPI (ECMA-262) share, so API v1's schema declares exactly what is accepted.
OMIM_PATTERN = "(?:(?:[Oo][Mm][Ii][Mm]|[Mm][Ii][Mm])[:#])?[0-9]{6}"
ORPHANET_PATTERN = "(?:[Oo][Rr][Pp][Hh][Aa](?:[Nn][Ee][Tt])?[:_]?)?[0-9]{1,7}"
HPO_PATTERN = "[Hh][Pp][:_][0-9]{7}"
# The NHS Genomic Medicine Service's clinical indications (R208, R59): what relevant disorders name.
INDICATION_PATTERN = "[Rr][0-9]{1,4}"
# ``?disorder=``: a code of any kind; an Orphanet code needs its prefix there (a bare number is OMIM's).
ANY_CODE_PATTERN = (
    f"(?:{INDICATION_PATTERN}|{OMIM_PATTERN}|{HPO_PATTERN}|[Oo][Rr][Pp][Hh][Aa](?:[Nn][Ee][Tt])?[:_]?[0-9]{{1,7}})"
)

_OMIM = re.compile(OMIM_PATTERN)
_ORPHANET = re.compile(ORPHANET_PATTERN)
_HPO = re.compile(HPO_PATTERN)
_INDICATION = re.compile(INDICATION_PATTERN)
_DIGITS = re.compile("[0-9]+")


def _number(value: str) -> str:
    """The digits at the end of a code that matched its pattern."""
    return _DIGITS.findall(value)[-1]


# Codes as they appear inside relevant disorders' free text. A bare six-digit
# number starting 1 to 6 is an OMIM number (OMIM's own numbering); a number
# inside a longer run of digits, a decimal or a date is not.
_IN_TEXT = re.compile(
    r"(?<![\w.:])(?:"
    r"(?P<hpo>HP[:_][0-9]{7})"
    r"|(?P<orphanet>ORPHA(?:NET)?[:_ ]?[0-9]{1,7})"
    r"|(?P<omim>(?:(?:OMIM|MIM)[:#] ?)?[1-6][0-9]{5})"
    r"|(?P<indication>(?-i:R)[0-9]{1,4})"
    r")(?![\w.]|:[0-9])",
    re.IGNORECASE | re.ASCII,
)


def omim_number(value: str) -> str:
    """``value`` (stripped) as six digits, or a ValidationError that says what an OMIM number looks like."""
    if not _OMIM.fullmatch(value):
        raise ValidationError(f"Incorrect OMIM number {value!r}: expected six digits, e.g. 607107.", code="bad_omim")
    return _number(value)


def orphanet_code(value: str) -> str:
    """``value`` (stripped) as ``ORPHA:<number>``, or a ValidationError that says what an Orphanet code looks like."""
    if not _ORPHANET.fullmatch(value):
        raise ValidationError(
            f"Incorrect Orphanet code {value!r}: expected ORPHA:<number>, e.g. ORPHA:558.", code="bad_orphanet"
        )
    return ORPHANET_PREFIX + str(int(_number(value)))


def hpo_term(value: str) -> str:
    """``value`` (stripped) as ``HP:<seven digits>``, or a ValidationError that says what an HPO term looks like."""
    if not _HPO.fullmatch(value):
        raise ValidationError(
            f"Incorrect HPO term {value!r}: expected HP: and seven digits, e.g. HP:0001250.", code="bad_hpo"
        )
    return "HP:" + _number(value)


def indication_code(value: str) -> str:
    """``value`` (stripped) as a clinical indication code (``R208``), or a ValidationError."""
    if not _INDICATION.fullmatch(value):
        raise ValidationError(
            f"Incorrect clinical indication {value!r}: expected R and a number, e.g. R208.", code="bad_indication"
        )
    return "R" + str(int(_number(value)))


# Each list of a panel, by field name, and how one of its codes is written.
CLEANERS = {"omim": omim_number, "orphanet": orphanet_code, "hpo": hpo_term}


def clean_codes(field: str, values: Iterable[str]) -> list[str]:
    """One of a panel's code lists checked and written one way, each code once, in the order given.

    Every bad code is named in one ValidationError, so a curator fixes them all in one go.
    """
    cleaned: list[str] = []
    errors: list[ValidationError] = []
    for value in values:
        if not value or not value.strip():
            continue
        try:
            code = CLEANERS[field](value.strip())
        except ValidationError as error:
            errors.append(error)
            continue
        if code not in cleaned:
            cleaned.append(code)
    if errors:
        raise ValidationError(errors)
    return cleaned


def any_code(value: str) -> str:
    """A code of any kind (stripped) as ``phenotype_codes`` holds it: ``R208``, ``OMIM:607107``, ``ORPHA:558``...

    A bare number is an OMIM number (six digits); an Orphanet code needs its prefix.
    """
    upper = value.upper()
    if upper.startswith("HP"):
        return hpo_term(value)
    if upper.startswith("ORPHA"):
        return orphanet_code(value)
    if upper.startswith("R"):
        return indication_code(value)
    if _OMIM.fullmatch(value):
        return OMIM_PREFIX + omim_number(value)
    raise ValidationError(
        f"Incorrect disorder code {value!r}: expected a clinical indication (R208), an OMIM number (607107), "
        "an Orphanet code (ORPHA:558) or an HPO term (HP:0001250).",
        code="bad_code",
    )


def codes_in_text(text: str) -> list[str]:
    """The codes that appear in a relevant disorder's free text, as ``phenotype_codes`` writes them."""
    found = []
    for match in _IN_TEXT.finditer(text):
        kind = match.lastgroup
        value = match.group(kind)
        if kind == "orphanet":
            found.append(ORPHANET_PREFIX + str(int(_number(value))))
        elif kind == "omim":
            found.append(OMIM_PREFIX + _number(value))
        else:
            found.append(hpo_term(value) if kind == "hpo" else indication_code(value))
    return found


def phenotype_codes(
    *, relevant_disorders: Iterable[str], omim: Iterable[str], orphanet: Iterable[str], hpo: Iterable[str]
) -> list[str]:
    """Every code a panel answers to, each once, sorted: what ``Panel.phenotype_codes`` stores.

    ``omim``, ``orphanet`` and ``hpo`` are the panel's cleaned lists; codes
    in relevant disorders are found in their text.
    """
    codes = {OMIM_PREFIX + number for number in omim} | set(orphanet) | set(hpo)
    for disorder in relevant_disorders:
        codes.update(codes_in_text(disorder))
    return sorted(codes)


def _omim_code(value: str) -> str:
    return OMIM_PREFIX + omim_number(value)


# The panel filters of API v1 and the site's panel list: parameter -> (one item's pattern, its code).
FILTERS = {
    "hpo": (HPO_PATTERN, hpo_term),
    "omim": (OMIM_PATTERN, _omim_code),
    "orphanet": (ORPHANET_PATTERN, orphanet_code),
    "disorder": (ANY_CODE_PATTERN, any_code),
}


def requested_codes(query: Mapping[str, str]) -> list[list[str]]:
    """The filters asked for: one list of codes per parameter given, a panel matching any code of each.

    Each parameter is comma-separated, items padded by spaces or left empty
    (what API v1's schema declares). A malformed item is a ValidationError naming it.
    """
    wanted = []
    for name, (_, code) in FILTERS.items():
        items = [item.strip(" ") for item in query.get(name, "").split(",")]
        codes = [code(item) for item in items if item]
        if codes:
            wanted.append(codes)
    return wanted


def panels_with_codes(panels: QuerySet, wanted: Iterable[list[str]]) -> QuerySet:
    """``panels`` that hold at least one code of every list in ``wanted``.

    On PostgreSQL each list is one ``?|`` ("has any of these elements"),
    which the GIN index of migration 0009 answers; SQLite (local runs) matches
    the stored JSON text instead.
    """
    postgresql = connections[panels.db].vendor == "postgresql"
    for codes in wanted:
        if postgresql:
            panels = panels.filter(phenotype_codes__has_any_keys=codes)
        else:
            any_of = Q()
            for code in codes:
                any_of |= Q(phenotype_codes__icontains=f'"{code}"')
            panels = panels.filter(any_of)
    return panels
