"""The all-panels, all-genes, all-STRs and all-regions files, built by the worker into the media bucket.

Too large and too slow for a web request (every public panel, thousands of
entities, and Lambda responses stop at 1 MB), they are built by the task
``panels.tasks.build_exports`` and served as expiring presigned links to S3.

* A new panel version calls ``schedule_rebuild`` once its transaction commits. It
  queues a build only when none is pending (one UPDATE decides, so two web
  Lambdas never both queue one), a minute later, so a burst of edits makes one
  build.
* A build first clears the pending mark (a change from then on queues the next
  build), then writes only the files whose ``source`` (the state of the panels
  they are built from) changed. Files are named by the hash of their content
  and never overwritten, so a build run twice (SQS delivers at least once)
  writes nothing new, and a link handed out before a rebuild keeps working.
* A file the database names but storage no longer holds (a restarted local
  stack, a bucket restored without it) is written again: the build checks
  each file is there, and a download checks before redirecting to it
  (``forget_missing``), so nobody is sent to storage's own error page.

A file's ``source`` begins with ``FORMAT``, the version of the code that
writes the rows. A file of another format (one built before cells were
neutralised, whose cells may still be live formulas) is never served: the
views treat it as not built, queue a build, and the build replaces it
whatever the panels' state.

Rows come from each public panel's current snapshot, the exact JSON the API
serves, in upstream PanelApp's columns, written by ``panels.tsv`` (so every
cell a spreadsheet would run as a formula is neutralised). Unlike upstream these files are public:
they list public and promoted panels only, and never reviewers' e-mail addresses.
"""

import hashlib
import json
import logging
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.files.storage import default_storage
from django.db.models import Count, F, Max, Q
from django.urls import reverse
from django.utils import timezone
from serverless.storage import media_exists

from panels.models import Evaluation, ExportFile, HistoricalSnapshot, Panel
from panels.tsv import ENSEMBL_RELEASES, tsv_lines

log = logging.getLogger(__name__)

Kind = ExportFile.Kind
# A burst of panel changes within this many seconds makes one build.
REBUILD_DELAY_SECONDS = 60
# A pending mark older than this belongs to a build that was lost (an enqueue
# that failed, a message dropped from the DLQ): the next change queues again.
PENDING_EXPIRES_AFTER = timedelta(minutes=30)
# A reader waiting on a missing file does not wait that long: a build clears
# its mark when it starts, so a mark still up this long after its build was due
# belongs to a build that never started (a local stack restarted with its queue
# in memory, a message lost). Queuing another costs at most a build that finds
# its files up to date.
LOST_BUILD_AFTER = timedelta(seconds=REBUILD_DELAY_SECONDS) + timedelta(minutes=2)
# Snapshots are read this many at a time: a panel's JSON can be megabytes.
SNAPSHOT_BATCH = 25
# Built files stay in memory up to this size, then spill to the worker's /tmp.
SPOOL_BYTES = 8 * 1024 * 1024

# The first part of every file's ``source``. Change it whenever the rows are
# written differently, so files built by older code are rebuilt and, meanwhile,
# not served. 2: cells that a spreadsheet would run are neutralised.
FORMAT = "format:2"

LIST_COLOURS = {"3": "green", "2": "amber", "1": "red", "0": "grey"}

