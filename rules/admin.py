from __future__ import annotations

from django.contrib import admin

from rules.models import (
    ListEntry,
    ListVersion,
    OrganisationMatch,
    OrganisationMatchReview,
    PackParameter,
    ReferenceList,
    Rule,
    RulePack,
    RuleVersion,
    Scenario,
    ScenarioPack,
    ScreeningRun,
)


@admin.register(ReferenceList)
class ReferenceListAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "publisher"]
    search_fields = ["code", "title"]


@admin.register(ListVersion)
class ListVersionAdmin(admin.ModelAdmin):
    list_display = ["reference_list", "edition", "entry_count", "source_name", "imported_at"]
    list_filter = ["reference_list"]
    readonly_fields = [f.name for f in ListVersion._meta.fields]

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False  # editions are immutable; import a new one


@admin.register(ListEntry)
class ListEntryAdmin(admin.ModelAdmin):
    list_display = ["primary_name", "version", "country", "entity_type", "listed_on", "delisted_on"]
    list_filter = ["version__reference_list", "entity_type", "country"]
    search_fields = ["primary_name", "external_id"]
    readonly_fields = [f.name for f in ListEntry._meta.fields]

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


class ReviewInline(admin.TabularInline):
    model = OrganisationMatchReview
    extra = 0
    readonly_fields = ["status", "reason", "reviewer", "at"]
    can_delete = False


@admin.register(OrganisationMatch)
class OrganisationMatchAdmin(admin.ModelAdmin):
    list_display = [
        "organisation",
        "reference_list",
        "entry",
        "score",
        "method",
        "decision",
        "review_status",
        "active",
    ]
    list_filter = ["reference_list", "decision", "review_status", "method", "active"]
    search_fields = ["organisation__name", "entry__primary_name", "query", "alias"]
    readonly_fields = [
        "organisation",
        "reference_list",
        "external_id",
        "entry",
        "query",
        "alias",
        "method",
        "score",
        "decision",
        "active",
        "run",
        "reviewed_by",
        "reviewed_at",
        "review_status",
        "review_reason",
    ]
    inlines = [ReviewInline]


@admin.register(ScreeningRun)
class ScreeningRunAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "trigger",
        "status",
        "organisations",
        "matches_new",
        "matches_changed",
        "matches_removed",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status"]
    readonly_fields = [f.name for f in ScreeningRun._meta.fields]


class PackParameterInline(admin.TabularInline):
    model = PackParameter
    extra = 0
    fields = ["name", "value", "status", "description", "updated_by", "updated_at"]
    readonly_fields = ["updated_by", "updated_at"]


@admin.register(RulePack)
class RulePackAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "status"]
    search_fields = ["code", "title"]
    inlines = [PackParameterInline]


class RuleVersionInline(admin.TabularInline):
    model = RuleVersion
    extra = 0
    fields = ("number", "status", "content_hash", "author", "created_at", "published_at")
    readonly_fields = fields
    can_delete = False
    show_change_link = True


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = ["key", "title", "pack"]
    list_filter = ["pack"]
    search_fields = ["key", "title"]
    inlines = [RuleVersionInline]


@admin.register(RuleVersion)
class RuleVersionAdmin(admin.ModelAdmin):
    list_display = ["rule", "number", "status", "author", "created_at", "published_at"]
    list_filter = ["status", "rule__pack"]
    search_fields = ["rule__key", "rule__title"]
    readonly_fields = [f.name for f in RuleVersion._meta.fields]

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False  # immutable: new versions go through the services


class ScenarioPackInline(admin.TabularInline):
    model = ScenarioPack
    extra = 0


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "position"]
    inlines = [ScenarioPackInline]
