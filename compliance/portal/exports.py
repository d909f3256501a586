"""The exports page: choose a report, scenario, as-of date and format; the export runs in the
background (compliance.services.reports, the same service as the report-export API) and the
page lists the user's own exports with their manifests and download links.

For the research office and auditors (everyone who sees the whole portfolio); PIs and
outsiders are refused (403), like the dashboard. Exporting writes no portfolio data, so the
read-only auditor may use it: it is the auditor's page.
"""

from __future__ import annotations

import logging
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from compliance.models import ReportExport
from compliance.selectors import report_exports_visible_to
from compliance.services.report_rows import ReportRequest
from compliance.services.reports import report_export_request
from projects.access import can_read_audit_log, sees_whole_portfolio
from projects.errors import ApplicationError
from rules.models import Scenario

log = logging.getLogger(__name__)

MSG_FORBIDDEN = "Exports are for the research office and auditors."
MSG_QUEUED = "Export #{pk} started: it appears in your downloads below when it is ready."
MSG_FAILED = "Export #{pk} failed: {error}"
MSG_FUTURE = "The as-of date cannot be in the future."

KIND_LABELS = {
    "findings": "Findings register",
    "decisions": "Decisions log",
    "exposure": "Exposure (dollars at stake per scenario)",
    "audit": "Audit log",
}
FORMAT_LABELS = {"csv": "CSV", "xlsx": "Excel (XLSX)", "pdf": "PDF"}
ACTIVE = (ReportExport.Status.QUEUED, ReportExport.Status.RUNNING)
PER_PAGE = 20


def require_exports(request: HttpRequest) -> None:
    if not sees_whole_portfolio(request.user):
        raise PermissionDenied(MSG_FORBIDDEN)


class ExportForm(forms.Form):
    kind = forms.ChoiceField(label="Report")
    scenario = forms.ChoiceField(
        label="Scenario",
        required=False,
        help_text="Every row names its scenario; no figure is added up across scenarios.",
    )
    as_of = forms.DateField(
        label="As of",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="What grantcheck knew at the end of that day (empty: now).",
    )
    format = forms.ChoiceField(label="Format", choices=list(FORMAT_LABELS.items()))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = [(k, v) for k, v in KIND_LABELS.items() if k != "audit" or can_read_audit_log(user)]
        cast(forms.ChoiceField, self.fields["kind"]).choices = kinds
        scenarios = [(s.code, s.name) for s in Scenario.objects.order_by("position")]
        all_scenarios = ("", "All scenarios, each labelled")
        cast(forms.ChoiceField, self.fields["scenario"]).choices = [all_scenarios, *scenarios]

    def clean_as_of(self) -> Any:
        value = self.cleaned_data.get("as_of")
        if value is not None and value > timezone.localdate():
            raise forms.ValidationError(MSG_FUTURE)
        return value


def _row(export: ReportExport, scenarios: dict[str, str]) -> dict[str, Any]:
    manifest = export.manifest or {}
    files = manifest.get("files") or {}
    scenario = (export.filters or {}).get("scenario", "")
    return {
        "export": export,
        "kind": KIND_LABELS.get(export.kind, export.kind),
        "format": FORMAT_LABELS.get(export.format, export.format),
        "scenario": scenarios.get(scenario, scenario) if scenario else "All scenarios",
        "rows": sum((manifest.get("row_counts") or {}).values()) if manifest else None,
        "sha256": next(iter(files.values()), ""),
        "generated_by": manifest.get("generated_by", ""),
        "download": reverse("report-export-download", kwargs={"pk": export.pk})
        if export.status == ReportExport.Status.DONE
        else "",
    }


def _history(request: HttpRequest) -> dict[str, Any]:
    exports = report_exports_visible_to(user=request.user).order_by("-created_at", "-pk")
    page = Paginator(exports, PER_PAGE).get_page(request.GET.get("page"))
    scenarios = dict(Scenario.objects.values_list("code", "name"))
    return {
        "page": page,
        "rows": [_row(e, scenarios) for e in page],
        "active": any(e.status in ACTIVE for e in page),
    }


@login_required
@require_http_methods(["GET", "POST"])
def exports_page(request: HttpRequest) -> HttpResponse:
    require_exports(request)
    form = ExportForm(request.POST if request.method == "POST" else None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            filters = {"scenario": data["scenario"]} if data["scenario"] else {}
            req = ReportRequest(data["kind"], data["format"], request.user, data["as_of"], filters)
            try:
                export = report_export_request(req)
            except (ApplicationError, PermissionError) as exc:
                form.add_error(None, getattr(exc, "message", str(exc)))
            except Exception:
                # Eager Celery (the embedded default) runs the export inside this request; the
                # service has marked the export failed, the page says so instead of a 500.
                log.exception("export failed")
                failed = report_exports_visible_to(user=request.user).order_by("-pk").first()
                if failed is None:
                    raise
                messages.error(request, MSG_FAILED.format(pk=failed.pk, error=failed.error))
                return HttpResponseRedirect(reverse("portal-exports"))
            else:
                messages.success(request, MSG_QUEUED.format(pk=export.pk))
                return HttpResponseRedirect(reverse("portal-exports"))
        status = 400
    context = {"form": form, **_history(request)}
    return render(request, "compliance/portal/exports/exports.html", context, status=status)


@login_required
def exports_rows(request: HttpRequest) -> HttpResponse:
    """The download history alone, polled by htmx while an export is queued or running."""
    require_exports(request)
    return render(request, "compliance/portal/exports/_rows.html", _history(request))