HEADERS: dict[str, tuple[str, ...]] = {
    Kind.PANELS: (
        "Level 4 title",
        "Level 3 title",
        "Level 2 title",
        "URL",
        "Current Version",
        "Version time stamp",
        "# rated genes/total genes",
        "#reviewers",
        "Reviewer name and affiliation (;)",
        "Reviewer emails (;)",
        "Status",
        "Relevant disorders",
        "Types",
    ),
    Kind.GENES: (
        "Symbol",
        "Panel Id",
        "Panel Name",
        "Panel Version",
        "Panel Status",
        "List",
        "Sources",
        "Mode of inheritance",
        "Mode of pathogenicity",
        "Tags",
        "EnsemblId(GRch37)",
        "EnsemblId(GRch38)",
        "HGNC",
        "Biotype",
        "Phenotypes",
        "GeneLocation((GRch37)",
        "GeneLocation((GRch38)",
        "Panel Types",
        "Super Panel Id",
        "Super Panel Name",
        "Super Panel Version",
    ),
    Kind.STRS: (
        "Name",
        "Chromosome",
        "Position GRCh37 start",
        "Position GRCh37 end",
        "Position GRCh38 start",
        "Position GRCh38 end",
        "Repeated sequence",
        "Normal repeats",
        "Pathogenic repeats",
        "Symbol",
        "Panel Id",
        "Panel Name",
        "Panel Version",
        "Panel Status",
        "List",
        "Sources",
        "Mode of inheritance",
        "Tags",
        "EnsemblId(GRch37)",
        "EnsemblId(GRch38)",
        "Biotype",
        "Phenotypes",
        "GeneLocation(GRch37)",
        "GeneLocation(GRch38)",
        "Panel Types",
        "Super Panel Id",
        "Super Panel Name",
        "Super Panel Version",
    ),
    Kind.REGIONS: (
        "Name",
        "Verbose Name",
        "Chromosome",
        "Position GRCh37 start",
        "Position GRCh37 end",
        "Position GRCh38 start",
        "Position GRCh38 end",
        "Haploinsufficiency Score",
        "Triplosensitivity Score",
        "Required region overlap",
        "Variant types",
        "Symbol",
        "Panel Id",
        "Panel Name",
        "Panel Version",
        "Panel Status",
        "List",
        "Sources",
        "Mode of inheritance",
        "Tags",
        "EnsemblId(GRch37)",
        "EnsemblId(GRch38)",
        "Biotype",
        "Phenotypes",
        "GeneLocation(GRch37)",
        "GeneLocation(GRch38)",
        "Panel Types",
        "Super Panel Id",
        "Super Panel Name",
        "Super Panel Version",
    ),
}
# Upstream's download names: All_genes_20261122-0600.tsv
FILE_PREFIXES = {Kind.PANELS: "All_panels", Kind.GENES: "All_genes", Kind.STRS: "All_strs", Kind.REGIONS: "All_regions"}


# --- Scheduling ------------------------------------------------------------------


def export_rows() -> dict[str, ExportFile]:
    """The four export rows, created on first use."""
    _create_rows()
    return {export.kind: export for export in ExportFile.objects.all()}


def _create_rows() -> None:
    ExportFile.objects.bulk_create([ExportFile(kind=kind) for kind in Kind.values], ignore_conflicts=True)


def panel_changed(**_announced: object) -> None:
    """A new panel version committed (``panels.signals.version_created``): queue a coalesced rebuild."""
    if settings.PANEL_EXPORTS_REBUILD_ON_CHANGE:
        schedule_rebuild()


def schedule_rebuild(
    delay_seconds: int | None = None, *, force: bool = False, stale_after: timedelta = PENDING_EXPIRES_AFTER
) -> bool:
    """Queue one build of the exports unless one is already pending; True if this call queued it.

    ``delay_seconds`` (default ``REBUILD_DELAY_SECONDS``) lets a burst of
    changes land before the build starts; only where a queue keeps the task
    (SQS): a process that runs tasks itself (a management command beside
    ``make run``, ``USE_SQS=FALSE``) may exit before a delayed task starts,
    leaving the pending mark up and no build coming, so there the build
    starts at once. ``force`` queues one even if another is pending (a file
    found missing must not wait for a mark that may belong to a lost build);
    ``stale_after`` is how old a pending mark may be before it counts as lost.
    Never raises: a change to a panel must not fail because its exports could
    not be scheduled.
    """
    from panels.tasks import build_exports

    delay = REBUILD_DELAY_SECONDS if delay_seconds is None else delay_seconds
    if not _queue_keeps_tasks(build_exports):
        delay = 0
    now = timezone.now()
    marked = False
    try:
        _create_rows()
        unmarked = Q(rebuild_requested_at__isnull=True) | Q(rebuild_requested_at__lt=now - stale_after)
        marked = bool(ExportFile.objects.filter(Q() if force else unmarked).update(rebuild_requested_at=now))
        if marked:
            build_exports.using(run_after=now + timedelta(seconds=delay) if delay else None).enqueue()
        return marked
    except Exception:
        log.exception("Could not schedule a rebuild of the panel exports")
        if marked:  # nothing was queued: let the next change try again rather than wait for the mark to expire
            with suppress(Exception):
                ExportFile.objects.filter(rebuild_requested_at=now).update(rebuild_requested_at=None)
        return False


def _queue_keeps_tasks(task) -> bool:
    """Whether the task's backend hands tasks to a queue that outlives this process (SQS), not to a thread here."""
    from serverless.tasks.backends import ThreadBackend

    return not isinstance(task.get_backend(), ThreadBackend)


# --- Freshness -------------------------------------------------------------------


@dataclass(frozen=True)
class Freshness:
    """What a page says about one export: its link, when it was built, whether a newer one is coming."""

    kind: str
    label: str
    url_name: str
    built_at: datetime | None
    pending: bool


