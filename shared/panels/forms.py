"""The forms of reviewers and curators. They only validate: every save goes through ``panels.services``.

Forms that change a panel carry ``base_version``, the version the page showed,
so a save against a panel that changed meanwhile is refused and the curator
sees what changed (``services.StaleVersionError``).
"""

import re
from collections.abc import Iterable
from typing import Any

from django import forms
from django.urls import reverse

from panels import codes
from panels.models import Entity, Evaluation, Gene, Panel, PanelType
from panels.publications import check_publications
from panels.vocabulary import EVIDENCE_SOURCES, MODES_OF_INHERITANCE, MODES_OF_PATHOGENICITY, choices

TAG_SEPARATORS = re.compile(r"[,;\n]")
# Between a panel's codes: commas, semicolons (upstream's TSV) or lines.
CODE_SEPARATORS = re.compile(r"[,;\r\n]")
TRANSCRIPT_SEPARATORS = re.compile(r"[,;\s]+")


class LinesField(forms.CharField):
    """A list of strings edited as one per line."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:
        return [line.strip() for line in (value or "").splitlines() if line.strip()]


class TagsField(forms.CharField):
    """Tags typed as one line, separated by commas."""

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:
        return sorted({tag.strip() for tag in TAG_SEPARATORS.split(value or "") if tag.strip()})


class SourcesField(forms.MultipleChoiceField):
    """Evidence sources ticked from upstream's list (``vocabulary.EVIDENCE_SOURCES``).

    A value not on the list is kept as sent, and a value of several lines is
    several sources: API-era clients and older forms post sources that way.
    """

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=[(source, source) for source in EVIDENCE_SOURCES], **kwargs)

    def to_python(self, value: Any) -> list[str]:
        values = super().to_python(value)
        return [line.strip() for value in values for line in value.splitlines() if line.strip()]

    def valid_value(self, value: Any) -> bool:
        return True


class SourcesMixin(forms.Form):
    """Sources ticked from the list plus any typed under "Other sources", as one list without repeats."""

    sources = SourcesField(required=False, label="Evidence sources")
    other_sources = LinesField(required=False, label="Other sources", help_text="Sources not in the list, one per line")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["sources"] = list(dict.fromkeys(data.get("sources", []) + data.pop("other_sources", [])))
        return data


class TranscriptsField(forms.CharField):
    """Transcript ids typed on one line, separated by semicolons (as upstream's form), commas or spaces."""

    def prepare_value(self, value: Any) -> Any:
        return "; ".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:
        return [item for item in TRANSCRIPT_SEPARATORS.split(value or "") if item]


class CodesField(forms.CharField):
    """One of a panel's code lists (``omim``, ``orphanet``, ``hpo``), typed separated by commas or one per line.

    Each code is checked and written one way (``panels.codes``); every bad
    one is named, next to the field.
    """

    def __init__(self, kind: str, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.kind = kind

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:
        return codes.clean_codes(self.kind, CODE_SEPARATORS.split(value or ""))


class VersionedForm(forms.Form):
    """A form opened at one version of a panel; the save is refused if the panel moved on."""

    base_version = forms.RegexField(regex=r"^\d+\.\d+$", widget=forms.HiddenInput, required=False)


class PublicationsMixin:
    """``publications``: PubMed ids; those the entity or review already holds stay as they are."""

    def clean_publications(self) -> list[str]:
        return check_publications(self.cleaned_data["publications"], kept=self.initial.get("publications") or ())


class ReviewForm(PublicationsMixin, forms.Form):
    """A verified reviewer's review of an entity (upstream's fields)."""

    rating = forms.ChoiceField(
        choices=[("", "No rating, a comment only"), *Evaluation.Rating.choices], required=False, label="Rating"
    )
    mode_of_inheritance = forms.ChoiceField(choices=choices(MODES_OF_INHERITANCE), required=False)
    mode_of_pathogenicity = forms.ChoiceField(choices=choices(MODES_OF_PATHOGENICITY), required=False)
    phenotypes = LinesField(required=False, help_text="One per line, e.g. an OMIM or HPO term")
    publications = LinesField(required=False, help_text="One per line: PubMed ids")
    current_diagnostic = forms.BooleanField(required=False, label="Used in current diagnostic testing")
    comments = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="Added to your comments on this entity; your earlier ones stay (edit them on the entity's page)",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not any(data.get(name) for name in self.fields):
            raise forms.ValidationError("Give a rating or a comment.")
        return data

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["mode_of_pathogenicity"] = data["mode_of_pathogenicity"] or None
        return data


class CommentForm(forms.Form):
    """What an external (registered, not yet verified) user may add: a comment."""

    comments = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="Comment")


class EditCommentForm(forms.Form):
    """The author's new wording of one comment."""

    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), label="Comment")


