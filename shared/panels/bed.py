"""A panel version's regions as a BED file, for the sequencer's target or coverage lists.

Written from the version's stored API JSON (``HistoricalSnapshot.data``), so
any version gives the regions it was published with: a gene where Ensembl
placed it (``gene_data.ensembl_genes[build][release]["location"]``, at the
release the TSV downloads read ids from, else the newest release that has
one), an STR or region at its curated ``grch37_coordinates`` or
``grch38_coordinates``.

PanelApp's positions are 1-based and inclusive at both ends (Ensembl's
``17:43044295-43125483``); BED's are 0-based and half-open, so a region
``[start, end]`` is written ``start - 1``, ``end``: the same bases. Padding
widens both sides and stops at 0 (chromosome lengths are not known here, so
the end is not clipped).

Names are the entity's name and its rating (``BRCA1|green``), with any
character outside what entity names may hold replaced by ``_``. They are not
passed through ``tsv.neutralise_cell``: BED is read by aligners, coverage
tools and genome browsers that compare names exactly, and a ``'`` in front
would change the name they report. Nor does a spreadsheet have much to run:
a name here holds only letters, digits and ``_ - . $ ~ @ #`` before the
``|``, so it never starts with ``=``, ``+``, a tab or a carriage return, and
one starting with ``-`` or ``@`` has no ``(``, ``!`` or ``'`` with which to
call a function or another program. Chromosome names are checked to be
letters, digits, ``_`` and ``.`` (an entity with any other is listed as
having no location), and the comment lines start with ``#``.
"""

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from panels.file_names import panel_file_name
from panels.tsv import ENSEMBL_RELEASES

# The builds a file is asked for, and where each is kept in the stored JSON.
BUILDS = {"GRCh37": ("GRch37", "grch37_coordinates"), "GRCh38": ("GRch38", "grch38_coordinates")}
# Padding a sequencing design may want (exon flanks of a few bases to promoter regions); more is a mistake.
MAX_PADDING = 100_000
CONTENT_TYPE = "text/plain; charset=utf-8"
RATINGS = {"3": "green", "2": "amber", "1": "red", "0": "none"}
KINDS = (("genes", "gene"), ("strs", "STR"), ("regions", "region"))