URL_NAMES = {
    Kind.PANELS: "panels:download_panels",
    Kind.GENES: "panels:download_genes",
    Kind.STRS: "panels:download_strs",
    Kind.REGIONS: "panels:download_regions",
}


def servable(export: ExportFile | None) -> bool:
    """Whether ``export`` names a file written by this code: built, and in the current ``FORMAT``."""
    return bool(export and export.name and export.source.split(";", 1)[0] == FORMAT)


def freshness() -> list[Freshness]:
    """The four exports for the downloads block, in one query."""
    rows = {export.kind: export for export in ExportFile.objects.all()}
    result = []
    for kind, label in Kind.choices:
        export = rows.get(kind)
        built_at = export.built_at if servable(export) else None
        pending = bool(export and export.rebuild_requested_at)
        result.append(Freshness(kind, label, URL_NAMES[kind], built_at, pending))
    return result


def download_name(export: ExportFile) -> str:
    return f"{FILE_PREFIXES[export.kind]}_{export.built_at:%Y%m%d-%H%M}.tsv"


# --- Building --------------------------------------------------------------------


def sources() -> dict[str, str]:
    """The state each file is built from: the panels' versions, and for the panels file also the reviews.

    Every change to what the files show makes a new snapshot (or, for review
    counts, a new or changed review), so equal strings mean an equal file.
    Each begins with ``FORMAT``, so a new way of writing the rows rebuilds them.
    """
    snapshots = HistoricalSnapshot.objects.aggregate(count=Count("id"), last=Max("id"))
    reviews = Evaluation.objects.aggregate(count=Count("id"), last=Max("modified"))
    versions = f"{FORMAT};snapshots:{snapshots['count']}:{snapshots['last']}"
    last_review = reviews["last"].isoformat() if reviews["last"] else None
    return {
        Kind.PANELS: f"{versions};reviews:{reviews['count']}:{last_review}",
        Kind.GENES: versions,
        Kind.STRS: versions,
        Kind.REGIONS: versions,
    }


def build_exports() -> dict[str, str]:
    """Rebuild the exports whose data changed; return each kind's file name. Safe to run twice."""
    rows = export_rows()
    ExportFile.objects.update(rebuild_requested_at=None)  # from here on, a change queues the next build
    current = sources()
    stale = [kind for kind in Kind.values if rows[kind].source != current[kind] or not _stored(rows[kind].name)]
    if stale:
        built = _write_files(stale)
        now = timezone.now()
        for kind, (name, size) in built.items():
            ExportFile.objects.filter(kind=kind).update(name=name, size=size, source=current[kind], built_at=now)
            log.info("Built %s export %s (%d bytes)", kind, name, size)
    names = {export.kind: export.name for export in ExportFile.objects.all()}
    for kind, name in names.items():
        prune(kind, keep=name)
    return names


def _stored(name: str) -> bool:
    """Whether the file a row names is in the bucket: a bucket emptied or replaced (a restarted
    local stack, a restore) loses files the database still names, and the build writes them again."""
    return bool(name) and media_exists(name)


def forget_missing(export: ExportFile) -> bool:
    """If ``export``'s file is gone from storage, stop naming it and queue a build; True if it was gone.

    Called before a link to the file is handed out, so nobody is sent to
    storage's own error. The row forgets the name only if it still names that
    file, so a build finishing meanwhile is not undone.
    """
    if media_exists(export.name):
        return False
    log.warning("The %s export %s is missing from storage: building it again", export.kind, export.name)
    ExportFile.objects.filter(pk=export.pk, name=export.name).update(name="")
    schedule_rebuild(delay_seconds=0, force=True)
    return True


def prune(kind: str, *, keep: str) -> list[str]:
    """Delete a kind's superseded files once every link handed out for them has expired; return their names."""
    folder = f"exports/{kind}"
    cutoff = timezone.now() - timedelta(seconds=settings.MEDIA_URL_EXPIRY_SECONDS)
    deleted = []
    for filename in default_storage.listdir(folder)[1]:
        name = f"{folder}/{filename}"
        if name != keep and default_storage.get_modified_time(name) < cutoff:
            default_storage.delete(name)
            deleted.append(name)
    return deleted


def store_once(name: str, content: IO[bytes]) -> str:
    """Save under ``name`` unless a file is already there: names are content hashes, so it is the same file."""
    if default_storage.exists(name):
        return name
    return default_storage.save(name, File(content, name=name))


