"""What changed in a panel between two of its versions, line by line, with who changed it and when.

For a laboratory's change control (ISO 15189 asks that every change to a
test's gene list be reviewed): the two versions' stored JSON
(``HistoricalSnapshot.data``) are compared entity by entity, keyed by type and
name (and, in a super panel, by the child panel an entity comes from, as the
same gene may be on two children), so a diff spans any versions, a promotion
included, exactly as they were published.

Who and when come from the activity log. Each version is made by one change,
logged right after its snapshot is stored (``services.versions.bump``), so the first
activity of each version made between the two is the change that made it;
reviews and comments logged later under the same version changed nothing
served and are not counted. A super panel's entities change on its child
panels, so their versions made in the same span are read instead. A line's
activities are those of its entity, narrowed to the ones whose text names the
changed attribute when any do; a line with none (an import, a child panel
added to a super panel) falls back on the panel's own changes.
"""

import dataclasses
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection

from panels import tsv
from panels.models import Activity, HistoricalSnapshot, Panel
from panels.representation import iso_datetime
from panels.services import parse_version

COLLECTIONS = (("genes", "gene", "gene"), ("strs", "str", "STR"), ("regions", "region", "region"))
RATINGS = {"3": "green", "2": "amber", "1": "red", "0": "no list"}

# (key in the API JSON, label, words of an activity's text that name a change of it)
FIELDS = (
    ("confidence_level", "rating", ("confidence level", "rated")),
    ("mode_of_inheritance", "mode of inheritance", ("mode of inheritance",)),
    ("mode_of_pathogenicity", "mode of pathogenicity", ("mode of pathogenicity",)),
    ("penetrance", "penetrance", ("penetrance",)),
    ("phenotypes", "phenotypes", ("phenotypes",)),
    ("publications", "publications", ("publications",)),
    ("tags", "tags", ("tags",)),
    ("evidence", "sources", ("source", "confidence level", "rated")),
    ("chromosome", "chromosome", ("chromosome",)),
    ("grch37_coordinates", "GRCh37 position", ("grch37",)),
    ("grch38_coordinates", "GRCh38 position", ("grch38",)),
    ("repeated_sequence", "repeated sequence", ("repeated sequence",)),
    ("normal_repeats", "normal repeats", ("normal repeats",)),
    ("pathogenic_repeats", "pathogenic repeats", ("pathogenic repeats",)),
    ("verbose_name", "verbose name", ("verbose name",)),
    ("haploinsufficiency_score", "haploinsufficiency score", ("haploinsufficiency",)),
    ("triplosensitivity_score", "triplosensitivity score", ("triplosensitivity",)),
    ("required_overlap_percentage", "required overlap", ("required overlap",)),
    ("type_of_variants", "type of variants", ("type of variants",)),
)
LIST_FIELDS = frozenset({"phenotypes", "publications", "tags", "evidence"})
TSV_COLUMNS = ("Entity type", "Entity name", "Child panel", "Change", "Field", "Before", "After", "Line", "Who", "When")
# A super panel logs a version for every change of a child; the child's own activity says what changed.
_CHILD_UPDATED = "Child panel "

VERSION_FIELDS = ("panel_id", "major_version", "minor_version", "created", *HistoricalSnapshot.TEXT_FIELDS)


class VersionNotFound(LookupError):
    """A version the panel does not have (a 404 with this message)."""


@dataclass(frozen=True)
class Made:
    """The activity that made one version: who, when and what it said."""

    user_name: str
    created: datetime
    text: str
    panel_version: str