class EntityForm(PublicationsMixin, VersionedForm):
    """A curator's edit of an entity's curated attributes (the fields of its kind only)."""

    mode_of_inheritance = forms.ChoiceField(choices=choices(MODES_OF_INHERITANCE), required=False)
    mode_of_pathogenicity = forms.ChoiceField(choices=choices(MODES_OF_PATHOGENICITY), required=False)
    penetrance = forms.ChoiceField(
        choices=[("", "Not set"), ("Complete", "Complete"), ("Incomplete", "Incomplete")], required=False
    )
    phenotypes = LinesField(required=False, help_text="One per line")
    publications = LinesField(required=False, help_text="One per line: PubMed ids")
    tags = TagsField(required=False, help_text="Separated by commas")
    # Genes
    transcript = TranscriptsField(
        required=False,
        label="Transcripts",
        help_text="Ensembl or RefSeq transcript ids, separated by semicolons, e.g. NM_000059.4; ENST00000380152",
    )
    comment = forms.CharField(required=False, help_text="Stored with the new version")
    # STRs and regions
    chromosome = forms.CharField(max_length=8, required=False)
    grch37_start = forms.IntegerField(min_value=1, required=False, label="GRCh37 start")
    grch37_end = forms.IntegerField(min_value=1, required=False, label="GRCh37 end")
    grch38_start = forms.IntegerField(min_value=1, required=False, label="GRCh38 start")
    grch38_end = forms.IntegerField(min_value=1, required=False, label="GRCh38 end")
    # STRs
    repeated_sequence = forms.CharField(max_length=128, required=False)
    normal_repeats = forms.IntegerField(min_value=0, required=False)
    pathogenic_repeats = forms.IntegerField(min_value=0, required=False)
    # Regions
    verbose_name = forms.CharField(max_length=255, required=False)
    haploinsufficiency_score = forms.CharField(max_length=8, required=False)
    triplosensitivity_score = forms.CharField(max_length=8, required=False)
    required_overlap_percentage = forms.IntegerField(min_value=0, max_value=100, required=False)
    type_of_variants = forms.CharField(max_length=32, required=False)

    # Fields every kind keeps; the others only where the kind has them.
    common_fields = frozenset({"tags", "comment", "base_version"})

    def __init__(self, *args: Any, entity_type: str, **kwargs: Any) -> None:
        from panels.services import ENTITY_FIELDS

        super().__init__(*args, **kwargs)
        self.entity_type = entity_type
        kept = ENTITY_FIELDS[entity_type] | self.common_fields
        for name in list(self.fields):
            if name not in kept:
                del self.fields[name]

    def clean_transcript(self) -> list[str]:
        """The service's rule, checked here too so the reason shows next to the field."""
        from panels.transcripts import check_transcripts

        return check_transcripts(self.cleaned_data["transcript"])

    def service_fields(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k not in {"comment", "base_version", "tags"}}
        if "mode_of_pathogenicity" in data:
            data["mode_of_pathogenicity"] = data["mode_of_pathogenicity"] or None
        if "penetrance" in data:
            data["penetrance"] = data["penetrance"] or None
        for name, value in data.items():
            if value is None and name in {"chromosome", "repeated_sequence", "verbose_name"}:
                data[name] = ""
        return data

    @classmethod
    def initial_for(cls, entity: Entity) -> dict[str, Any]:
        from panels.services import ENTITY_FIELDS

        initial = {name: getattr(entity, name) for name in ENTITY_FIELDS[entity.entity_type]}
        initial["tags"] = sorted(t.name for t in entity.tags.all())
        initial["base_version"] = entity.panel.version
        return initial


# The add-gene form's symbol field: what it takes, and that the page can find it.
GENE_SYMBOL_HELP = "The gene's current HGNC symbol; not sure of it? Search by the start of it, an alias or an HGNC id"


class NewEntityForm(SourcesMixin, EntityForm):
    """A new gene (by HGNC symbol), STR or region on a panel, with its evidence sources."""

    name = forms.CharField(max_length=128, label="Gene symbol or name")

    field_order = ["name", "sources", "other_sources"]
    common_fields = EntityForm.common_fields | {"name", "sources", "other_sources"}

    def __init__(self, *args: Any, entity_type: str, panel: Panel, **kwargs: Any) -> None:
        super().__init__(*args, entity_type=entity_type, **kwargs)
        # Transcripts are the curators' choice for the panel (as upstream): set on the edit form.
        self.fields.pop("transcript", None)
        if entity_type == Entity.Type.GENE:
            self.fields["name"].label = "Gene symbol (HGNC)"
            self.fields["name"].help_text = GENE_SYMBOL_HELP
            # gene-search.js suggests loaded genes as the curator types; the field works without it.
            self.fields["name"].widget.attrs.update(
                {
                    "autocomplete": "off",
                    "spellcheck": "false",
                    # The panel too, so the genes it already has are marked.
                    "data-gene-search": f"{reverse('panels:gene_search')}?panel={panel.pk}",
                }
            )
        else:
            self.fields["name"].label = "Name"
            self.fields["name"].help_text = "Letters, digits, spaces and - _ . $ ~ @ #"

    def clean_name(self) -> str:
        """The service's rules, checked here too so the reason shows next to the name."""
        from panels.services import check_entity_name

        name = check_entity_name(self.cleaned_data["name"])
        if self.entity_type == Entity.Type.GENE and not Gene.objects.filter(hgnc_symbol=name).exists():
            raise forms.ValidationError(
                f"Unknown gene symbol {name!r}: no loaded gene has it as its current symbol.", code="unknown_gene"
            )
        return name

    def service_fields(self) -> dict[str, Any]:
        data = super().service_fields()
        data.pop("name")
        data.pop("sources")
        return data


