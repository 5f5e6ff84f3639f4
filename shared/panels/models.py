"""The PanelApp domain: panels, their entities, reviews and versions.

A ``Panel`` row is the stable identity and current state of a panel; its
entities (genes, STRs, regions) hang off it directly. Every version is kept as
a ``HistoricalSnapshot`` holding the exact JSON the public API served for it,
so an old version is served byte for byte and never rebuilt from rows that
have changed since. Nothing here writes: ``panels.services`` is the only writer.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.db.models.query_utils import DeferredAttribute


class PanelType(models.Model):
    name = models.CharField(max_length=128)
    slug = models.SlugField(max_length=128, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PanelQuerySet(models.QuerySet):
    def visible(self, *, retired: bool = False) -> "PanelQuerySet":
        """Panels the public sees: public and promoted, plus retired when asked."""
        statuses = [Panel.Status.PUBLIC, Panel.Status.PROMOTED]
        if retired:
            statuses.append(Panel.Status.RETIRED)
        return self.filter(status__in=statuses)


class Panel(models.Model):
    class Status(models.TextChoices):
        PROMOTED = "promoted", "Promoted"
        PUBLIC = "public", "Public"
        RETIRED = "retired", "Retired"
        INTERNAL = "internal", "Internal"
        DELETED = "deleted", "Deleted"

    name = models.CharField(max_length=255, db_index=True)
    # The identifier of PanelApp's first generation, kept for old links.
    hash_id = models.CharField(max_length=24, null=True, blank=True, unique=True)
    disease_group = models.CharField(max_length=255, blank=True)
    disease_sub_group = models.CharField(max_length=255, blank=True)
    relevant_disorders = models.JSONField(default=list, blank=True)
    # Upstream's Level4Title: what the panel is for, and the disorder codes it covers.
    description = models.TextField(blank=True)
    omim = models.JSONField(default=list, blank=True)
    orphanet = models.JSONField(default=list, blank=True)
    hpo = models.JSONField(default=list, blank=True)
    # Every code the panel answers to (panels.codes.phenotype_codes), kept by the service layer for
    # the phenotype filters; a GIN index on PostgreSQL (migration 0009).
    phenotype_codes = models.JSONField(default=list, editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.INTERNAL, db_index=True)
    types = models.ManyToManyField(PanelType, blank=True, related_name="panels")
    child_panels = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="super_panels", help_text="Makes this a super panel"
    )
    major_version = models.PositiveIntegerField(default=0, editable=False)
    minor_version = models.PositiveIntegerField(default=0, editable=False)
    version_comment = models.TextField(blank=True, editable=False)
    version_created = models.DateTimeField(editable=False)
    # Entity counts of the current version, kept by the service layer so lists
    # need no per-panel aggregate (a super panel counts its children's entities).
    stats = models.JSONField(default=dict, editable=False)

    objects = PanelQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def version(self) -> str:
        return f"{self.major_version}.{self.minor_version}"


class Gene(models.Model):
    """A gene as HGNC and Ensembl describe it, shared by every panel."""

    hgnc_symbol = models.CharField(max_length=64, unique=True)
    gene_name = models.CharField(max_length=255, blank=True)
    hgnc_id = models.CharField(max_length=32, blank=True)
    alias = models.JSONField(default=list, blank=True)
    alias_name = models.JSONField(default=list, blank=True)
    omim_gene = models.JSONField(default=list, blank=True)
    biotype = models.CharField(max_length=64, blank=True)
    # {"GRch37": {"82": {"ensembl_id": ..., "location": ...}}, "GRch38": {...}}
    ensembl_genes = models.JSONField(default=dict, blank=True)
    hgnc_date_symbol_changed = models.DateField(null=True, blank=True)
    hgnc_release = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["hgnc_symbol"]
        # Naming a gene by its HGNC id; its aliases have a GIN index on PostgreSQL (migration 0007).
        indexes = [models.Index(fields=["hgnc_id"], name="gene_hgnc_id")]

    def __str__(self) -> str:
        return self.hgnc_symbol


class Tag(models.Model):
    name = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Entity(models.Model):
    """A gene, STR or region on a panel, with its curated attributes.

    One table for the three kinds: they share almost every attribute, the API
    lists them together, and reviews point at one model. Columns that belong
    to one kind only are left empty for the others.
    """

    class Type(models.TextChoices):
        GENE = "gene", "Gene"
        STR = "str", "STR"
        REGION = "region", "Region"

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="entities")
    entity_type = models.CharField(max_length=8, choices=Type.choices)
    entity_name = models.CharField(max_length=128)
    gene = models.ForeignKey(Gene, on_delete=models.PROTECT, null=True, blank=True, related_name="entities")
    confidence_level = models.PositiveSmallIntegerField(default=0, editable=False, db_index=True)
    mode_of_inheritance = models.CharField(max_length=255, blank=True)
    # Null, not "", is what the API serves for "not given" here (as upstream does).
    mode_of_pathogenicity = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    penetrance = models.CharField(max_length=32, null=True, blank=True)  # noqa: DJ001
    phenotypes = models.JSONField(default=list, blank=True)
    publications = models.JSONField(default=list, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="entities")
    # A curator's mark that curation is complete (upstream's "ready"); not part of the API.
    ready = models.BooleanField(default=False, editable=False)
    # Added or changed by a reviewer and waiting for a curator's approval (upstream's "flagged").
    flagged = models.BooleanField(default=False, editable=False)
    # Genes: the transcripts the panel's curators chose (upstream v3.1.1's ``transcript``).
    transcript = models.JSONField(default=list, blank=True)
    # STRs and regions
    chromosome = models.CharField(max_length=8, blank=True)
    grch37_start = models.PositiveBigIntegerField(null=True, blank=True)
    grch37_end = models.PositiveBigIntegerField(null=True, blank=True)
    grch38_start = models.PositiveBigIntegerField(null=True, blank=True)
    grch38_end = models.PositiveBigIntegerField(null=True, blank=True)
    # STRs
    repeated_sequence = models.CharField(max_length=128, blank=True)
    normal_repeats = models.PositiveIntegerField(null=True, blank=True)
    pathogenic_repeats = models.PositiveIntegerField(null=True, blank=True)
    # Regions (copy-number variants)
    verbose_name = models.CharField(max_length=255, blank=True)
    haploinsufficiency_score = models.CharField(max_length=8, blank=True)
    triplosensitivity_score = models.CharField(max_length=8, blank=True)
    required_overlap_percentage = models.PositiveSmallIntegerField(null=True, blank=True)
    type_of_variants = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["entity_name"]
        verbose_name_plural = "entities"
        constraints = [
            models.UniqueConstraint(fields=["panel", "entity_type", "entity_name"], name="unique_entity_per_panel"),
            models.CheckConstraint(
                condition=~Q(entity_type="gene") | Q(gene__isnull=False), name="gene_entity_has_gene"
            ),
            models.CheckConstraint(condition=Q(confidence_level__lte=3), name="confidence_level_0_to_3"),
        ]
        # The cross-panel lists read a page in name order from these (panels.keyset): one kind, or every kind.
        indexes = [
            models.Index(fields=["entity_type", "entity_name", "id"], name="entity_type_name_id"),
            models.Index(fields=["entity_name", "entity_type", "id"], name="entity_name_type_id"),
        ]

    def __str__(self) -> str:
        return f"{self.get_entity_type_display()} {self.entity_name}"


class Evidence(models.Model):
    """A source behind an entity; an ``Expert Review <colour>`` is a curator's decision."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="evidence")
    name = models.CharField(max_length=255)
    rating = models.PositiveSmallIntegerField(default=5)
    comment = models.CharField(max_length=255, blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name_plural = "evidence"

    def __str__(self) -> str:
        return self.name


class Evaluation(models.Model):
    """A review of an entity by one user; one per user and entity."""

    class Rating(models.TextChoices):
        GREEN = "GREEN", "Green List (high evidence)"
        AMBER = "AMBER", "I don't know"
        RED = "RED", "Red List (low evidence)"

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="evaluations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="evaluations")
    rating = models.CharField(max_length=8, choices=Rating.choices, blank=True)
    mode_of_inheritance = models.CharField("mode of inheritance", max_length=255, blank=True)
    mode_of_pathogenicity = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    phenotypes = models.JSONField(default=list, blank=True)
    publications = models.JSONField(default=list, blank=True)
    current_diagnostic = models.BooleanField(default=False)
    clinically_relevant = models.BooleanField(null=True, blank=True)
    # The panel version the review was made against.
    version = models.CharField(max_length=16, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [models.UniqueConstraint(fields=["entity", "user"], name="one_review_per_user_and_entity")]

    def __str__(self) -> str:
        return f"{self.rating or 'Comment'} on {self.entity} by {self.user}"


class Comment(models.Model):
    """One dated comment in a reviewer's thread on an entity, as upstream keeps them.

    A comment belongs to its author's review of the entity (a comment without
    a rating is a review with no rating, as upstream does), so each review
    keeps its own comment history and goes with it when deleted. Saving the
    review form adds a comment; the author edits or deletes one comment at a
    time. Written by ``panels.comments``.
    """

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="thread")
    # The evaluation's user, kept here as upstream does: who may edit is a column away.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="panel_comments")
    text = models.TextField()
    # The panel version the comment was written (or last edited) against.
    version = models.CharField(max_length=16, blank=True)
    created = models.DateTimeField()
    modified = models.DateTimeField()

    class Meta:
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return f"{self.user}: {self.text[:30]}"

    @property
    def edited(self) -> bool:
        return self.modified > self.created


class VersionText(DeferredAttribute):
    """Reads a version's JSON text whichever way it is stored: whole, or as a layout of shared parts."""

    def __get__(self, instance, cls=None):
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if value is not None:
            return value
        from panels.snapshots import compose

        return compose(instance.summary, instance.layout)

    def __set__(self, instance, value) -> None:
        # A data descriptor, so that reads come here even once the stored value is loaded.
        instance.__dict__[self.field.attname] = value


class VersionTextField(models.TextField):
    """``HistoricalSnapshot.data``: the stored text of older versions; composed from parts for newer ones.

    Saving writes only what was stored (None for a composed version), never the
    composed text.
    """

    descriptor_class = VersionText

    def pre_save(self, model_instance, add):
        return model_instance.__dict__.get(self.attname)


class SnapshotPart(models.Model):
    """A piece of a version's JSON (an entity, a child panel's summary), stored once and shared by versions."""

    digest = models.CharField(max_length=64, unique=True)  # SHA-256 of text
    text = models.TextField()

    def __str__(self) -> str:
        return self.digest


class HistoricalSnapshot(models.Model):
    """One version of a panel, as the API served it.

    ``data`` is the rendered JSON of ``/api/v1/panels/<id>/`` and ``summary``
    the panel object without entities (lists, versions, sign-offs). Both are
    text, not jsonb, because jsonb reorders keys and the promise is byte for byte.
    Versions are stored as ``summary`` plus a ``layout`` of shared parts
    (``panels.snapshots``); ``data`` composes their text when read. Versions
    stored before that keep their whole text in ``data``.
    """

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="snapshots")
    major_version = models.PositiveIntegerField()
    minor_version = models.PositiveIntegerField()
    comment = models.TextField(blank=True)
    created = models.DateTimeField()
    summary = models.TextField()
    data = VersionTextField(null=True, blank=True)
    layout = models.JSONField(null=True, blank=True)
    signed_off_date = models.DateField(null=True, blank=True, db_index=True)

    # What reading ``data`` needs: ask for all three (``only(*TEXT_FIELDS)``), or pay a query for each.
    TEXT_FIELDS = ("data", "layout", "summary")

    class Meta:
        ordering = ["panel", "-major_version", "-minor_version"]
        get_latest_by = ["major_version", "minor_version"]
        constraints = [
            models.UniqueConstraint(fields=["panel", "major_version", "minor_version"], name="one_snapshot_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.panel_id} v{self.version}"

    @property
    def version(self) -> str:
        return f"{self.major_version}.{self.minor_version}"


class Activity(models.Model):
    """Who changed what, when. Names are copied so the log outlives renames and deletions."""

    class ItemType(models.TextChoices):
        PANEL = "panel", "Panel"
        ENTITY = "entity", "Entity"

    created = models.DateTimeField(auto_now_add=True, db_index=True)
    panel = models.ForeignKey(Panel, on_delete=models.SET_NULL, null=True, related_name="activities")
    panel_name = models.CharField(max_length=255)
    panel_version = models.CharField(max_length=16)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    user_name = models.CharField(max_length=255, blank=True)
    item_type = models.CharField(max_length=8, choices=ItemType.choices)
    # Null for panel-level activity, as the API serves it.
    entity_type = models.CharField(max_length=8, choices=Entity.Type.choices, null=True, blank=True)  # noqa: DJ001
    entity_name = models.CharField(max_length=128, null=True, blank=True)  # noqa: DJ001
    text = models.TextField()

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name_plural = "activities"
        # Every activity list is read newest first from an index that starts with what it filters by
        # (panels.keyset): all of it, one panel, a panel's version, a version, one entity's history, or an
        # entity's name in any case (the site's ?entity=, which compares UPPER(entity_name)).
        indexes = [
            models.Index(fields=["created", "id"], name="activity_created_id"),
            models.Index(fields=["panel", "created", "id"], name="activity_panel_created"),
            models.Index(fields=["panel", "panel_version", "created", "id"], name="activity_panel_version"),
            models.Index(fields=["panel_version", "created", "id"], name="activity_version_created"),
            models.Index(
                fields=["panel", "entity_type", "entity_name", "created", "id"], name="activity_entity_history"
            ),
            models.Index(Upper("entity_name"), F("created"), F("id"), name="activity_entity_name_upper"),
        ]

    def __str__(self) -> str:
        return f"{self.created:%Y-%m-%d %H:%M} {self.panel_name}: {self.text}"


class ExportFile(models.Model):
    """The newest all-panels / all-genes / all-STRs / all-regions file in the media bucket.

    Built by the worker (``panels.exports``), never in a request. ``source`` is
    the state of the panels the file was built from, so a build that finds it
    unchanged does nothing; ``rebuild_requested_at`` marks a rebuild already
    queued, so a burst of panel changes queues one build, not one per change.
    """

    class Kind(models.TextChoices):
        PANELS = "panels", "All panels"
        GENES = "genes", "All genes"
        STRS = "strs", "All STRs"
        REGIONS = "regions", "All regions"

    kind = models.CharField(max_length=16, choices=Kind.choices, unique=True)
    name = models.CharField(max_length=255, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    source = models.CharField(max_length=128, blank=True)
    built_at = models.DateTimeField(null=True, blank=True)
    rebuild_requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["kind"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name or 'not built yet'}"
