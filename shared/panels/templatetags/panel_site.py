"""Small pieces of the site's pages: confidence badges, publication links, coordinates (other sites: outside_links)."""

import re

from django import template
from django.utils.html import format_html

from panels.queries import CONFIDENCE

register = template.Library()

# "12345678", "PMID: 12345678", "PMID12345678", "pubmed 12345678": a PubMed id; anything else is shown as text.
PUBMED_ID = re.compile(r"^\s*(?:PMID|PubMed)?\s*:?\s*(\d{1,9})\s*\.?\s*$", re.IGNORECASE)
BADGE_CLASSES = {3: "green", 2: "amber", 1: "red", 0: "none"}


def _level(value) -> int:
    try:
        level = int(value)
    except (TypeError, ValueError):
        return 0
    return level if level in CONFIDENCE else 0


@register.filter
def confidence_name(value) -> str:
    """3 -> "Green", ..., 0 -> "No list" (the API stores levels as strings)."""
    return CONFIDENCE[_level(value)]


@register.simple_tag
def confidence_badge(value) -> str:
    """The rating as colour and text together, never colour alone."""
    level = _level(value)
    return format_html(
        '<span class="badge badge-{}" data-level="{}">{}</span>', BADGE_CLASSES[level], level, CONFIDENCE[level]
    )


@register.simple_tag
def flag_badge() -> str:
    """Upstream's flag on an entity a reviewer added: a word and a colour unlike any rating's, and why, for all."""
    from panels.flags import FLAG_TEXT

    return format_html(
        '<span class="badge badge-flagged" title="{}"><span aria-hidden="true">⚑ </span>Flagged'
        '<span class="visually-hidden">: {}</span></span>',
        FLAG_TEXT,
        FLAG_TEXT.split(": ", 1)[1],
    )


@register.simple_tag
def rating_badge(rating: str) -> str:
    """A reviewer's GREEN/AMBER/RED as a badge; an unrated comment as "Comment"."""
    level = {"GREEN": 3, "AMBER": 2, "RED": 1}.get(rating)
    if level is None:
        return format_html('<span class="badge badge-comment">{}</span>', "Comment only")
    return confidence_badge(level)


@register.simple_tag
def publication(text: str) -> str:
    """A publication: a link to PubMed when it is a PubMed id, else the text as given."""
    match = PUBMED_ID.match(text or "")
    if match:
        pmid = match.group(1)
        link = '<a href="https://pubmed.ncbi.nlm.nih.gov/{}/" rel="noopener noreferrer">PMID {}</a>'
        return format_html(link, pmid, pmid)
    return format_html("{}", text)


@register.filter
def coordinates(pair) -> str:
    """``[start, end]`` as ``start-end`` (en dash) with thousands separators; empty when not known."""
    if not pair or len(pair) != 2 or pair[0] is None:
        return ""
    return f"{pair[0]:,}\N{EN DASH}{pair[1]:,}"


@register.filter
def ensembl_ids(ensembl_genes) -> list[dict[str, str]]:
    """Gene data's ``ensembl_genes`` as rows: build (the key), its name (GRCh38), release, id, location."""
    rows = []
    for build, releases in sorted((ensembl_genes or {}).items()):
        for release, data in sorted((releases or {}).items()):
            rows.append(
                {
                    "build": build,
                    "build_name": build.replace("GRch", "GRCh"),  # upstream's keys spell it GRch
                    "release": release,
                    "id": (data or {}).get("ensembl_id", ""),
                    "location": (data or {}).get("location", ""),
                }
            )
    return rows
