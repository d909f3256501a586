"""The data steward's portfolio import page: upload, preview what would change (a dry run of
the portfolio importer: rows to create, change or leave per table, and every problem), then
import on confirm.

The uploaded files wait in a staging folder between the preview and the confirmation, named
by a random token kept in the session, so only the user who previewed can confirm, and what
is imported is exactly what was previewed (validated again, all rows or none).

Administrators only (as the import API); everyone else is refused (403).
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any, BinaryIO

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from projects.access import can_administer
from projects.importing import ImportReport
from projects.importing.report import ENTITIES
from projects.importing.service import portfolio_import_upload

MSG_FORBIDDEN = "Only administrators may import portfolio data."
MSG_NO_FILE = (
    "Choose the files to import: projects.csv, people.csv, roles.csv, ties.csv or one .xlsx."
)
MSG_EXPIRED = "That preview is no longer available: upload the files again."
SESSION_KEY = "portfolio_import_preview"
STAGING = Path(tempfile.gettempdir()) / "grantcheck-import-staging"
SHOWN_PROBLEMS = 200
ENTITY_LABELS = {
    "projects": "Projects",
    "people": "People",
    "roles": "Roles",
    "organisations": "Organisations",
    "ties": "Ties",
}


def require_steward(request: HttpRequest) -> None:
    if not can_administer(request.user):
        raise PermissionDenied(MSG_FORBIDDEN)


def _stage(request: HttpRequest) -> str:
    """Write the uploads to a new staging folder (in chunks); its token."""
    token = secrets.token_hex(16)
    folder = STAGING / token
    folder.mkdir(parents=True)
    for upload in request.FILES.getlist("file"):
        name = Path(upload.name or "upload").name or "upload"
        with (folder / name).open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
    return token


def _staged(token: str) -> Path | None:
    if not token or not token.isalnum():
        return None
    folder = STAGING / token
    return folder if folder.is_dir() else None


def _run(folder: Path, *, dry_run: bool) -> ImportReport:
    with ExitStack() as stack:
        files: dict[str, tuple[str, BinaryIO]] = {
            path.name: (path.name, stack.enter_context(path.open("rb")))
            for path in sorted(folder.iterdir())
        }
        return portfolio_import_upload(files=files, dry_run=dry_run)


def _discard(token: str) -> None:
    folder = _staged(token)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def _summary(report: ImportReport) -> dict[str, Any]:
    # the core entities first, then the further files' (equipment, patents, institution, ...)
    entities = [*ENTITIES, *(e for e in report.counts if e not in ENTITIES)]
    rows = [
        {"label": ENTITY_LABELS.get(e, e.replace("_", " ").capitalize()), **report.counts[e]}
        for e in entities
        if e in report.counts
    ]
    return {
        "report": report,
        "counts": rows,
        "changes": sum(
            report.counts.get(e, {}).get("created", 0) + report.counts.get(e, {}).get("changed", 0)
            for e in entities
        ),
        "problems": report.problems[:SHOWN_PROBLEMS],
        "problems_total": len(report.problems),
    }


@login_required
@require_http_methods(["GET", "POST"])
def portfolio_import_page(request: HttpRequest) -> HttpResponse:
    require_steward(request)
    context: dict[str, Any] = {"stage": "upload"}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "preview")
        if action == "preview":
            _discard(request.session.pop(SESSION_KEY, ""))
            if not request.FILES.getlist("file"):
                context["error"], status = MSG_NO_FILE, 400
            else:
                token = _stage(request)
                folder = STAGING / token
                report = _run(folder, dry_run=True)
                context.update(_summary(report), stage="preview")
                context["files"] = sorted(p.name for p in folder.iterdir())
                if report.ok:
                    request.session[SESSION_KEY] = token
                    context["token"] = token
                else:
                    _discard(token)
                    status = 400
        elif action in ("confirm", "cancel"):
            token = request.POST.get("token", "")
            staged = _staged(token)
            if staged is None or request.session.get(SESSION_KEY) != token:
                context["error"], status = MSG_EXPIRED, 400
            elif action == "cancel":
                _discard(request.session.pop(SESSION_KEY))
                context["cancelled"] = True
            else:
                report = _run(staged, dry_run=False)
                _discard(request.session.pop(SESSION_KEY))
                context.update(_summary(report), stage="done" if report.ok else "preview")
                status = 200 if report.ok else 400
        else:
            context["error"], status = MSG_EXPIRED, 400
    return render(request, "compliance/portal/import.html", context, status=status)