class AddSourcesForm(SourcesMixin, forms.Form):
    """A curator's further evidence sources for an entity already on a panel."""

    # The entity page holds other curators' forms: prefixed ids and names keep this one's apart.
    prefix = "add"
    comment = forms.CharField(required=False, help_text="Stored with the new version")

    def __init__(self, *args: Any, present: Iterable[str] = (), **kwargs: Any) -> None:
        """``present``: the entity's sources now, left out of the list (adding one again is refused)."""
        super().__init__(*args, **kwargs)
        present = set(present)
        field = self.fields["sources"]
        field.choices = [choice for choice in field.choices if choice[0] not in present]
        field.label = "Sources to add"
        field.help_text = "Tick one or more, or type others under Other sources"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and not data["sources"]:
            raise forms.ValidationError("Tick a source or type one under Other sources.", code="no_sources")
        return data


class RatingForm(VersionedForm):
    """A curator's decision on an entity's confidence (green, amber or red)."""

    rating = forms.ChoiceField(choices=Evaluation.Rating.choices)
    comment = forms.CharField(required=False)


class TagsForm(VersionedForm):
    tags = TagsField(required=False, help_text="Separated by commas")


class ApproveForm(forms.Form):
    """A curator's approval of an entity a reviewer added; the comment goes into the activity line."""

    comment = forms.CharField(required=False, max_length=1000)


class ReadyForm(forms.Form):
    ready = forms.TypedChoiceField(choices=[("1", "Ready"), ("0", "Not ready")], coerce=lambda v: v == "1")
    comment = forms.CharField(required=False)


class PanelForm(VersionedForm):
    """A curator's panel: its own attributes, types and (for a super panel) child panels."""

    name = forms.CharField(max_length=255)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, help_text="What the panel is for"
    )
    relevant_disorders = LinesField(
        required=False, help_text="One per line; codes in them (R208, 607107, HP:0001250) find the panel too"
    )
    omim = CodesField("omim", label="OMIM numbers", help_text="Six digits each, e.g. 607107; separated by commas")
    orphanet = CodesField(
        "orphanet", label="Orphanet codes", help_text="ORPHA: and a number, e.g. ORPHA:558; separated by commas"
    )
    hpo = CodesField("hpo", label="HPO terms", help_text="HP: and seven digits, e.g. HP:0001250; separated by commas")
    disease_group = forms.CharField(max_length=255, required=False)
    disease_sub_group = forms.CharField(max_length=255, required=False)
    status = forms.ChoiceField(choices=[c for c in Panel.Status.choices if c[0] != Panel.Status.DELETED])
    types = forms.ModelMultipleChoiceField(queryset=PanelType.objects.all(), required=False)
    child_panels = forms.ModelMultipleChoiceField(
        queryset=Panel.objects.none(), required=False, help_text="Makes this a super panel of the chosen panels"
    )
    comment = forms.CharField(required=False, help_text="Stored with the new version")

    def __init__(self, *args: Any, panel: Panel | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Super panels cannot be nested: only panels without children of their own may be children.
        candidates = Panel.objects.exclude(status=Panel.Status.DELETED).filter(child_panels__isnull=True)
        if panel is not None:
            candidates = candidates.exclude(pk=panel.pk)
        self.fields["child_panels"].queryset = candidates.order_by("name")

    @classmethod
    def initial_for(cls, panel: Panel) -> dict[str, Any]:
        return {
            "name": panel.name,
            "description": panel.description,
            "relevant_disorders": list(panel.relevant_disorders),
            "omim": list(panel.omim),
            "orphanet": list(panel.orphanet),
            "hpo": list(panel.hpo),
            "disease_group": panel.disease_group,
            "disease_sub_group": panel.disease_sub_group,
            "status": panel.status,
            "types": list(panel.types.all()),
            "child_panels": list(panel.child_panels.all()),
            "base_version": panel.version,
        }


class PromoteForm(VersionedForm):
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text="Why this version is promoted")


class CopyReviewsForm(forms.Form):
    source = forms.ModelChoiceField(queryset=Panel.objects.exclude(status=Panel.Status.DELETED).order_by("name"))