_CHROMOSOME = re.compile(r"[A-Za-z0-9_.]{1,64}")
_LOCATION = re.compile(r"(?P<chromosome>[^:\s]+):(?P<start>[0-9]{1,12})-(?P<end>[0-9]{1,12})")
_NOT_IN_NAME = re.compile(r"[^\w\-.$~@#]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Interval:
    """One entity's place on one build: 1-based, inclusive at both ends, as PanelApp stores it."""

    kind: str
    chromosome: str
    start: int
    end: int
    name: str

    def bed_line(self, padding: int = 0) -> str:
        """The BED line: 0-based start, exclusive end, both widened by ``padding``."""
        return f"{self.chromosome}\t{max(self.start - 1 - padding, 0)}\t{self.end + padding}\t{self.name}\n"


@dataclass(frozen=True)
class BedFile:
    """The intervals of a panel version at the chosen ratings, and the entities without a place on the build."""

    build: str
    intervals: list[Interval]
    unplaced: list[tuple[str, str]]  # (kind, name)

    def lines(self, header: Iterable[str], padding: int = 0) -> Iterator[str]:
        """Comment lines (``header``, then the counts and the names left out), then one line per interval."""
        for line in header:
            yield f"# {_CONTROL.sub(' ', line)}\n"
        count = len(self.intervals)
        yield f"# {count} interval{'s' if count != 1 else ''}: {_describe(i.kind for i in self.intervals)}\n"
        if self.unplaced:
            left_out = _describe(kind for kind, _ in self.unplaced)
            yield f"# {len(self.unplaced)} without a {self.build} location, not in this file: {left_out}\n"
            yield f"# Without a {self.build} location: {', '.join(name for _, name in self.unplaced)}\n"
        for interval in self.intervals:
            yield interval.bed_line(padding)


def build_bed(panel_data: dict[str, Any], categories: str, build: str) -> BedFile:
    """The version's entities rated in ``categories`` (the TSV downloads' digits) placed on ``build``.

    Sorted by chromosome (1 to 22, X, Y, MT, then other contigs) and position,
    as bedtools and tabix expect; a super panel's gene on two child panels is
    written once.
    """
    assembly, coordinates = BUILDS[build]
    intervals: list[Interval] = []
    unplaced: list[tuple[str, str]] = []
    for collection, kind in KINDS:
        for entity in panel_data.get(collection, ()):
            level = str(entity["confidence_level"])
            if level not in categories:
                continue
            name = f"{_NOT_IN_NAME.sub('_', entity['entity_name'])}|{RATINGS.get(level, level)}"
            if collection == "genes":
                place = gene_location(entity.get("gene_data"), assembly)
            else:
                place = _curated(entity, coordinates)
            if place is None:
                unplaced.append((kind, name))
            else:
                intervals.append(Interval(kind, *place, name))
    ordered = sorted(set(intervals), key=lambda i: (_chromosome_order(i.chromosome), i.start, i.end, i.name))
    return BedFile(build, ordered, list(dict.fromkeys(unplaced)))


def panel_bed(panel_data: dict[str, Any], categories: str, build: str, padding: int = 0) -> str:
    """The whole file for one panel version (its API JSON), with a header saying what it holds."""
    ratings = ", ".join(RATINGS[digit] for digit in "3210" if digit in categories) or "none"
    header = [
        f"PanelApp panel {panel_data['id']}: {panel_data['name']}, version {panel_data['version']} "
        f"of {str(panel_data.get('version_created', ''))[:10]}",
        f"{build}; ratings: {ratings} (categories {categories}); padding {padding} bases on each side",
        "BED: 0-based start, end exclusive; name is entity|rating",
    ]
    return "".join(build_bed(panel_data, categories, build).lines(header, padding))


def parse_build(text: str) -> str:
    """``GRCh37`` or ``GRCh38``, spelt so; anything else a ValueError that says what is accepted."""
    if text not in BUILDS:
        raise ValueError(f"Unknown build {text!r}: use GRCh37 or GRCh38.")
    return text


def parse_padding(text: str) -> int:
    """Bases added on each side: a whole number from 0 to ``MAX_PADDING``; empty is 0."""
    text = text.strip()
    if not text:
        return 0
    if not (text.isascii() and text.isdigit() and int(text) <= MAX_PADDING):
        raise ValueError(f"Incorrect padding {text!r}: expected a whole number of bases from 0 to {MAX_PADDING:,}.")
    return int(text)


def download_name(panel_name: str, version: str, build: str, categories: str) -> str:
    """``Hereditary ataxia-v1.2-GRCh38-34.bed``: named as the TSV downloads are (``panels.file_names``)."""
    return panel_file_name(panel_name, version, "bed", build, categories)


def gene_location(gene_data: dict[str, Any] | None, assembly: str) -> tuple[str, int, int] | None:
    """``(chromosome, start, end)`` of a gene on ``assembly`` ("GRch37", "GRch38"), 1-based inclusive; or None."""
    releases = ((gene_data or {}).get("ensembl_genes") or {}).get(assembly) or {}
    preferred = ENSEMBL_RELEASES[assembly]
    order = [preferred, *sorted((r for r in releases if r != preferred), key=_release_number, reverse=True)]
    for release in order:
        found = _parse_location((releases.get(release) or {}).get("location"))
        if found is not None:
            return found
    return None


def _parse_location(text: Any) -> tuple[str, int, int] | None:
    if not isinstance(text, str) or not (match := _LOCATION.fullmatch(text.strip())):
        return None
    return _checked(match["chromosome"], int(match["start"]), int(match["end"]))


def _curated(entity: dict[str, Any], coordinates: str) -> tuple[str, int, int] | None:
    pair = entity.get(coordinates)
    if not pair or len(pair) != 2 or not all(isinstance(value, int) for value in pair):
        return None
    return _checked(str(entity.get("chromosome") or ""), pair[0], pair[1])


def _checked(chromosome: str, start: int, end: int) -> tuple[str, int, int] | None:
    """A place BED can carry: a plain chromosome name, 1 <= start <= end."""
    if not _CHROMOSOME.fullmatch(chromosome) or not 1 <= start <= end:
        return None
    return chromosome, start, end


def _release_number(release: str) -> int:
    return int(release) if release.isascii() and release.isdigit() else -1


def _chromosome_order(name: str) -> tuple[int, int, str]:
    bare = name.removeprefix("chr")
    if bare.isascii() and bare.isdigit():
        return (0, int(bare), "")
    named = {"X": 1, "Y": 2, "M": 3, "MT": 3}
    return (1, named.get(bare, 4), bare)


def _describe(kinds: Iterable[str]) -> str:
    """``3 genes, 1 STR, 0 regions``."""
    counts = Counter(kinds)
    words = {"gene": ("gene", "genes"), "STR": ("STR", "STRs"), "region": ("region", "regions")}
    return ", ".join(f"{counts[kind]} {words[kind][counts[kind] != 1]}" for _, kind in KINDS)
