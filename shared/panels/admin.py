"""The curators' admin.

Whatever changes what the API serves goes through ``panels.services``: saving
a panel or an entity, deleting an entity, adding a review, promoting and
signing off all bump versions, store snapshots and log activity as in the rest
of the application. History (snapshots, activity, evidence) is read-only, and
reference rows (genes, panel types, tags) can be added but not edited, since
past snapshots already carry them as they were.
"""

from accounts import policy
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from panelapp.admin import DateHierarchyAdmin

from panels import services
from panels.forms import CodesField
from panels.models import Activity, Entity, Evaluation, Evidence, Gene, HistoricalSnapshot, Panel, PanelType, Tag


class LinesField(forms.CharField):
    """A list of strings edited as one per line."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [line.strip() for line in (value or "").splitlines() if line.strip()]


class AddOnlyAdmin(admin.ModelAdmin):
    """New rows yes; existing ones are history and stay as they are."""

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        return [field.name for field in self.model._meta.fields if field.name != "id"]

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PanelType)
class PanelTypeAdmin(AddOnlyAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Tag)
class TagAdmin(AddOnlyAdmin):
    search_fields = ["name"]


@admin.register(Gene)
class GeneAdmin(AddOnlyAdmin):
    list_display = ["hgnc_symbol", "hgnc_id", "gene_name", "biotype"]
    search_fields = ["hgnc_symbol", "hgnc_id", "gene_name"]


class PanelForm(forms.ModelForm):
    relevant_disorders = LinesField(required=False, help_text="One per line")
    # Checked and written one way, as on the site's panel form (panels.codes).
    omim = CodesField("omim", label="OMIM numbers", help_text="Six digits each, e.g. 607107; separated by commas")
    orphanet = CodesField("orphanet", label="Orphanet codes", help_text="ORPHA: and a number, e.g. ORPHA:558")
    hpo = CodesField("hpo", label="HPO terms", help_text="HP: and seven digits, e.g. HP:0001250")
    comment = forms.CharField(required=False, help_text="Why: stored with the new version")

    class Meta:
        model = Panel
        fields = [
            "name",
            "hash_id",
            "disease_group",
            "disease_sub_group",
            "description",
            "relevant_disorders",
            "omim",
            "orphanet",
            "hpo",
            "status",
            "types",
            "child_panels",
        ]

    def clean(self):
        cleaned = super().clean()
        try:
            services.check_child_panels(self.instance, list(cleaned.get("child_panels") or []))
        except ValidationError as error:
            self.add_error("child_panels", error)
        return cleaned


@admin.register(Panel)
class PanelAdmin(admin.ModelAdmin):
    form = PanelForm
    list_display = ["name", "id", "version", "status", "disease_group", "version_created"]
    list_filter = ["status", "types", "disease_group"]
    search_fields = ["name", "=id", "hash_id", "disease_group", "disease_sub_group"]
    readonly_fields = ["version", "version_created", "version_comment_shown", "stats"]
    filter_horizontal = ["types", "child_panels"]
    actions = ["promote", "sign_off_current_version"]
    ordering = ["name"]

    def has_delete_permission(self, request, obj=None):
        # Deleting would take every version with it: set the status to "deleted" instead.
        return False

    @admin.display(description="Last version comment")
    def version_comment_shown(self, obj: Panel) -> str:
        return obj.version_comment

    def save_model(self, request, obj, form, change):
        data = {field: form.cleaned_data[field] for field in services.PANEL_FIELDS if field in form.cleaned_data}
        comment = form.cleaned_data.get("comment", "")
        relations = {"types": form.cleaned_data["types"], "child_panels": form.cleaned_data["child_panels"]}
        if change:
            panel = services.update_panel(request.user, obj, comment=comment, **relations, **data)
        else:
            panel = services.create_panel(request.user, comment=comment, **relations, **data)
        obj.pk = panel.pk
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        # The service layer saved the many-to-many fields with the version.
        for formset in formsets:
            self.save_formset(request, form, formset, change)

    def has_promote_permission(self, request) -> bool:
        return policy.can_run_admin_action(request.user, "panels.promote")

    def has_sign_off_permission(self, request) -> bool:
        return policy.can_run_admin_action(request.user, "panels.sign_off")

    @admin.action(description="Promote: start the next major version", permissions=["promote"])
    def promote(self, request, queryset):
        for panel in queryset:
            services.promote_panel(request.user, panel, comment="Promoted")
        self.message_user(request, f"Promoted {queryset.count()} panel(s).", messages.SUCCESS)

    @admin.action(description="Sign off the current version (today)", permissions=["sign_off"])
    def sign_off_current_version(self, request, queryset):
        today = timezone.localdate()
        for panel in queryset:
            services.sign_off(request.user, panel, version=panel.version, signed_off_date=today)
        self.message_user(request, f"Signed off {queryset.count()} panel version(s).", messages.SUCCESS)


class EvidenceInline(admin.TabularInline):
    model = Evidence
    fields = ["name", "rating", "comment", "reviewer", "created"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class EntityForm(forms.ModelForm):
    phenotypes = LinesField(required=False, help_text="One per line")
    publications = LinesField(required=False, help_text="One per line (PubMed ids)")
    sources = LinesField(required=False, help_text="Evidence sources of a new entity, one per line")
    comment = forms.CharField(required=False, help_text="Stored with the new version")

    class Meta:
        model = Entity
        fields = [
            "panel",
            "entity_type",
            "entity_name",
            "gene",
            "mode_of_inheritance",
            "mode_of_pathogenicity",
            "penetrance",
            "phenotypes",
            "publications",
            "tags",
            "chromosome",
            "grch37_start",
            "grch37_end",
            "grch38_start",
            "grch38_end",
            "repeated_sequence",
            "normal_repeats",
            "pathogenic_repeats",
            "verbose_name",
            "haploinsufficiency_score",
            "triplosensitivity_score",
            "required_overlap_percentage",
            "type_of_variants",
        ]

    def clean_entity_name(self) -> str:
        # The service's rule, so a refused name is a form error here, not a failed save.
        return services.check_entity_name(self.cleaned_data["entity_name"])


@admin.register(Entity)
class EntityAdmin(admin.ModelAdmin):
    form = EntityForm
    list_display = ["entity_name", "entity_type", "panel", "confidence_level", "mode_of_inheritance"]
    list_filter = ["entity_type", "confidence_level", "panel__status"]
    search_fields = ["entity_name", "panel__name", "gene__hgnc_symbol"]
    list_select_related = ["panel"]
    autocomplete_fields = ["panel", "gene"]
    filter_horizontal = ["tags"]
    readonly_fields = ["confidence_level"]
    inlines = [EvidenceInline]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        return [*self.readonly_fields, "panel", "entity_type", "entity_name", "gene"]

    def save_model(self, request, obj, form, change):
        cleaned = form.cleaned_data
        allowed = services.ENTITY_FIELDS[obj.entity_type]
        tags = [tag.name for tag in cleaned.get("tags", [])]
        if change:
            fields = {field: cleaned[field] for field in form.changed_data if field in allowed}
            services.update_entity(request.user, obj, tags=tags, comment=cleaned["comment"], **fields)
        else:
            fields = {field: cleaned[field] for field in allowed if cleaned.get(field) not in (None, "", [])}
            entity = services.add_entity(
                request.user,
                cleaned["panel"],
                entity_type=obj.entity_type,
                entity_name=obj.entity_name,
                gene=cleaned.get("gene"),
                sources=cleaned["sources"],
                tags=tags,
                comment=cleaned["comment"],
                **fields,
            )
            obj.pk = entity.pk
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        # Tags were saved by the service layer; the evidence inline has no forms to save.
        for formset in formsets:
            self.save_formset(request, form, formset, change)

    def delete_model(self, request, obj):
        services.remove_entity(request.user, obj, comment="Removed in the admin")

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for entity in queryset:
            services.remove_entity(request.user, entity, comment="Removed in the admin")


class EvaluationForm(forms.ModelForm):
    phenotypes = LinesField(required=False)
    publications = LinesField(required=False)
    comments = forms.CharField(
        widget=forms.Textarea, required=False, help_text="Added to your comment thread on this entity."
    )

    class Meta:
        model = Evaluation
        fields = ["entity", "rating", *services.REVIEW_FIELDS]


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    """Reviews are added as the logged-in user (a curator's rating decides the confidence level)."""

    form = EvaluationForm
    list_display = ["entity", "user", "rating", "version", "created"]
    list_filter = ["rating", "entity__entity_type"]
    search_fields = ["entity__entity_name", "entity__panel__name", "user__username"]
    list_select_related = ["entity", "user"]
    autocomplete_fields = ["entity"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        cleaned = dict(form.cleaned_data)
        entity = cleaned.pop("entity")
        evaluation = services.review_entity(request.user, entity, **cleaned)
        obj.pk = evaluation.pk
        obj.refresh_from_db()


@admin.register(HistoricalSnapshot)
class HistoricalSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["panel", "version", "created", "signed_off_date", "comment"]
    list_filter = ["signed_off_date"]
    search_fields = ["panel__name", "=panel__id"]
    list_select_related = ["panel"]
    exclude = ["data", "summary"]
    actions = ["sign_off"]

    def has_sign_off_permission(self, request) -> bool:
        # A read-only admin, but signing off writes a new version's sign-off date.
        return policy.can_run_admin_action(request.user, "panels.sign_off")

    @admin.action(description="Sign off the selected versions (today)", permissions=["sign_off"])
    def sign_off(self, request, queryset):
        today = timezone.localdate()
        for snapshot in queryset.select_related("panel"):
            services.sign_off(request.user, snapshot.panel, version=snapshot.version, signed_off_date=today)
        self.message_user(request, f"Signed off {queryset.count()} version(s).", messages.SUCCESS)


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin, DateHierarchyAdmin):
    list_display = ["created", "panel_name", "panel_version", "user_name", "entity_name", "text"]
    list_filter = ["item_type", "entity_type"]
    search_fields = ["panel_name", "entity_name", "user_name", "text"]
    date_hierarchy = "created"
