"""Portal pages for reference lists: editions, entries, the diff to the previous, import."""

from __future__ import annotations

from typing import Any, BinaryIO, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_http_methods

from compliance.portal.manage_access import require_admin, require_portfolio
from projects.access import can_administer
from projects.errors import ApplicationError
from projects.upload_limits import too_large_response, upload_refused
from rules.list_uploads import list_import_error_text, saved_uploads
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
    sections = [
        (label, diff.get(kind, [])[:DIFF_SHOWN], len(diff.get(kind, [])))
        for kind, label in (("added", "Added"), ("removed", "Removed"), ("changed", "Changed"))
    ]
    return render(
        request,
        TEMPLATES + "list_version.html",
        {
            "version": version,
            "page": page,
            "q": query,
            "initial": bool(diff.get("initial")),
            "sections": sections,
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


def _import(
    *, files: list[UploadedFile], fmt: str, edition: Any, expected: ReferenceList | None, user: Any
) -> ListImportReport:
    uploads = [(upload.name or "upload", cast(BinaryIO, upload)) for upload in files]
    with saved_uploads(uploads) as paths:
        path = paths[0].parent if fmt == "ofac-sdn" else paths[0]
        with transaction.atomic():
            report = list_import(fmt=fmt, path=path, edition=edition, user=user)
            codes = [o.code for o in report.lists]
            if expected is not None and expected.code not in codes:
                raise _ListMissing(  # rolls back whatever was imported
                    f"The file holds {', '.join(codes) or 'no list'}, not {expected.code}; "
                    "nothing was imported."
                )
    return report


@login_required
@require_http_methods(["GET", "POST"])
def list_import_view(request: HttpRequest) -> HttpResponse:
    require_portfolio(request)
    form = ListImportForm(request.POST if request.method == "POST" else None)
    file_error = ""
    report: ListImportReport | None = None
    status = 200
    if request.method == "POST":
        require_admin(request)
        files = request.FILES.getlist("file")
        if upload_refused(request):
            return too_large_response(request)
        if not files:
            file_error = "Choose the list file to import."
        if form.is_valid() and files:
            fmt = form.cleaned_data["format"]
            if fmt != "ofac-sdn" and len(files) > 1:
                file_error = f"{fmt} takes one file; only ofac-sdn takes several."
            else:
                try:
                    report = _import(
                        files=files,
                        fmt=fmt,
                        edition=form.cleaned_data["edition"],
                        expected=form.cleaned_data["reference_list"],
                        user=request.user,
                    )
                except ApplicationError as exc:
                    file_error = list_import_error_text(exc)
                except _ListMissing as exc:
                    form.add_error("reference_list", str(exc))
        if file_error or not form.is_valid():
            status = 400
    return render(
        request,
        TEMPLATES + "list_import.html",
        {
            "form": form,
            "file_error": file_error,
            "report": report,
            "created": report is not None and bool(report.created_versions),
            "can_import": can_administer(request.user),
        },
        status=status,
    )
