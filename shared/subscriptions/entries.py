"""What the feeds list: new versions (promotions among them) and sign-offs, read from rows already stored.

A version's entry comes from its ``HistoricalSnapshot`` row (number, time,
comment; never its JSON text) and the first ``Activity`` logged at that
version (who made it and what they did): the services log a version's change
right after storing it, so the first activity of a version is the one that
made it. A sign-off's entry comes from the signed-off snapshot's date, and who
signed off from the activity that recorded it, looked up only for the sign-offs
that make the feed (most polls of the all-panels feed have none).

Every query reads from an index: a panel's versions newest first (its unique
version constraint), all panels' versions by id (stored in the order they were
made), sign-offs by date (``signed_off_date`` is indexed), and each entry's
activity is one probe of an activity index (a sign-off's, a range of its
panel's activity from the date signed off). So a feed costs the same few
queries however many versions, panels and activities there are.
"""

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time

from django.db.models import CharField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Concat
from panels.models import Activity, HistoricalSnapshot

# Entries per feed: enough for a reader polling daily, small enough to stay a few kilobytes.
FEED_LENGTH = 50
# What a feed reader needs of a snapshot: never its summary, layout or data.
SNAPSHOT_COLUMNS = ("pk", "panel_id", "panel__name", "major_version", "minor_version", "created", "comment")


@dataclass(frozen=True)
class Entry:
    """One line of a feed: a version of a panel or its sign-off."""

    kind: str  # "version", "promotion", "created" or "signed-off"
    panel_id: int
    panel_name: str
    version: str
    when: datetime
    who: str
    text: str
    comment: str = ""

    @property
    def title(self) -> str:
        what = {
            "created": "created",
            "version": "new version",
            "promotion": "promoted",
            "signed-off": "signed off",
        }[self.kind]
        return f"{self.panel_name} v{self.version}: {what}"

    @property
    def path(self) -> str:
        """The page of this version (its sign-off marked by a fragment, so the two entries have distinct ids)."""
        fragment = "#signed-off" if self.kind == "signed-off" else ""
        return f"/panels/{self.panel_id}/?version={self.version}{fragment}"

    @property
    def description(self) -> str:
        parts = [self.text]
        if self.comment and self.comment != self.text:
            parts.append(self.comment)
        return "\n\n".join(part for part in parts if part)


def _version_text() -> Concat:
    """ "M.m" in SQL, as ``Activity.panel_version`` stores it."""
    return Concat(
        Cast("major_version", CharField()), Value("."), Cast("minor_version", CharField()), output_field=CharField()
    )


def versions(snapshots: QuerySet, *, order: tuple[str, ...]) -> list[Entry]:
    """Entries for the newest ``FEED_LENGTH`` of ``snapshots`` in ``order``: one query, each activity by index."""
    made_it = Activity.objects.filter(panel=OuterRef("panel_id"), panel_version=OuterRef("version_text")).order_by(
        "created", "id"
    )
    rows = (
        snapshots.annotate(
            version_text=_version_text(),
            who=Subquery(made_it.values("user_name")[:1]),
            what=Subquery(made_it.values("text")[:1]),
        )
        .order_by(*order)
        .values(*SNAPSHOT_COLUMNS, "version_text", "who", "what")[:FEED_LENGTH]
    )
    return [
        Entry(
            kind=_kind(row["major_version"], row["minor_version"]),
            panel_id=row["panel_id"],
            panel_name=row["panel__name"],
            version=row["version_text"],
            when=row["created"],
            who=row["who"] or "",
            text=row["what"] or row["comment"],
            comment=row["comment"],
        )
        for row in rows
    ]


def sign_offs(snapshots: QuerySet) -> list[Entry]:
    """Entries for the newest ``FEED_LENGTH`` sign-offs among ``snapshots``, newest date first: one query.

    Who signed off is left to ``with_signers``, asked only for the sign-offs that make the feed.
    """
    rows = (
        snapshots.filter(signed_off_date__isnull=False)
        .annotate(version_text=_version_text())
        .order_by("-signed_off_date", "-id")
        .values(*SNAPSHOT_COLUMNS, "version_text", "signed_off_date")[:FEED_LENGTH]
    )
    return [
        Entry(
            kind="signed-off",
            panel_id=row["panel_id"],
            panel_name=row["panel__name"],
            version=row["version_text"],
            when=_midnight(row["signed_off_date"]),
            who="",
            text=f"Version {row['version_text']} signed off on {row['signed_off_date'].isoformat()}",
        )
        for row in rows
    ]


def with_signers(entries: list[Entry]) -> list[Entry]:
    """``entries`` with who signed off named on each sign-off: one query, none if there is no sign-off.

    The services log a sign-off as "Version M.m signed off on <date>", on or after
    the date it names (a curator may back-date a sign-off, never the log), so
    each is looked for from that date on in its panel's activity.
    """
    signed = [entry for entry in entries if entry.kind == "signed-off"]
    if not signed:
        return entries
    wanted = Q()
    for entry in signed:
        wanted |= Q(panel_id=entry.panel_id, created__gte=entry.when, text=entry.text)
    signers = dict(
        ((panel_id, text), name)
        for panel_id, text, name in Activity.objects.filter(wanted)
        .order_by("-created", "-id")  # the earliest record of a sign-off is kept: it is read last
        .values_list("panel_id", "text", "user_name")
    )
    return [
        replace(entry, who=signers.get((entry.panel_id, entry.text), "")) if entry.kind == "signed-off" else entry
        for entry in entries
    ]


def panel_entries(panel_id: int) -> list[Entry]:
    """One panel's newest versions and sign-offs, newest first: two queries, three with a sign-off among them."""
    snapshots = HistoricalSnapshot.objects.filter(panel_id=panel_id)
    found = versions(snapshots, order=("-major_version", "-minor_version")) + sign_offs(snapshots)
    return with_signers(newest(found))


def all_entries(statuses: list[str]) -> list[Entry]:
    """The newest versions and sign-offs of every panel with one of ``statuses``: two or three queries."""
    snapshots = HistoricalSnapshot.objects.filter(panel__status__in=statuses)
    return with_signers(newest(versions(snapshots, order=("-id",)) + sign_offs(snapshots)))


def newest(entries: list[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda entry: entry.when, reverse=True)[:FEED_LENGTH]


def _kind(major: int, minor: int) -> str:
    if minor:
        return "version"
    return "promotion" if major else "created"


def _midnight(day: date) -> datetime:
    """A sign-off has a date, not a time: the feed dates it at the start of that day (UTC)."""
    return datetime.combine(day, time(0), tzinfo=UTC)
