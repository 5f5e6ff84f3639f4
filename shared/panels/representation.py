"""Panels as PanelApp's public API v1 represents them.

Plain functions over model instances rather than DRF serializers: the same
dictionaries are stored in every ``HistoricalSnapshot`` by the service layer
and served live by the API, and a 4,000-gene panel renders several times
faster without per-field serializer machinery. Field names, order and value
types follow upstream PanelApp (``confidence_level`` and ``version`` are
strings, coordinates are ``[start, end]`` or null, ...).
"""

import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.db.models import Prefetch, QuerySet

from panels.models import Entity, Evidence, Gene, Panel

ENTITY_COLLECTIONS = {Entity.Type.GENE: "genes", Entity.Type.STR: "strs", Entity.Type.REGION: "regions"}


def iso_datetime(value: datetime) -> str:
    """ISO 8601 with ``Z`` for UTC, as DRF (and so upstream) writes datetimes."""
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def iso_date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def render(data: Any) -> str:
    """The exact text the API sends: compact, UTF-8, like DRF's JSONRenderer."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


# Upstream's Level4Title fields, after upstream's own: what the panel is for and the disorder codes it covers.
PANEL_CODE_FIELDS = ("description", "omim", "orphanet", "hpo")


def nested_panel(panel: Panel) -> dict[str, Any]:
    """The panel object an entity carries (cross-panel lists, a super panel's entities): upstream's fields.

    Without the description and codes: a super panel repeats its child's
    object in every entity, and a paragraph there would be repeated thousands
    of times. The panel's own object (``panel_summary``) has them.
    """
    return {
        "id": panel.pk,
        "hash_id": panel.hash_id,
        "name": panel.name,
        "disease_group": panel.disease_group,
        "disease_sub_group": panel.disease_sub_group,
        "status": panel.status,
        "version": panel.version,
        "version_created": iso_datetime(panel.version_created),
        "relevant_disorders": list(panel.relevant_disorders),
        "stats": {key: panel.stats.get(key, 0) for key in ("number_of_genes", "number_of_strs", "number_of_regions")},
        "types": [{"name": t.name, "slug": t.slug, "description": t.description} for t in panel.types.all()],
    }


def panel_summary(panel: Panel) -> dict[str, Any]:
    """The panel object of lists, versions and details (types prefetched), with its description and codes."""
    return {
        **nested_panel(panel),
        "description": panel.description,
        "omim": list(panel.omim),
        "orphanet": list(panel.orphanet),
        "hpo": list(panel.hpo),
    }


def without_codes(summary: dict[str, Any]) -> dict[str, Any]:
    """A stored summary as an entity nests it (``nested_panel``'s fields)."""
    return {key: value for key, value in summary.items() if key not in PANEL_CODE_FIELDS}


def gene_data(gene: Gene | None) -> dict[str, Any] | None:
    if gene is None:
        return None
    return {
        "alias": list(gene.alias),
        "biotype": gene.biotype,
        "hgnc_id": gene.hgnc_id,
        "gene_name": gene.gene_name,
        "omim_gene": list(gene.omim_gene),
        "alias_name": list(gene.alias_name),
        "gene_symbol": gene.hgnc_symbol,
        "hgnc_symbol": gene.hgnc_symbol,
        "hgnc_release": iso_date(gene.hgnc_release),
        "ensembl_genes": gene.ensembl_genes,
        "hgnc_date_symbol_changed": iso_date(gene.hgnc_date_symbol_changed),
    }


def _range(start: int | None, end: int | None) -> list[int] | None:
    return [start, end] if start is not None and end is not None else None


def entity_dict(entity: Entity, panel: dict[str, Any] | None = None) -> dict[str, Any]:
    """One gene, STR or region (gene, tags and evidence prefetched).

    ``panel`` is the nested panel object: present in cross-panel lists and in
    the entities of a super panel (where it names the child panel).
    """
    data: dict[str, Any] = {
        "gene_data": gene_data(entity.gene),
        "entity_type": entity.entity_type,
        "entity_name": entity.entity_name,
    }
    if entity.entity_type == Entity.Type.REGION:
        data["verbose_name"] = entity.verbose_name
    data["confidence_level"] = str(entity.confidence_level)
    data["penetrance"] = entity.penetrance
    if entity.entity_type != Entity.Type.STR:
        data["mode_of_pathogenicity"] = entity.mode_of_pathogenicity
    if entity.entity_type == Entity.Type.REGION:
        data["haploinsufficiency_score"] = entity.haploinsufficiency_score
        data["triplosensitivity_score"] = entity.triplosensitivity_score
        data["required_overlap_percentage"] = entity.required_overlap_percentage
        data["type_of_variants"] = entity.type_of_variants
    data["publications"] = [p.strip() for p in entity.publications if p and p.strip()]
    data["evidence"] = [e.name for e in entity.evidence.all()]
    data["phenotypes"] = [p.strip() for p in entity.phenotypes if p and p.strip()]
    data["mode_of_inheritance"] = entity.mode_of_inheritance
    if entity.entity_type == Entity.Type.STR:
        data["repeated_sequence"] = entity.repeated_sequence
    if entity.entity_type != Entity.Type.GENE:
        data["chromosome"] = entity.chromosome
        data["grch37_coordinates"] = _range(entity.grch37_start, entity.grch37_end)
        data["grch38_coordinates"] = _range(entity.grch38_start, entity.grch38_end)
    if entity.entity_type == Entity.Type.STR:
        data["normal_repeats"] = entity.normal_repeats
        data["pathogenic_repeats"] = entity.pathogenic_repeats
    data["tags"] = [t.name for t in entity.tags.all()]
    if entity.entity_type == Entity.Type.GENE and entity.transcript:
        # v3.1.1's field, given only when a curator chose transcripts: every gene stored before
        # had none, so versions keep their stored parts byte for byte. Before ``panel``, which
        # a super panel's stored entities carry last (``snapshots.compose``).
        data["transcript"] = list(entity.transcript)
    if panel is not None:
        data["panel"] = panel
    return data


def entities_for_api(queryset: QuerySet[Entity]) -> QuerySet[Entity]:
    """What ``entity_dict`` reads, fetched in a constant number of queries."""
    return queryset.select_related("gene").prefetch_related(
        "tags", Prefetch("evidence", queryset=Evidence.objects.only("entity_id", "name", "created"))
    )


def panel_entities(panel: Panel, child_panels: Iterable[Panel]) -> dict[str, list[dict[str, Any]]]:
    """The ``genes``/``strs``/``regions`` lists of a panel's current state.

    A super panel owns no entities: it lists its children's, each carrying
    the child panel it comes from.
    """
    children = {child.pk: nested_panel(child) for child in child_panels}
    source = Entity.objects.filter(panel__in=children) if children else panel.entities.all()
    collections: dict[str, list[dict[str, Any]]] = {"genes": [], "strs": [], "regions": []}
    for entity in entities_for_api(source).order_by("entity_name", "panel_id"):
        nested = children.get(entity.panel_id) if children else None
        collections[ENTITY_COLLECTIONS[entity.entity_type]].append(entity_dict(entity, nested))
    return collections


def panel_stats(entities: dict[str, list[Any]]) -> dict[str, int]:
    return {f"number_of_{name}": len(items) for name, items in entities.items()}


def panel_detail(summary: dict[str, Any], entities: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    return {**summary, **entities}
