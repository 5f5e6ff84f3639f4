"""Curators editing the same panels at once: no deadlock surfaces, no version is skipped or lost."""

import json
import os
import subprocess
import sys
from collections import Counter

import pytest
from accounts.models import Reviewer
from django.db import OperationalError, connection, transaction
from panels import services
from panels.models import Activity, Entity, Panel

from tests.conftest import ROOT
from tests.panels.factories import add_gene, make_panel, make_user

PROCESSES = 4
OPERATIONS = 50  # per process: 200 in all


def run_processes(panel_ids: list[int], super_ids: list[int]) -> list[dict]:
    settings = connection.settings_dict
    url = f"postgres://{settings['USER'] or 'postgres'}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
    environ = {**os.environ, "DATABASE_URL": f"{url}/{settings['NAME']}", "PYTHONPATH": f"{ROOT / 'shared'}:{ROOT}"}
    command = [sys.executable, "-m", "tests.panels.concurrent_edits"]
    children = [
        subprocess.Popen(
            [*command, str(number), str(OPERATIONS), json.dumps(panel_ids), json.dumps(super_ids)],
            env=environ,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for number in range(PROCESSES)
    ]
    outcomes = []
    for child in children:
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0, err
        lines = (json.loads(line) for line in out.splitlines() if line.startswith("{"))
        outcomes += [line for line in lines if "process" in line]  # the rest are log lines
    return outcomes


@pytest.fixture
def shared_panels(transactional_db):
    curator = make_user(Reviewer.Role.CURATOR, username="concurrency-curator")
    panels = [make_panel(curator, name=f"Shared {n}") for n in range(4)]
    for panel in panels:
        add_gene(curator, panel, tags=["existing"])
    supers = [
        make_panel(curator, name="Super A", child_panels=panels[:2]),
        make_panel(curator, name="Super B", child_panels=panels[1:]),
    ]
    return [p.pk for p in panels], [s.pk for s in supers]


def test_200_concurrent_mixed_edits_surface_no_deadlock_lose_no_change_and_keep_versions_whole(shared_panels):
    panel_ids, super_ids = shared_panels

    outcomes = run_processes(panel_ids, super_ids)

    assert len(outcomes) == PROCESSES * OPERATIONS
    print(f"transactions retried after a deadlock: {sum(o['retries'] for o in outcomes)}")
    assert [(o["kind"], o["error"], o["message"][:120]) for o in outcomes if not o["ok"]] == []
    for panel in Panel.objects.filter(pk__in=panel_ids + super_ids):
        versions = sorted(panel.snapshots.values_list("minor_version", flat=True))
        assert versions == list(range(panel.minor_version + 1)), f"{panel.name}: versions not gap-free"
        per_version = Counter(panel.activities.values_list("panel_version", flat=True))
        assert set(per_version.values()) == {1}, f"{panel.name}: not one activity per version"
        assert set(per_version) == {f"0.{minor}" for minor in versions}
    # No lost change: every entity carries the tags its last writer gave it ...
    final_tags = {o["symbol"]: o["tags"] for o in outcomes if o["kind"] in {"add", "tags"}}
    stored = {
        e.entity_name: sorted(t.name for t in e.tags.all())
        for e in Entity.objects.filter(entity_name__in=final_tags).prefetch_related("tags")
    }
    assert stored == final_tags
    # ... and every super panel's newest version lists exactly its children's current entities.
    for super_panel in Panel.objects.filter(pk__in=super_ids):
        newest = json.loads(super_panel.snapshots.first().data)
        children = super_panel.child_panels.all()
        current = sorted(Entity.objects.filter(panel__in=children).values_list("entity_name", "panel_id"))
        assert sorted((g["entity_name"], g["panel"]["id"]) for g in newest["genes"]) == current


def test_a_change_made_against_an_older_version_is_refused_with_what_changed_since(transactional_db):
    curator = make_user(Reviewer.Role.CURATOR)
    panel = make_panel(curator, name="Stale form")
    opened_at = panel.version
    add_gene(curator, panel, "ATXN1")

    with pytest.raises(services.StaleVersionError) as refused:
        services.update_panel(curator, panel, disease_sub_group="Ataxias", base_version=opened_at)

    assert refused.value.changes == ["0.1: Added Gene ATXN1"]
    panel.refresh_from_db()
    assert (panel.version, panel.disease_sub_group) == ("0.1", "")
    assert not Activity.objects.filter(text__contains="Ataxias").exists()


def test_a_change_made_against_the_current_version_goes_through(transactional_db):
    curator = make_user(Reviewer.Role.CURATOR)
    panel = make_panel(curator, name="Fresh form")

    services.update_panel(curator, panel, disease_sub_group="Ataxias", base_version=panel.version)

    panel.refresh_from_db()
    assert (panel.version, panel.disease_sub_group) == ("0.1", "Ataxias")


class Deadlock(Exception):
    sqlstate = "40P01"


def collisions(times: int):
    """A writer body that deadlocks ``times`` times, then succeeds."""
    calls = []

    def body():
        calls.append(1)
        if len(calls) <= times:
            raise OperationalError("deadlock detected") from Deadlock()
        return "saved"

    return body, calls


def test_a_writer_that_deadlocks_is_retried_until_it_goes_through(transactional_db):
    body, calls = collisions(services.CONFLICT_RETRIES - 1)

    assert services.writer(body)() == "saved"
    assert len(calls) == services.CONFLICT_RETRIES


def test_a_writer_that_keeps_deadlocking_ends_in_a_clear_conflict_error(transactional_db):
    body, calls = collisions(services.CONFLICT_RETRIES)

    with pytest.raises(services.ConcurrentEditError, match="try again"):
        services.writer(body)()
    assert len(calls) == services.CONFLICT_RETRIES


def test_a_writer_inside_a_callers_transaction_leaves_the_retry_to_the_caller(transactional_db):
    body, calls = collisions(1)

    with pytest.raises(OperationalError), transaction.atomic():
        services.writer(body)()
    assert len(calls) == 1
