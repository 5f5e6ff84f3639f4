"""The curators' live marks on entities, ``ready`` and ``flagged``, for pages and files drawn from a snapshot.

Neither mark is in the API's JSON (upstream's API v1 serves neither), so a
version's stored JSON does not hold them: pages and the panel file ask the
entity rows, in one query for the whole panel, and only for the current
version. An entity is keyed as rating counts are, by
``(panel id, entity type, entity name)``: a super panel's entities live on
its child panels.
"""

from collections.abc import Iterable
from typing import Any

from django.db.models import Q

from panels.models import Entity

EntityKey = tuple[int, str, str]

# An entity a reviewer added (or changed) stays flagged until a curator approves it; this says so on pages.
FLAG_TEXT = "Flagged: added by a reviewer, waiting for a curator's approval"


def source_panel_ids(panel_data: dict[str, Any]) -> set[int]:
    """The panels whose rows hold a version's entities: the panel, and a super panel's children."""
    ids = {panel_data["id"]}
    for collection in ("genes", "strs", "regions"):
        ids.update(entity["panel"]["id"] for entity in panel_data.get(collection, ()) if entity.get("panel"))
    return ids


def entity_key(panel_data: dict[str, Any], entity: dict[str, Any]) -> EntityKey:
    """An entity of a version's JSON as its row is known: the child panel's id for a super panel's entity."""
    return ((entity.get("panel") or panel_data)["id"], entity["entity_type"], entity["entity_name"])


def flagged_keys(panel_ids: Iterable[int]) -> set[EntityKey]:
    """The flagged entities of these panels: one query, returning only the flagged rows."""
    rows = Entity.objects.filter(panel_id__in=set(panel_ids), flagged=True)
    return set(rows.values_list("panel_id", "entity_type", "entity_name"))


def entity_marks(panel_ids: Iterable[int]) -> dict[EntityKey, tuple[bool, bool]]:
    """``(ready, flagged)`` of every entity that has either mark (others have neither), in one query."""
    rows = Entity.objects.filter(Q(ready=True) | Q(flagged=True), panel_id__in=set(panel_ids))
    return {
        (panel_id, kind, name): (ready, flagged)
        for panel_id, kind, name, ready, flagged in rows.values_list(
            "panel_id", "entity_type", "entity_name", "ready", "flagged"
        )
    }
