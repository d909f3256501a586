"""Admin of equipment, foreign components, patent filings and our institution's facts.

Institution facts (profile, units, agreements, programme elements) are edited by
administrators only; the rest of the research office may read them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from projects.access import can_administer, sees_whole_portfolio
from projects.models import (
    EquipmentItem,
    ForeignComponent,
    InstitutionAgreement,
    InstitutionProfile,
    InstitutionUnit,
    PatentFiling,
    ProgrammeElement,
)


class EquipmentInline(admin.TabularInline):
    model = EquipmentItem
    extra = 0
    autocomplete_fields = ["manufacturer"]
    fields = ["description", "manufacturer", "model", "acquired_on"]


class ForeignComponentInline(admin.TabularInline):
    model = ForeignComponent
    extra = 0
    fields = ["kind", "organisation", "country", "activity_code", "due_date"]


class PatentFilingInline(admin.StackedInline):
    model = PatentFiling
    extra = 0
    max_num = 1
    fields = ["jurisdiction", "application_number"]


PROJECT_ITEM_INLINES = [EquipmentInline, ForeignComponentInline]


@admin.register(EquipmentItem)
class EquipmentItemAdmin(admin.ModelAdmin):
    list_display = ["description", "manufacturer", "model", "project", "acquired_on"]
    list_filter = ["project__sponsor", "manufacturer__country"]
    search_fields = ["description", "model", "manufacturer__name", "project__award_number"]
    autocomplete_fields = ["project", "manufacturer"]


@admin.register(ForeignComponent)
class ForeignComponentAdmin(admin.ModelAdmin):
    list_display = ["project", "kind", "organisation", "country", "activity_code", "due_date"]
    list_filter = ["kind", "country", "activity_code"]
    search_fields = ["organisation", "project__award_number"]
    autocomplete_fields = ["project"]


@admin.register(PatentFiling)
class PatentFilingAdmin(admin.ModelAdmin):
    list_display = ["tie", "jurisdiction", "application_number"]
    list_filter = ["jurisdiction"]
    search_fields = ["application_number", "tie__person__name", "tie__organisation__name"]
    autocomplete_fields = ["tie"]


class InstitutionAdmin(admin.ModelAdmin):
    """Readable by the research office, editable by administrators only."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return sees_whole_portfolio(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return can_administer(request.user) and super().has_add_permission(request, *args)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_administer(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_administer(request.user) and super().has_delete_permission(request, obj)


class InstitutionUnitInline(admin.TabularInline):
    model = InstitutionUnit
    extra = 0


class ProgrammeElementInline(admin.TabularInline):
    model = ProgrammeElement
    extra = 0
    fields = ["element", "certified_on", "notes"]


@admin.register(InstitutionProfile)
class InstitutionProfileAdmin(InstitutionAdmin):
    list_display = ["name", "federal_rd_3yr_avg_usd"]
    inlines = [InstitutionUnitInline, ProgrammeElementInline]


@admin.register(InstitutionUnit)
class InstitutionUnitAdmin(InstitutionAdmin):
    list_display = ["name", "profile"]
    search_fields = ["name"]


@admin.register(InstitutionAgreement)
class InstitutionAgreementAdmin(InstitutionAdmin):
    list_display = ["kind", "counterpart", "counterpart_country", "unit", "start_date", "end_date"]
    list_filter = ["kind", "counterpart_country"]
    search_fields = ["counterpart", "unit__name"]


@admin.register(ProgrammeElement)
class ProgrammeElementAdmin(InstitutionAdmin):
    list_display = ["element", "certified_on", "profile"]
    list_filter = ["element"]
