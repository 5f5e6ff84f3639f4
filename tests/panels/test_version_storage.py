"""Versions are stored as shared parts, yet every version reads back as the exact text the API served.

A change stores what changed: the entities it touched, rendered once and
shared by every later version in which they stay the same, and a layout of
ids; not the whole panel again.
"""

import json

import pytest
from django.db import connection
from django.db.models import Sum
from django.db.models.functions import Length
from panels import services
from panels.models import HistoricalSnapshot, Panel, SnapshotPart
from panels.representation import panel_detail, panel_entities, panel_summary, render

from tests.panels.factories import add_gene, add_region, add_str, make_panel, make_user

pytestmark = pytest.mark.django_db


def served_now(panel: Panel) -> str:
    """What the API serves for the panel's current state, rendered whole as every version once was."""
    panel = Panel.objects.prefetch_related("types").get(pk=panel.pk)
    children = list(panel.child_panels.prefetch_related("types"))
    return render(panel_detail(panel_summary(panel), panel_entities(panel, children)))


def latest(panel: Panel) -> HistoricalSnapshot:
    return panel.snapshots.order_by("-major_version", "-minor_version").first()


@pytest.fixture
def curator():
    return make_user()


@pytest.fixture
def mixed_panel(curator):
    panel = make_panel(curator)
    for symbol in ("ZEB2", "ABCA4", "MECP2"):
        add_gene(curator, panel, symbol)
    add_str(curator, panel)
    add_region(curator, panel)
    return panel


def test_every_version_of_a_changing_panel_reads_back_as_the_whole_text_it_served(curator, mixed_panel):
    served = {latest(mixed_panel).version: served_now(mixed_panel)}
    gene = mixed_panel.entities.get(entity_name="ABCA4")
    services.review_entity(curator, gene, rating="GREEN", comments="strong evidence")
    served[latest(mixed_panel).version] = served_now(mixed_panel)
    services.update_entity(curator, gene, phenotypes=["Stargardt disease"])
    served[latest(mixed_panel).version] = served_now(mixed_panel)
    services.remove_entity(curator, mixed_panel.entities.get(entity_name="ZEB2"))
    served[latest(mixed_panel).version] = served_now(mixed_panel)
    services.promote_panel(curator, mixed_panel, comment="reviewed")
    served[latest(mixed_panel).version] = served_now(mixed_panel)

    stored = {s.version: s.data for s in HistoricalSnapshot.objects.filter(panel=mixed_panel)}
    for version, text in served.items():
        assert stored[version] == text, version


def test_a_super_panel_s_versions_read_back_as_served_when_a_child_changes(curator):
    first, second = make_panel(curator, name="Child A"), make_panel(curator, name="Child B")
    add_gene(curator, first, "PKD1")
    add_gene(curator, second, "PKD1")
    add_gene(curator, second, "COL4A5")
    parent = make_panel(curator, name="Kidney super panel", child_panels=[first, second])
    before = served_now(parent)

    services.review_entity(curator, first.entities.get(), rating="AMBER", comments="two families")
    services.update_panel(curator, second, disease_group="Renal")

    versions = list(HistoricalSnapshot.objects.filter(panel=parent).order_by("major_version", "minor_version"))
    assert versions[0].data == before
    assert versions[-1].data == served_now(parent)
    assert [g["panel"]["name"] for g in json.loads(versions[-1].data)["genes"]] == ["Child B", "Child A", "Child B"]


def test_a_version_stored_whole_before_layouts_is_still_served_as_stored(curator, mixed_panel):
    snapshot = latest(mixed_panel)
    HistoricalSnapshot.objects.filter(pk=snapshot.pk).update(data='{"stored":"whole"}', layout=None)

    assert HistoricalSnapshot.objects.get(pk=snapshot.pk).data == '{"stored":"whole"}'
    assert HistoricalSnapshot.objects.only("data").get(pk=snapshot.pk).data == '{"stored":"whole"}'


def test_a_rating_renders_and_stores_only_the_entity_it_changed(curator, mixed_panel):
    parts_before = SnapshotPart.objects.count()

    services.review_entity(curator, mixed_panel.entities.get(entity_name="MECP2"), rating="RED", comments="no")

    assert SnapshotPart.objects.count() == parts_before + 1


def test_an_unchanged_entity_is_stored_once_whatever_the_number_of_versions(curator, mixed_panel):
    gene = mixed_panel.entities.get(entity_name="ZEB2")
    for n in range(5):
        services.update_entity(curator, gene, phenotypes=[f"Phenotype {n}"])

    str_text = render(json.loads(latest(mixed_panel).data)["strs"][0])
    assert SnapshotPart.objects.filter(text=str_text).count() == 1
    assert HistoricalSnapshot.objects.filter(panel=mixed_panel, data__isnull=False).count() == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="sizes as PostgreSQL stores them")
def test_history_of_one_gene_changes_grows_with_the_changes_not_with_the_panel(curator):
    panel = make_panel(curator)
    genes = [add_gene(curator, panel) for _ in range(300)]
    whole = len(served_now(panel))
    parts_before = SnapshotPart.objects.aggregate(total=Sum(Length("text")))["total"]
    versions_before = HistoricalSnapshot.objects.filter(panel=panel).count()

    for n in range(20):
        services.update_entity(curator, genes[n * 7], phenotypes=[f"Phenotype {n}"])

    new_versions = HistoricalSnapshot.objects.filter(panel=panel).order_by("-pk")[:20]
    layouts = sum(len(json.dumps(s.layout)) + len(s.summary) for s in new_versions)
    parts = SnapshotPart.objects.aggregate(total=Sum(Length("text")))["total"] - parts_before
    assert HistoricalSnapshot.objects.filter(panel=panel).count() == versions_before + 20
    assert layouts + parts < 0.05 * 20 * whole


def test_an_entity_added_takes_its_place_in_the_order(curator, mixed_panel):
    add_region(curator, mixed_panel, name="ISCA-00001-Gain")

    assert [r["entity_name"] for r in json.loads(latest(mixed_panel).data)["regions"]] == [
        "ISCA-00001-Gain",
        "ISCA-37446-Loss",
    ]
    assert latest(mixed_panel).data == served_now(mixed_panel)
