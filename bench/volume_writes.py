"""A curator's change at the real PanelApp's volume: its time, and the history it stores.

Run on a database ``manage.py build_volume`` filled (it is left as it was: every
change happens in one transaction, rolled back at the end)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<volume database> .venv/bin/python bench/volume_writes.py

It measures, through the service layer a curator's form calls:

- a rating on a gene of the largest child of the largest super panel (the child
  and the super panel both get a new version), and on a gene of the largest
  panel: the first change of a panel whose versions were stored whole (before
  layouts) renders every entity once; the median of the changes after it is
  what a curator waits for;
- ``--changes`` one-gene changes to the largest panel: the bytes they add to
  the database (their versions and the parts they stored, as PostgreSQL
  stores them, compressed) against what the same number of versions stored
  whole would take (the size of that panel's newest version stored whole).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "shared"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panelapp.settings")


class RolledBack(Exception):
    """Leaves the volume database as it was."""


def timed(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=100, help="one-gene changes to the largest panel")
    parser.add_argument("--ratings", type=int, default=10, help="ratings timed after the first")
    options = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database build_volume filled.")
    settings.PANEL_EXPORTS_REBUILD_ON_CHANGE = False
    from accounts.models import Reviewer
    from django.db.models import Count
    from panels import services
    from panels.models import Entity, HistoricalSnapshot, Panel, SnapshotPart

    curator = Reviewer.objects.filter(role=Reviewer.Role.CURATOR).select_related("user").first().user
    supers = Panel.objects.annotate(children=Count("child_panels")).filter(children__gt=0)
    super_panel = max(supers, key=lambda p: p.stats.get("number_of_genes", 0))
    child = max(super_panel.child_panels.all(), key=lambda p: p.stats.get("number_of_genes", 0))
    largest = (
        Panel.objects.annotate(children=Count("child_panels"))
        .filter(children=0)
        .order_by("-stats__number_of_genes")
        .first()
    )
    print(f"super panel {super_panel.name}: {super_panel.stats}; its largest child {child.name}: {child.stats}")
    print(f"largest panel {largest.name}: {largest.stats}")

    def rate(panel: Panel, count: int) -> tuple[float, float]:
        genes = list(panel.entities.filter(entity_type=Entity.Type.GENE).order_by("pk")[: count + 1])
        first = timed(lambda: services.review_entity(curator, genes[0], rating="GREEN", comments="bench"))
        ratings = ["RED", "AMBER", "GREEN"]
        rest = [
            timed(lambda g=g, n=n: services.review_entity(curator, g, rating=ratings[n % 3], comments="bench"))
            for n, g in enumerate(genes[1:])
        ]
        return first, statistics.median(rest)

    def stored_bytes(since_snapshot: int, since_part: int) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COALESCE(SUM(pg_column_size(s.*)), 0) FROM panels_historicalsnapshot s WHERE id > %s",
                [since_snapshot],
            )
            versions = cursor.fetchone()[0]
            cursor.execute(
                "SELECT COALESCE(SUM(pg_column_size(p.*)), 0) FROM panels_snapshotpart p WHERE id > %s",
                [since_part],
            )
            return versions + cursor.fetchone()[0]

    def whole_version_bytes(panel: Panel) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_column_size(s.*) FROM panels_historicalsnapshot s"
                " WHERE panel_id = %s AND data IS NOT NULL ORDER BY major_version DESC, minor_version DESC LIMIT 1",
                [panel.pk],
            )
            row = cursor.fetchone()
        return row[0] if row else 0

    try:
        with transaction.atomic():
            child_first, child_median = rate(child, options.ratings)
            print(
                f"rating on {child.name} (child of {super_panel.name}): first {child_first * 1000:.0f} ms"
                f" (renders every entity once), then median {child_median * 1000:.0f} ms"
            )
            largest_first, largest_median = rate(largest, options.ratings)
            print(
                f"rating on {largest.name}: first {largest_first * 1000:.0f} ms, then median"
                f" {largest_median * 1000:.0f} ms"
            )
            snapshot_mark = HistoricalSnapshot.objects.order_by("-pk").values_list("pk", flat=True).first()
            part_mark = SnapshotPart.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            genes = list(largest.entities.filter(entity_type=Entity.Type.GENE).order_by("pk")[: options.changes])
            times = [
                timed(lambda g=g, n=n: services.update_entity(curator, g, phenotypes=[f"Bench phenotype {n}"]))
                for n, g in enumerate(genes)
            ]
            added = stored_bytes(snapshot_mark, part_mark)
            whole = whole_version_bytes(largest) * len(genes)
            print(
                f"{len(genes)} one-gene changes to {largest.name}: median {statistics.median(times) * 1000:.0f} ms;"
                f" stored {added / 1024:.0f} KB, against {whole / 1024:.0f} KB stored whole"
                f" ({added / whole:.1%})"
                if whole
                else f"stored {added / 1024:.0f} KB (no version stored whole to compare with)"
            )
            raise RolledBack
    except RolledBack:
        pass


if __name__ == "__main__":
    main()
