"""Portal pages for reference lists: editions, entries, the diff to the previous, import."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_http_methods

from compliance.portal.list_staging import (
    StagedImport,
    staged_create,
    staged_discard,
    staged_get,
    staged_remember_previous,
)
from compliance.portal.manage_access import require_admin, require_portfolio
from projects.access import can_administer
from projects.errors import ApplicationError
from rules.list_uploads import list_import_error_text
from rules.lists.parsers import PARSERS
from rules.models import ListVersion, ReferenceList
from rules.services.lists import ListImportReport, list_import

TEMPLATES = "compliance/portal/manage/"
DIFF_SHOWN = 200
FORMAT_HELP = {
    "csl-csv": "Consolidated Screening List, CSV export",
    "csl-json": "Consolidated Screening List, JSON export",
    "ofac-sdn": "OFAC SDN legacy CSV set: choose sdn.csv, alt.csv and add.csv together",
    "grantcheck-yaml": "grantcheck curated list (YAML)",
}


@login_required
@require_GET
def lists_overview(request: HttpRequest) -> HttpResponse:
    require_portfolio(request)
    versions = ListVersion.objects.select_related("imported_by").order_by("-imported_at", "-pk")
    lists = ReferenceList.objects.prefetch_related(
        Prefetch("versions", queryset=versions, to_attr="editions")
    )
    return render(
        request,
        TEMPLATES + "lists.html",
        {"lists": lists, "can_import": can_administer(request.user)},
    )


@login_required
@require_GET
def list_version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_portfolio(request)
    version = get_object_or_404(
        ListVersion.objects.select_related("reference_list", "previous", "imported_by"), pk=pk
    )
    query = request.GET.get("q", "").strip()
    entries = version.entries.order_by("primary_name", "external_id")
    if query:
        entries = entries.filter(Q(primary_name__icontains=query) | Q(external_id__iexact=query))
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    diff = version.diff or {}
    summary = diff.get("summary", {})
    changes = {kind: diff.get(kind, [])[:DIFF_SHOWN] for kind in ("added", "removed", "changed")}
    changes["totals"] = {
        **{kind: len(diff.get(kind, [])) for kind in ("added", "removed", "changed")},
        "aliases_added": summary.get("aliases_added", 0),
        "aliases_dropped": summary.get("aliases_dropped", 0),
    }
    return render(
        request,
        TEMPLATES + "list_version.html",
        {
            "version": version,
            "page": page,
            "q": query,
            "initial": bool(diff.get("initial")),
            "changes": changes,
        },
    )


class ListImportForm(forms.Form):
    format = forms.ChoiceField(
        choices=[(k, f"{k} — {FORMAT_HELP.get(k, k)}") for k in sorted(PARSERS)],
        help_text="The file format, from the importer registry.",
    )
    reference_list = forms.ModelChoiceField(
        queryset=ReferenceList.objects.all(),
        to_field_name="code",
        required=False,
        empty_label="(any list the file holds)",
        label="List",
        help_text="Optional: refuse the import unless the file holds this list.",
    )
    edition = forms.DateField(
        required=False,
        help_text="Publication date, YYYY-MM-DD. Leave empty to use the file's own.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class _ListMissing(Exception):
    pass


STAGED_GONE = (
    "This preview has expired or is not yours; nothing was imported. Upload the file again."
)
CANCELLED = "Import cancelled; nothing was imported."


def _run_import(
    *, staged: StagedImport, user: Any, dry_run: bool, expected_previous: Any = None
) -> ListImportReport:
    edition = date.fromisoformat(staged.edition) if staged.edition else None
    with transaction.atomic():
        report = list_import(
            fmt=staged.fmt,
            path=staged.path,
            edition=edition,
            user=user,
            dry_run=dry_run,
            expected_previous=expected_previous,
        )
        codes = [o.code for o in report.lists]
        if staged.expected is not None and staged.expected not in codes:
            raise _ListMissing(  # rolls back whatever was imported
                f"The file holds {', '.join(codes) or 'no list'}, not {staged.expected}; "
                "nothing was imported."
            )
    return report


def _preview_sections(report: ListImportReport) -> list[dict[str, Any]]:
    out = []
    for o in report.lists:
        diff = o.diff or {}
        out.append(
            {
                "outcome": o,
                "initial": bool(diff.get("initial")),
                "added": diff.get("added", [])[:DIFF_SHOWN],
                "removed": diff.get("removed", [])[:DIFF_SHOWN],
                "changed": diff.get("changed", [])[:DIFF_SHOWN],
            }
        )
    return out


@login_required
@require_http_methods(["GET", "POST"])
def list_import_view(request: HttpRequest) -> HttpResponse:
    """Upload -> preview of the diff (nothing written) -> confirm (the same staged bytes)."""
    require_portfolio(request)
    form = ListImportForm(request.POST if request.method == "POST" else None)
    context: dict[str, Any] = {"file_error": "", "report": None, "preview": None, "notice": ""}
    status = 200
    if request.method == "POST":
        require_admin(request)
        if request.POST.get("token"):
            form = ListImportForm()
            status = _confirm_or_cancel(request, context)
        else:
            status = _stage_and_preview(request, form, context)
    report = context["report"]
    return render(
        request,
        TEMPLATES + "list_import.html",
        {
            **context,
            "form": form,
            "created": report is not None and bool(report.created_versions),
            "can_import": can_administer(request.user),
        },
        status=status,
    )


def _stage_and_preview(request: HttpRequest, form: ListImportForm, context: dict[str, Any]) -> int:
    files = request.FILES.getlist("file")
    if not files:
        context["file_error"] = "Choose the list file to import."
    if not (form.is_valid() and files):
        return 400
    fmt = form.cleaned_data["format"]
    if fmt != "ofac-sdn" and len(files) > 1:
        context["file_error"] = f"{fmt} takes one file; only ofac-sdn takes several."
        return 400
    edition = form.cleaned_data["edition"]
    expected = form.cleaned_data["reference_list"]
    staged = staged_create(
        files=files,
        user=request.user,
        fmt=fmt,
        edition=edition.isoformat() if edition else None,
        expected=expected.code if expected else None,
    )
    try:
        report = _run_import(staged=staged, user=request.user, dry_run=True)
    except ApplicationError as exc:
        staged_discard(staged)
        context["file_error"] = list_import_error_text(exc)
        return 400
    except _ListMissing as exc:
        staged_discard(staged)
        form.add_error("reference_list", str(exc))
        return 400
    if not report.created_versions:
        staged_discard(staged)  # nothing would change: no confirmation to give
        context["report"] = report
        return 200
    staged_remember_previous(staged, {o.code: o.previous_version_id for o in report.lists})
    context["preview"] = {"token": staged.token, "report": report}
    context["sections"] = _preview_sections(report)
    return 200


def _confirm_or_cancel(request: HttpRequest, context: dict[str, Any]) -> int:
    staged = staged_get(request.POST["token"], user=request.user)
    if staged is None:
        context["file_error"] = STAGED_GONE
        return 400
    if request.POST.get("action") != "confirm":
        staged_discard(staged)
        context["notice"] = CANCELLED
        return 200
    try:
        context["report"] = _run_import(
            staged=staged, user=request.user, dry_run=False, expected_previous=staged.previous
        )
    except ApplicationError as exc:
        context["file_error"] = list_import_error_text(exc)
        return 400
    except _ListMissing as exc:
        context["file_error"] = str(exc)
        return 400
    finally:
        staged_discard(staged)
    return 200
