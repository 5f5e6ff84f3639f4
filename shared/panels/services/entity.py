"""Genes, STRs and regions on a panel: adding, changing, removing, marking ready."""

from collections.abc import Iterable
from typing import Any

from accounts import policy
from django.core.exceptions import ValidationError

from panels.models import Entity, Evidence, Gene, Panel, Tag
from panels.services import checks, evidence, versions

_COMMON_ENTITY_FIELDS = {"mode_of_inheritance", "mode_of_pathogenicity", "penetrance", "phenotypes", "publications"}


_POSITION_FIELDS = {"chromosome", "grch37_start", "grch37_end", "grch38_start", "grch38_end"}


ENTITY_FIELDS = {
    Entity.Type.GENE: frozenset(_COMMON_ENTITY_FIELDS),
    Entity.Type.STR: frozenset(
        _COMMON_ENTITY_FIELDS | _POSITION_FIELDS | {"repeated_sequence", "normal_repeats", "pathogenic_repeats"}
    ),
    Entity.Type.REGION: frozenset(
        _COMMON_ENTITY_FIELDS
        | _POSITION_FIELDS
        | {
            "verbose_name",
            "haploinsufficiency_score",
            "triplosensitivity_score",
            "required_overlap_percentage",
            "type_of_variants",
        }
    ),
}


@versions.writer
def add_entity(
    user,
    panel: Panel,
    *,
    entity_type: str,
    entity_name: str = "",
    gene: Gene | str | None = None,
    sources: Iterable[str] = (),
    tags: Iterable[str] = (),
    comment: str = "",
    base_version: str | None = None,
    **fields: Any,
) -> Entity:
    """Add a gene (named by its symbol), STR or region to a panel, with its evidence sources."""
    if entity_type not in ENTITY_FIELDS:
        raise ValidationError(f"Unknown entity type {entity_type!r}.", code="bad_entity_type")
    checks.check_fields(fields, ENTITY_FIELDS[entity_type], entity_type)
    panel = versions.locked(panel, base_version=base_version)
    policy.check_can_contribute_to(user, panel)
    if panel.child_panels.exists():
        raise ValidationError("A super panel lists its child panels' entities; add to a child panel.", code="super")
    gene = _gene(gene)
    if entity_type == Entity.Type.GENE:
        if gene is None:
            raise ValidationError("A gene entity needs a gene.", code="no_gene")
        entity_name = gene.hgnc_symbol
    if not entity_name:
        raise ValidationError("An STR or region needs a name.", code="no_name")
    checks.check_entity_name(entity_name)
    if panel.entities.filter(entity_type=entity_type, entity_name=entity_name).exists():
        raise ValidationError(f"{entity_name} is already on panel {panel.name}.", code="duplicate")
    entity = Entity(panel=panel, entity_type=entity_type, entity_name=entity_name, gene=gene, **fields)
    entity.full_clean(exclude=["tags"], validate_constraints=False)
    entity.save()
    _set_tags(entity, tags)
    Evidence.objects.bulk_create(Evidence(entity=entity, name=source, reviewer=user) for source in sources)
    evidence.refresh_confidence(entity)
    versions.bump(
        user, panel, comment=comment, text=f"Added {entity.get_entity_type_display()} {entity_name}", entity=entity
    )
    return entity


@versions.writer
def update_entity(
    user,
    entity: Entity,
    *,
    tags: Iterable[str] | None = None,
    comment: str = "",
    base_version: str | None = None,
    **fields: Any,
) -> Entity:
    """Change an entity's curated attributes; a new minor version if anything changed."""
    checks.check_fields(fields, ENTITY_FIELDS[entity.entity_type], entity.entity_type)
    panel = versions.locked(entity.panel, base_version=base_version)
    entity = panel.entities.get(pk=entity.pk)
    changed = [field for field, value in fields.items() if getattr(entity, field) != value]
    for field in changed:
        setattr(entity, field, fields[field])
    entity.full_clean(exclude=["tags"], validate_constraints=False)
    if changed:
        entity.save(update_fields=changed)
    if tags is not None:
        new_tags = sorted(set(tags))
        if new_tags != sorted(entity.tags.values_list("name", flat=True)):
            _set_tags(entity, new_tags)
            changed.append("tags")
    if changed:
        what = ", ".join(field.replace("_", " ") for field in changed)
        versions.bump(user, panel, comment=comment, text=f"{entity.entity_name}: changed {what}", entity=entity)
    return entity


@versions.writer
def remove_entity(user, entity: Entity, *, comment: str = "", base_version: str | None = None) -> None:
    panel = versions.locked(entity.panel, base_version=base_version)
    entity = panel.entities.get(pk=entity.pk)
    text = f"Removed {entity.get_entity_type_display()} {entity.entity_name}"
    entity_type, entity_name = entity.entity_type, entity.entity_name
    entity.delete()
    versions.bump(user, panel, comment=comment, text=text, entity_ref=(entity_type, entity_name), changed=())


@versions.writer
def set_entity_ready(user, entity: Entity, *, ready: bool, comment: str = "") -> Entity:
    """A curator's mark that an entity's curation is complete. Not in the API, so logged without a version."""
    panel = versions.locked(entity.panel)
    entity = panel.entities.get(pk=entity.pk)
    if entity.ready != ready:
        entity.ready = ready
        entity.save(update_fields=["ready"])
        text = f"{entity.entity_name} marked as {'ready' if ready else 'not ready'}" + (
            f": {comment}" if comment else ""
        )
        versions.log_activity(user, panel, text, entity_ref=(entity.entity_type, entity.entity_name))
    return entity


def _set_tags(entity: Entity, names: Iterable[str]) -> None:
    """Brand-new tags are inserted in name order (the global lock order), in one statement."""
    wanted = sorted({n.strip() for n in names if n and n.strip()})
    Tag.objects.bulk_create([Tag(name=name) for name in wanted], ignore_conflicts=True)
    entity.tags.set(Tag.objects.filter(name__in=wanted))


def _gene(gene: Gene | str | None) -> Gene | None:
    if gene is None or isinstance(gene, Gene):
        return gene
    try:
        return Gene.objects.get(hgnc_symbol=gene)
    except Gene.DoesNotExist:
        raise ValidationError(f"Unknown gene symbol {gene!r}.", code="unknown_gene") from None
