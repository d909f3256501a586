from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from compliance.models import Finding, RecheckRun
from compliance.security import admin as security_admin  # noqa: F401  (lockouts, tokens)


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = [
        "rule",
        "severity",
        "project",
        "scenario",
        "subject",
        "status",
        "review_status",
        "amount_usd",
        "last_confirmed",
    ]
    list_filter = ["scenario", "severity", "status", "review_status", "rule", "project__sponsor"]
    search_fields = ["project__award_number", "project__title", "explanation"]
    readonly_fields = [f.name for f in Finding._meta.fields if f.name != "review_status"]
    list_select_related = ["rule", "project", "scenario"]


@admin.register(RecheckRun)
class RecheckRunAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "trigger",
        "status",
        "projects_planned",
        "projects_checked",
        "findings_new",
        "findings_resolved",
        "errors",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status"]
    readonly_fields = [f.name for f in RecheckRun._meta.fields]

    def has_delete_permission(self, request: HttpRequest, obj: RecheckRun | None = None) -> bool:
        return False  # the record of what was checked when; findings point at their runs
