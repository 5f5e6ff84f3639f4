"""OpenAPI descriptions of API v1's objects.

Documentation only: responses are rendered by ``panels.representation`` (and
stored in snapshots), which the tests hold to upstream's shapes. These
serializers give the schema and the docs page the same field names and types.
"""

from rest_framework import serializers


class PanelTypeSchema(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.SlugField()
    description = serializers.CharField()


class StatsSchema(serializers.Serializer):
    number_of_genes = serializers.IntegerField()
    number_of_strs = serializers.IntegerField()
    number_of_regions = serializers.IntegerField()


class NestedPanelSchema(serializers.Serializer):
    """Upstream's panel object: what an entity carries as its ``panel``."""

    id = serializers.IntegerField()
    hash_id = serializers.CharField(allow_null=True, help_text="Identifier of PanelApp's first generation")
    name = serializers.CharField()
    disease_group = serializers.CharField()
    disease_sub_group = serializers.CharField()
    status = serializers.ChoiceField(choices=["promoted", "public", "retired", "internal", "deleted"])
    version = serializers.CharField(help_text='MAJOR.MINOR, e.g. "1.15"')
    version_created = serializers.DateTimeField()
    relevant_disorders = serializers.ListField(child=serializers.CharField())
    stats = StatsSchema()
    types = PanelTypeSchema(many=True)


def _codes(help_text: str) -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(), required=False, help_text=help_text)


class PanelSchema(NestedPanelSchema):
    """A panel in lists, versions and details: upstream's object with upstream's Level4Title fields after it.

    Versions stored before panels kept a description and codes have none of the four.
    """

    description = serializers.CharField(required=False, help_text="What the panel is for")
    omim = _codes("OMIM numbers of the disorders the panel covers, six digits each (607107)")
    orphanet = _codes("Orphanet codes, ORPHA:<number> (ORPHA:558)")
    hpo = _codes("HPO terms, HP:<seven digits> (HP:0001250)")


class SignedOffPanelSchema(PanelSchema):
    signed_off = serializers.DateField()


class GeneDataSchema(serializers.Serializer):
    alias = serializers.ListField(child=serializers.CharField())
    biotype = serializers.CharField()
    hgnc_id = serializers.CharField()
    gene_name = serializers.CharField()
    omim_gene = serializers.ListField(child=serializers.CharField())
    alias_name = serializers.ListField(child=serializers.CharField(), allow_null=True)
    gene_symbol = serializers.CharField()
    hgnc_symbol = serializers.CharField()
    hgnc_release = serializers.DateField(allow_null=True)
    ensembl_genes = serializers.DictField(help_text='By build and release: {"GRch38": {"90": {"ensembl_id": ...}}}')
    hgnc_date_symbol_changed = serializers.DateField(allow_null=True)


class Coordinates(serializers.ListField):
    child = serializers.IntegerField()
    min_length = max_length = 2


class EntitySchema(serializers.Serializer):
    """A gene, STR or region; fields of the other kinds are absent, not null."""

    gene_data = GeneDataSchema(allow_null=True)
    entity_type = serializers.ChoiceField(choices=["gene", "str", "region"])
    entity_name = serializers.CharField()
    verbose_name = serializers.CharField(required=False, help_text="Regions")
    confidence_level = serializers.ChoiceField(choices=["0", "1", "2", "3"], help_text="3 green, 2 amber, 1 red")
    penetrance = serializers.CharField(allow_null=True)
    mode_of_pathogenicity = serializers.CharField(allow_null=True, required=False, help_text="Genes and regions")
    haploinsufficiency_score = serializers.CharField(required=False, help_text="Regions")
    triplosensitivity_score = serializers.CharField(required=False, help_text="Regions")
    required_overlap_percentage = serializers.IntegerField(required=False, help_text="Regions")
    type_of_variants = serializers.CharField(required=False, help_text="Regions")
    publications = serializers.ListField(child=serializers.CharField())
    evidence = serializers.ListField(child=serializers.CharField())
    phenotypes = serializers.ListField(child=serializers.CharField())
    mode_of_inheritance = serializers.CharField()
    repeated_sequence = serializers.CharField(required=False, help_text="STRs")
    chromosome = serializers.CharField(required=False, help_text="STRs and regions")
    grch37_coordinates = Coordinates(allow_null=True, required=False, help_text="STRs and regions: [start, end]")
    grch38_coordinates = Coordinates(allow_null=True, required=False, help_text="STRs and regions: [start, end]")
    # Upstream always has both; here a curator may leave either out, and it is served null, never made up.
    normal_repeats = serializers.IntegerField(allow_null=True, required=False, help_text="STRs; null if not given")
    pathogenic_repeats = serializers.IntegerField(allow_null=True, required=False, help_text="STRs; null if not given")
    tags = serializers.ListField(child=serializers.CharField())
    transcript = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Genes: the transcripts the panel's curators chose (e.g. NM_000059.4); absent when none",
    )
    panel = NestedPanelSchema(required=False, help_text="The panel the entity is on")
    matched = serializers.ChoiceField(
        choices=["alias"],
        required=False,
        help_text="Present only when the gene was found by an alias or previous symbol, not its current symbol",
    )


class PanelDetailSchema(PanelSchema):
    genes = EntitySchema(many=True)
    strs = EntitySchema(many=True)
    regions = EntitySchema(many=True)


class ActivitySchema(serializers.Serializer):
    created = serializers.DateTimeField()
    panel_name = serializers.CharField()
    panel_id = serializers.IntegerField(allow_null=True)
    panel_version = serializers.CharField()
    user_name = serializers.CharField()
    item_type = serializers.ChoiceField(choices=["panel", "entity"])
    text = serializers.CharField()
    entity_name = serializers.CharField(allow_null=True)
    entity_type = serializers.ChoiceField(choices=["gene", "str", "region"], allow_null=True)


class EvaluationSchema(serializers.Serializer):
    created = serializers.DateTimeField()
    rating = serializers.ChoiceField(choices=["GREEN", "AMBER", "RED", ""])
    mode_of_pathogenicity = serializers.CharField(allow_null=True)
    publications = serializers.ListField(child=serializers.CharField())
    phenotypes = serializers.ListField(child=serializers.CharField())
    moi = serializers.CharField()
    current_diagnostic = serializers.BooleanField()
    clinically_relevant = serializers.BooleanField(allow_null=True)