class _SpooledTSV:
    """One export being written: lines into a spooled file, hashed as they go."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.file = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # closed by _write_files
        self.digest = hashlib.sha256()
        self.size = 0

    def write_lines(self, lines: Iterable[str]) -> None:
        for line in lines:
            data = line.encode()
            self.file.write(data)
            self.digest.update(data)
            self.size += len(data)

    def store(self) -> tuple[str, int]:
        self.file.seek(0)
        name = f"exports/{self.kind}/{self.digest.hexdigest()}.tsv"
        return store_once(name, self.file), self.size


def _write_files(kinds: list[str]) -> dict[str, tuple[str, int]]:
    outputs = {kind: _SpooledTSV(kind) for kind in kinds}
    try:
        reviews = _Reviews() if Kind.PANELS in outputs else None
        for kind, output in outputs.items():
            output.write_lines(tsv_lines([HEADERS[kind]]))
        for snapshot in _current_snapshots():
            rows = _rows(snapshot, reviews)
            for kind, output in outputs.items():
                output.write_lines(tsv_lines(rows[kind]))
        return {kind: output.store() for kind, output in outputs.items()}
    finally:
        for output in outputs.values():
            output.file.close()


def _current_snapshots() -> Iterator[HistoricalSnapshot]:
    """Each public panel's current version, by panel name, a few at a time."""
    current = HistoricalSnapshot.objects.filter(
        panel__in=Panel.objects.visible(),
        major_version=F("panel__major_version"),
        minor_version=F("panel__minor_version"),
    )
    ids = list(current.order_by("panel__name", "panel_id").values_list("pk", flat=True))
    for start in range(0, len(ids), SNAPSHOT_BATCH):
        batch = ids[start : start + SNAPSHOT_BATCH]
        by_id = {
            s.pk: s
            for s in HistoricalSnapshot.objects.filter(pk__in=batch).only(
                "panel_id", "created", *HistoricalSnapshot.TEXT_FIELDS
            )
        }
        yield from (by_id[pk] for pk in batch)


class _Reviews:
    """Who reviewed which entity: the review counts and contributors of the panels file, in two queries."""

    def __init__(self) -> None:
        self.reviewers: dict[tuple[int, str, str], set[int]] = defaultdict(set)
        reviews = Evaluation.objects.values_list(
            "entity__panel_id", "entity__entity_type", "entity__entity_name", "user_id"
        )
        for panel_id, entity_type, entity_name, user_id in reviews.iterator():
            self.reviewers[(panel_id, entity_type, entity_name)].add(user_id)
        users = get_user_model().objects.filter(pk__in={u for ids in self.reviewers.values() for u in ids})
        self.names = {user.pk: _contributor(user) for user in users.select_related("reviewer")}


def _contributor(user) -> str:
    """Upstream's "First Last (e-mail)", with the affiliation instead: this file is public."""
    if not user.first_name:
        return user.get_username()
    affiliation = getattr(getattr(user, "reviewer", None), "affiliation", "")
    return f"{user.first_name} {user.last_name} ({affiliation})"


def _entity_key(panel: dict[str, Any], entity: dict[str, Any]) -> tuple[int, str, str]:
    return ((entity.get("panel") or panel)["id"], entity["entity_type"], entity["entity_name"])


def _rows(snapshot: HistoricalSnapshot, reviews: _Reviews | None) -> dict[str, list[tuple[Any, ...]]]:
    data = json.loads(snapshot.data)
    rows: dict[str, list[tuple[Any, ...]]] = {
        Kind.GENES: [_gene_row(data, e) for e in data["genes"]],
        Kind.STRS: [_str_row(data, e) for e in data["strs"]],
        Kind.REGIONS: [_region_row(data, e) for e in data["regions"]],
        Kind.PANELS: [],
    }
    if reviews is not None:
        rows[Kind.PANELS] = [_panel_row(snapshot, data, reviews)]
    return rows


def _panel_row(snapshot: HistoricalSnapshot, data: dict[str, Any], reviews: _Reviews) -> tuple[Any, ...]:
    reviewed_genes = 0
    contributors: set[int] = set()
    for collection in ("genes", "strs", "regions"):
        for entity in data[collection]:
            users = reviews.reviewers.get(_entity_key(data, entity), set())
            contributors |= users
            reviewed_genes += bool(users) and collection == "genes"
    names = sorted(reviews.names[pk] for pk in contributors)
    return (
        data["name"],
        data["disease_sub_group"],
        data["disease_group"],
        settings.PANEL_APP_BASE_URL + reverse("panels:detail", args=[data["id"]]),
        data["version"],
        str(snapshot.created),
        f"{reviewed_genes} of {len(data['genes'])} genes reviewed",
        len(contributors),
        ";".join(names),
        "",  # Reviewer emails: upstream's file was for curators only; this one is public
        data["status"].upper(),
        ";".join(data["relevant_disorders"]),
        ";".join(t["name"] for t in data["types"]),
    )