@dataclass
class Line:
    """One change: an entity added or removed, one attribute of one entity changed, or a change to the panel."""

    change: str  # "added", "removed", "changed" or "panel"
    entity_type: str | None = None
    entity_name: str | None = None
    child: dict[str, Any] | None = None  # {"id", "name"} of a super panel's child panel
    field: str = ""  # the API's key for "changed": confidence_level, phenotypes, ...
    before: Any = None
    after: Any = None
    made_by: list[Made] = dataclasses.field(default_factory=list)  # the activities behind it, oldest first

    @property
    def who(self) -> list[str]:
        return list(dict.fromkeys(made.user_name for made in self.made_by if made.user_name))

    @property
    def when(self) -> datetime | None:
        return max((made.created for made in self.made_by), default=None)

    @property
    def text(self) -> str:
        """The line as a person reads it: ``BRCA1: rating amber → green``."""
        if self.change == "panel":
            return self.made_by[0].text if self.made_by else ""
        kind = dict((key, label) for _, key, label in COLLECTIONS)[self.entity_type]
        where = f" (from {self.child['name']})" if self.child else ""
        if self.change in ("added", "removed"):
            rating = RATINGS.get(str(self.after or self.before), "")
            return f"{self.change.title()} {kind} {self.entity_name}{where} ({rating})"
        label = next(label for key, label, _ in FIELDS if key == self.field)
        if self.field in LIST_FIELDS:
            added = [item for item in self.after or () if item not in (self.before or ())]
            removed = [item for item in self.before or () if item not in (self.after or ())]
            parts = [f"added {_quoted(added)}" if added else "", f"removed {_quoted(removed)}" if removed else ""]
            return f"{self.entity_name}{where}: {label} {'; '.join(part for part in parts if part) or 'reordered'}"
        return (
            f"{self.entity_name}{where}: {label} {_shown(self.field, self.before)} → {_shown(self.field, self.after)}"
        )

    def as_dict(self) -> dict[str, Any]:
        """The line as the API serves it: ``before`` and ``after`` as the API's values (the rating when added)."""
        return {
            "change": self.change,
            "entity_type": self.entity_type,
            "entity_name": self.entity_name,
            "panel": self.child,
            "field": self.field or None,
            "before": self.before,
            "after": self.after,
            "text": self.text,
            "who": self.who,
            "when": iso_datetime(self.when) if self.when else None,
        }

    def tsv_row(self) -> tuple[Any, ...]:
        return (
            self.entity_type or "",
            self.entity_name or "",
            (self.child or {}).get("name", ""),
            self.change,
            self.field,
            _cell(self.before),
            _cell(self.after),
            self.text,
            "; ".join(self.who),
            iso_datetime(self.when) if self.when else "",
        )


@dataclass
class Diff:
    panel: Panel
    old: HistoricalSnapshot
    new: HistoricalSnapshot
    lines: list[Line]

    @property
    def summary(self) -> dict[str, int]:
        changed = {
            (line.entity_type, line.entity_name, (line.child or {}).get("id"))
            for line in self.lines
            if line.change == "changed"
        }
        return {
            "added": sum(1 for line in self.lines if line.change == "added"),
            "removed": sum(1 for line in self.lines if line.change == "removed"),
            "changed": len(changed),
            "panel": sum(1 for line in self.lines if line.change == "panel"),
            "lines": len(self.lines),
        }

    def tsv_lines(self) -> Iterator[str]:
        """The whole diff as TSV, every cell through ``tsv.neutralise_cell`` (reviewers' text is in it)."""
        return tsv.tsv_lines([TSV_COLUMNS, *(line.tsv_row() for line in self.lines)])


def find_versions(panel: Panel, old: str | None, new: str | None) -> tuple[HistoricalSnapshot, HistoricalSnapshot]:
    """The two stored versions named ``MAJOR.MINOR``: ``new`` (if None) is the latest, ``old`` the one before it.

    A malformed version is a ValidationError; one the panel does not have,
    ``VersionNotFound``. ``old`` may be the later of the two: the diff then
    reads backwards (what going back would add and remove).
    """
    snapshots = panel.snapshots.only(*VERSION_FIELDS)
    if new is not None:
        wanted = parse_version(new)
        newer = snapshots.filter(major_version=wanted[0], minor_version=wanted[1]).first()
    else:
        newer = snapshots.order_by("-major_version", "-minor_version").first()
    if newer is None:
        raise VersionNotFound(f"{panel.name} has no version {new}." if new else f"{panel.name} has no stored version.")
    if old is not None:
        wanted = parse_version(old)
        older = snapshots.filter(major_version=wanted[0], minor_version=wanted[1]).first()
        if older is None:
            raise VersionNotFound(f"{panel.name} has no version {old}.")
    else:
        before = snapshots.filter(major_version=newer.major_version, minor_version__lt=newer.minor_version)
        before = before | snapshots.filter(major_version__lt=newer.major_version)
        older = before.order_by("-major_version", "-minor_version").first() or newer
    return older, newer


def diff_versions(panel: Panel, old: HistoricalSnapshot, new: HistoricalSnapshot) -> Diff:
    """Every line of change from ``old`` to ``new`` (two of ``panel``'s versions, text read), with its activity."""
    before, after = _entities(json.loads(old.data)), _entities(json.loads(new.data))
    lines = []
    for key in sorted(before.keys() | after.keys(), key=_order):
        a, b = before.get(key), after.get(key)
        child = (b or a).get("panel")
        child = {"id": child["id"], "name": child["name"]} if child else None
        if a is None or b is None:
            # The rating on the side that has the entity: the whole entity would make a large diff huge.
            rating = {"before": a and a["confidence_level"], "after": b and b["confidence_level"]}
            lines.append(Line("added" if a is None else "removed", key[0], key[1], child, **rating))
            continue
        for name, _, _ in FIELDS:
            if _comparable(name, a.get(name)) != _comparable(name, b.get(name)):
                lines.append(Line("changed", key[0], key[1], child, name, a.get(name), b.get(name)))
    return Diff(panel, old, new, _attribute(panel, old, new, lines) + lines)


