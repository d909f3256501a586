from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from projects.admin_items import PROJECT_ITEM_INLINES, PatentFilingInline
from projects.models import (
    EvidenceDispute,
    FieldTag,
    MftrpCertification,
    Organisation,
    Person,
    Project,
    Role,
    Tie,
    TieEvidence,
    TrainingRecord,
    TravelRecord,
)
from projects.signals import field_tags_changed_on_commit


class RoleInline(admin.TabularInline):
    model = Role
    extra = 0
    autocomplete_fields = ["person"]


class TieInline(admin.TabularInline):
    model = Tie
    fk_name = "person"
    extra = 0
    autocomplete_fields = ["organisation", "project"]
    fields = ["organisation", "kind", "start_date", "end_date", "compensated", "project", "source"]


class PersonRoleInline(admin.TabularInline):
    model = Role
    extra = 0
    autocomplete_fields = ["project"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "type", "parent"]
    list_filter = ["type", "country"]
    search_fields = ["name", "normalized_name", "ror_id"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["normalized_name", "created_at", "updated_at"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "orcid", "department", "user"]
    list_filter = ["department"]
    search_fields = ["name", "email", "orcid"]
    autocomplete_fields = ["user"]
    inlines = [PersonRoleInline, TieInline]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["award_number", "sponsor", "title", "amount_usd", "status", "department"]
    list_filter = ["sponsor", "status", "fundamental_research", "department"]
    search_fields = ["award_number", "title", "programme", "abstract"]
    date_hierarchy = "start_date"
    inlines = [RoleInline, *PROJECT_ITEM_INLINES]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["project", "person", "role", "joined_on"]
    list_filter = ["role", "project__sponsor"]
    search_fields = ["project__award_number", "person__name", "person__email"]
    autocomplete_fields = ["project", "person"]


@admin.register(Tie)
class TieAdmin(admin.ModelAdmin):
    list_display = ["person", "organisation", "kind", "start_date", "end_date", "source"]
    list_filter = ["kind", "source", "compensated", "organisation__country"]
    search_fields = ["person__name", "person__email", "organisation__name"]
    autocomplete_fields = ["person", "organisation", "project"]
    date_hierarchy = "start_date"
    inlines = [PatentFilingInline]


@admin.register(FieldTag)
class FieldTagAdmin(admin.ModelAdmin):
    list_display = ["project", "area", "confidence", "method", "source", "suppressed"]
    list_filter = ["area", "source", "suppressed", "method"]
    search_fields = ["project__award_number", "project__title", "area"]
    readonly_fields = ["reviewed_by", "reviewed_at"]

    # A tag deleted here changes what the field rules see: the projects are re-checked (edits
    # are, through the post_save receiver). Tagging's own bulk deletes announce themselves.
    def delete_model(self, request: HttpRequest, obj: FieldTag) -> None:
        project_id = obj.project_id
        super().delete_model(request, obj)
        field_tags_changed_on_commit([project_id])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[FieldTag]) -> None:
        project_ids = list(queryset.values_list("project_id", flat=True))
        super().delete_queryset(request, queryset)
        field_tags_changed_on_commit(project_ids)


# A person's own records (they edit them in the portal too); saves and deletes re-check the
# person's projects (compliance.receivers_records).
@admin.register(TrainingRecord)
class TrainingRecordAdmin(admin.ModelAdmin):
    list_display = ["person", "course", "provider", "completed_on"]
    list_filter = ["provider"]
    search_fields = ["person__name", "person__email", "course"]
    autocomplete_fields = ["person"]
    date_hierarchy = "completed_on"


@admin.register(TravelRecord)
class TravelRecordAdmin(admin.ModelAdmin):
    list_display = [
        "person",
        "destination_country",
        "departed_on",
        "returned_on",
        "preauthorised_on",
        "preauthorisation_reference",
    ]
    list_filter = ["destination_country"]
    search_fields = ["person__name", "person__email", "purpose", "preauthorisation_reference"]
    autocomplete_fields = ["person"]
    date_hierarchy = "departed_on"


@admin.register(MftrpCertification)
class MftrpCertificationAdmin(admin.ModelAdmin):
    list_display = ["person", "project", "certified_on"]
    list_filter = ["project__sponsor"]
    search_fields = ["person__name", "person__email", "project__award_number"]
    autocomplete_fields = ["person", "project"]
    date_hierarchy = "certified_on"


@admin.register(TieEvidence)
class TieEvidenceAdmin(admin.ModelAdmin):
    list_display = [
        "item_key",
        "tie",
        "source",
        "role",
        "link_method",
        "confidence",
        "published_on",
    ]
    list_filter = ["source", "role", "link_method"]
    search_fields = ["item_key", "title", "tie__person__name", "tie__organisation__name"]
    # Written by the imports (projects.connectors), kept once per source item: read here.
    readonly_fields = [f.name for f in TieEvidence._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(EvidenceDispute)
class EvidenceDisputeAdmin(admin.ModelAdmin):
    """Decided in the portal (Disputes), where the decision is audited and applied."""

    list_display = ["pk", "person", "organisation", "kind", "reason", "status", "raised_at"]
    list_filter = ["status", "reason", "source"]
    search_fields = ["person__name", "organisation__name"]
    readonly_fields = [f.name for f in EvidenceDispute._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