def _panel_columns(data: dict[str, Any], entity: dict[str, Any]) -> tuple[Any, ...]:
    """Panel Id, Name, Version, Status: the entity's own panel (a super panel's child)."""
    panel = entity.get("panel") or data
    return (panel["id"], panel["name"], panel["version"], panel["status"].upper())


def _super_panel_columns(data: dict[str, Any], entity: dict[str, Any]) -> tuple[Any, ...]:
    panel = entity.get("panel") or data
    types = ";".join(t["name"] for t in panel["types"])
    if entity.get("panel"):
        return (types, data["id"], data["name"], data["version"])
    return (types, "-", "-", "-")


def _gene_field(gene_data: dict[str, Any] | None, assembly: str, field: str, missing: str) -> str:
    releases = ((gene_data or {}).get("ensembl_genes") or {}).get(assembly) or {}
    return (releases.get(ENSEMBL_RELEASES[assembly]) or {}).get(field, missing)


def _common(entity: dict[str, Any], sources: list[str]) -> tuple[Any, ...]:
    return (
        LIST_COLOURS[str(entity["confidence_level"])],
        ";".join(sources),
        entity["mode_of_inheritance"],
    )


def _gene_row(data: dict[str, Any], entity: dict[str, Any]) -> tuple[Any, ...]:
    gene = entity["gene_data"] or {}
    return (
        gene.get("gene_symbol", entity["entity_name"]),
        *_panel_columns(data, entity),
        *_common(entity, sorted({name for name in entity["evidence"] if name})),
        entity.get("mode_of_pathogenicity"),
        ";".join(tag for tag in entity["tags"] if tag),
        _gene_field(gene, "GRch37", "ensembl_id", "-"),
        _gene_field(gene, "GRch38", "ensembl_id", "-"),
        gene.get("hgnc_id", "-"),
        gene.get("biotype", "-"),
        ";".join(entity["phenotypes"]),
        _gene_field(gene, "GRch37", "location", "-"),
        _gene_field(gene, "GRch38", "location", "-"),
        *_super_panel_columns(data, entity),
    )


def _position(entity: dict[str, Any]) -> tuple[Any, ...]:
    grch37 = entity.get("grch37_coordinates") or ("", "")
    grch38 = entity.get("grch38_coordinates") or ("", "")
    return (entity["chromosome"], grch37[0], grch37[1], grch38[0], grch38[1])


def _str_row(data: dict[str, Any], entity: dict[str, Any]) -> tuple[Any, ...]:
    gene = entity["gene_data"]
    return (
        entity["entity_name"],
        *_position(entity),
        entity["repeated_sequence"],
        entity["normal_repeats"],
        entity["pathogenic_repeats"],
        gene["gene_symbol"] if gene else "-",
        *_panel_columns(data, entity),
        *_common(entity, [name for name in entity["evidence"] if name]),
        ";".join(entity["tags"]),
        _gene_field(gene, "GRch37", "ensembl_id", "-") if gene else "-",
        _gene_field(gene, "GRch38", "ensembl_id", "-") if gene else "-",
        gene.get("biotype", "-") if gene else "-",
        ";".join(entity["phenotypes"]),
        _gene_field(gene, "GRch37", "location", "-") if gene else "-",
        _gene_field(gene, "GRch38", "location", "-") if gene else "-",
        *_super_panel_columns(data, entity),
    )


def _region_row(data: dict[str, Any], entity: dict[str, Any]) -> tuple[Any, ...]:
    gene = entity["gene_data"]
    return (
        entity["entity_name"],
        entity["verbose_name"],
        *_position(entity),
        entity["haploinsufficiency_score"] or "",
        entity["triplosensitivity_score"] or "",
        entity["required_overlap_percentage"],
        entity["type_of_variants"],
        gene["gene_symbol"] if gene else "",
        *_panel_columns(data, entity),
        *_common(entity, [name for name in entity["evidence"] if name]),
        ";".join(entity["tags"]),
        _gene_field(gene, "GRch37", "ensembl_id", "") if gene else "",
        _gene_field(gene, "GRch38", "ensembl_id", "") if gene else "",
        gene.get("biotype", "-") if gene else "-",
        ";".join(entity["phenotypes"]),
        _gene_field(gene, "GRch37", "location", "") if gene else "",
        _gene_field(gene, "GRch38", "location", "") if gene else "",
        *_super_panel_columns(data, entity),
    )
