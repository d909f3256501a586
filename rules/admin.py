from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from projects.errors import ApplicationError
from rules.models import (
    CuratedAlias,
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
from rules.services.rulepacks import pack_parameter_check, pack_parameter_set


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


@admin.register(CuratedAlias)
class CuratedAliasAdmin(admin.ModelAdmin):
    """Curated aliases apply to the next edition imported; current editions keep theirs."""

    list_display = ["name", "kind", "external_id", "reference_list", "updated_at"]
    list_filter = ["reference_list", "kind"]
    search_fields = ["name", "external_id", "source"]


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


class PackParameterForm(forms.ModelForm):
    """A changed value must keep every published rule of the pack valid (as on the rules
    pages: pack_parameter_check)."""

    class Meta:
        model = PackParameter
        fields = ["name", "value", "status", "description"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        parameter = self.instance
        if parameter.pk is not None and "value" in self.changed_data and "value" in data:
            try:
                pack_parameter_check(parameter=parameter, value=data["value"])
            except ApplicationError as exc:
                self.add_error("value", exc.message)
        return data


class PackParameterInline(admin.TabularInline):
    model = PackParameter
    form = PackParameterForm
    extra = 0
    fields = ["name", "value", "status", "description", "updated_by", "updated_at"]
    readonly_fields = ["updated_by", "updated_at"]


@admin.register(RulePack)
class RulePackAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "status"]
    search_fields = ["code", "title"]
    inlines = [PackParameterInline]

    def save_formset(self, request: Any, form: Any, formset: Any, change: bool) -> None:
        """A changed parameter value goes through pack_parameter_set: the rules that read it
        are re-checked, as when it is changed anywhere else."""
        if formset.model is not PackParameter:
            return super().save_formset(request, form, formset, change)
        revalued = [
            (f.instance, f.cleaned_data["value"])
            for f in formset.forms
            if f.instance.pk is not None
            and "value" in f.changed_data
            and not f.cleaned_data.get("DELETE")
        ]
        super().save_formset(request, form, formset, change)
        for parameter, value in revalued:
            pack_parameter_set(parameter=parameter, value=value, user=request.user)


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
