"""``load_demo_data``: a living app on first start, nothing duplicated on the next."""

import time
from io import StringIO

import pytest
from django.core.management import call_command
from panels.models import Activity, Entity, Evaluation, HistoricalSnapshot, Panel

pytestmark = pytest.mark.django_db


def load() -> str:
    out = StringIO()
    call_command("load_demo_data", stdout=out)
    return out.getvalue()


def counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Panel, Entity, Evaluation, HistoricalSnapshot, Activity))


@pytest.mark.smoke
def test_demo_data_loads_quickly_and_only_once():
    started = time.monotonic()
    assert "Demo data loaded" in load()
    assert time.monotonic() - started < 10
    loaded = counts()

    assert load().startswith("Demo data already loaded")
    assert counts() == loaded


def test_demo_data_has_every_kind_of_panel_entity_review_version_and_sign_off():
    load()

    assert set(Panel.objects.values_list("status", flat=True)) == {"public", "retired", "internal"}
    assert set(Entity.objects.values_list("entity_type", flat=True)) == {"gene", "str", "region"}
    assert set(Entity.objects.values_list("confidence_level", flat=True)) >= {1, 2, 3}
    assert Panel.objects.filter(child_panels__isnull=False).distinct().count() == 1
    assert Panel.objects.filter(major_version__gte=2).exists()
    assert HistoricalSnapshot.objects.filter(signed_off_date__isnull=False).count() == 3
    assert Evaluation.objects.values("user").distinct().count() == 3
    super_panel = Panel.objects.get(name="Cancer susceptibility")
    assert super_panel.version == "0.1"  # moved with its child
