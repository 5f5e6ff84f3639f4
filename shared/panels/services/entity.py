"""Genes, STRs and regions on a panel: adding, changing, removing, marking ready, approving.

An entity someone other than a curator adds or changes is flagged (upstream's
``flagged``) until a curator approves it (``approve_entity``) or rates it
(``review.review_entity``): reviewers may add genes, STRs and regions with
their review, and the curators decide whether they belong. The flag is not in
the API (upstream's serves none), so setting or clearing it makes no version.
"""

from collections.abc import Iterable
from typing import Any

from accounts import policy
from django.core.exceptions import PermissionDenied, ValidationError

from panels.models import Entity, Evidence, Gene, Panel, Tag
from panels.services import checks, evidence, versions
from panels.transcripts import check_transcripts

_COMMON_ENTITY_FIELDS = {"mode_of_inheritance", "mode_of_pathogenicity", "penetrance", "phenotypes", "publications"}


_POSITION_FIELDS = {"chromosome", "grch37_start", "grch37_end", "grch38_start", "grch38_end"}


ENTITY_FIELDS = {
    Entity.Type.GENE: frozenset(_COMMON_ENTITY_FIELDS | {"transcript"}),
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
    fields = clean_entity_fields(fields)
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
    entity.flagged = not policy.is_curator(user)  # a reviewer's addition waits for a curator's approval
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
    fields = clean_entity_fields(fields)
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
    if changed and not entity.flagged and not policy.is_curator(user):
        # Changed by someone who is not a curator (the admin's staff): a curator approves it, as an addition.
        entity.flagged = True
        entity.save(update_fields=["flagged"])
    if changed:
        what = ", ".join(field.replace("_", " ") for field in changed)
        versions.bump(user, panel, comment=comment, text=f"{entity.entity_name}: changed {what}", entity=entity)
    return entity


def clean_entity_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` with the values a rule normalises checked (a gene's transcripts); a ValidationError says why not."""
    if "transcript" in fields:
        return {**fields, "transcript": check_transcripts(fields["transcript"] or ())}
    return fields


@versions.writer
def approve_entity(user, entity: Entity, *, comment: str = "") -> Entity:
    """A curator's approval of an entity a reviewer added (upstream's "approve entity"): the flag goes.

    Logged with the comment, without a version: the flag is not part of what the API serves.
    """
    if not policy.can_curate(user):
        raise PermissionDenied("Only curators approve an entity.")
    panel = versions.locked(entity.panel)
    entity = panel.entities.get(pk=entity.pk)
    if not entity.flagged:
        raise ValidationError(f"{entity.entity_name} is not flagged: there is nothing to approve.", code="not_flagged")
    entity.flagged = False
    entity.save(update_fields=["flagged"])
    text = f"{entity.entity_name} approved" + (f": {comment.strip()}" if comment.strip() else "")
    versions.log_activity(user, panel, text, entity_ref=(entity.entity_type, entity.entity_name))
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