def _entities(data: dict[str, Any]) -> dict[tuple[str, str, int | None], dict[str, Any]]:
    found = {}
    for collection, _, _ in COLLECTIONS:
        for entity in data.get(collection, ()):
            child = entity.get("panel")
            found[(entity["entity_type"], entity["entity_name"], child["id"] if child else None)] = entity
    return found


def _order(key: tuple[str, str, int | None]) -> tuple[int, str, str, int]:
    kinds = [kind for _, kind, _ in COLLECTIONS]
    return (kinds.index(key[0]) if key[0] in kinds else len(kinds), key[1].lower(), key[1], key[2] or 0)


def _attribute(panel: Panel, old: HistoricalSnapshot, new: HistoricalSnapshot, lines: list[Line]) -> list[Line]:
    """Give each line the activities that made it; return the panel's own changes as lines of their own.

    Three queries: a super panel's children, the versions made in between (of
    the panel and its children, then and now), and the first activity of each.
    """
    sources = {panel.pk, *(line.child["id"] for line in lines if line.child)}
    sources |= set(panel.child_panels.values_list("pk", flat=True))
    # The changes between the two, whichever way round they were asked for.
    made = _version_makers(sources, min(old.created, new.created), max(old.created, new.created))
    by_entity: dict[tuple[int, str, str], list[tuple[Activity, Made]]] = defaultdict(list)
    panel_changes: list[Made] = []
    for activity, record in made:
        if activity.entity_type:
            by_entity[(activity.panel_id, activity.entity_type, activity.entity_name)].append((activity, record))
        elif activity.panel_id == panel.pk and not activity.text.startswith(_CHILD_UPDATED):
            panel_changes.append(record)
    for line in lines:
        source = line.child["id"] if line.child else panel.pk
        candidates = [record for _, record in by_entity.get((source, line.entity_type, line.entity_name), ())]
        line.made_by = _narrowed(line, candidates) or candidates or panel_changes
    return [Line("panel", made_by=[record]) for record in panel_changes]


def _version_makers(panel_ids: set[int], after: datetime, until: datetime) -> list[tuple[Activity, Made]]:
    """The activity that made each version of ``panel_ids`` stored in ``(after, until]``, oldest first."""
    made = set(
        HistoricalSnapshot.objects.filter(panel_id__in=panel_ids, created__gt=after, created__lte=until).values_list(
            "panel_id", "major_version", "minor_version"
        )
    )
    if not made:
        return []
    versions = {f"{major}.{minor}" for _, major, minor in made}
    wanted = {(panel_id, f"{major}.{minor}") for panel_id, major, minor in made}
    activities = (
        Activity.objects.filter(panel_id__in=panel_ids, panel_version__in=versions, created__gt=after)
        .order_by("panel_id", "panel_version", "created", "id")
        .only("panel_id", "panel_version", "created", "user_name", "text", "entity_type", "entity_name")
    )
    if connection.features.can_distinct_on_fields:  # PostgreSQL: one row per version read
        activities = activities.distinct("panel_id", "panel_version")
    # The embedded SQLite (make run) has no DISTINCT ON: the first of each version is kept here.
    firsts = {(a.panel_id, a.panel_version): a for a in reversed(list(activities))}
    found = [a for key, a in firsts.items() if key in wanted]
    found.sort(key=lambda a: (a.created, a.pk))
    return [(a, Made(a.user_name, a.created, a.text, a.panel_version)) for a in found]


def _narrowed(line: Line, candidates: list[Made]) -> list[Made]:
    """The candidates whose text names this line's change (``Added gene``, ``changed phenotypes``, ...)."""
    if line.change in ("added", "removed"):
        prefix = "Added" if line.change == "added" else "Removed"
        return [made for made in candidates if made.text.startswith(prefix)]
    words = next(words for key, _, words in FIELDS if key == line.field)
    return [made for made in candidates if any(word in made.text.lower() for word in words)]


def _comparable(name: str, value: Any) -> Any:
    """Lists compare as their items whatever their order (sources are listed newest first)."""
    if name in LIST_FIELDS:
        return sorted(str(item) for item in value or ())
    return value


def _shown(name: str, value: Any) -> str:
    if name == "confidence_level":
        return RATINGS.get(str(value), str(value))
    if value is None or value == "":
        return "(none)"
    if isinstance(value, list):
        return "\N{EN DASH}".join(f"{item:,}" if isinstance(item, int) else str(item) for item in value)
    return f"“{value}”" if isinstance(value, str) else str(value)


def _quoted(items: Iterable[Any]) -> str:
    return ", ".join(f"“{item}”" for item in items)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(item) for item in value)
    return str(value)
