"""The administrators' page of connector runs (NSF awards, publications, ORCID, CPOS): each
run's report — status, who started it, when, how long, its counts and every rejected item
with its reason — newest first, paginated; and one run's page with its whole report.

Administrators only (as the imports); everyone else is refused (403), and the rows come
through the one selector, ``import_runs_visible_to``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from projects.access import can_administer
from projects.models import ImportRun
from projects.selectors import import_runs_visible_to

MSG_FORBIDDEN = "Import runs are for administrators."
PER_PAGE = 25
HEADLINE = ("imported", "updated", "unchanged", "rejected")


def require_admin(request: HttpRequest) -> None:
    if not can_administer(request.user):
        raise PermissionDenied(MSG_FORBIDDEN)


def _row(run: ImportRun) -> dict[str, Any]:
    counts = run.counts or {}
    return {
        "run": run,
        "headline": [(key, counts.get(key, 0)) for key in HEADLINE if key in counts],
        "other": [(k.replace("_", " "), v) for k, v in counts.items() if k not in HEADLINE],
        "seconds": (
            (run.finished_at - run.started_at).total_seconds() if run.finished_at else None
        ),
        "hidden": run.problems_total - len(run.problems or []),
    }


@login_required
@require_GET
def import_runs_page(request: HttpRequest) -> HttpResponse:
    require_admin(request)
    runs = import_runs_visible_to(user=request.user)
    connector = request.GET.get("connector", "")
    if connector in ImportRun.Connector.values:
        runs = runs.filter(connector=connector)
    else:
        connector = ""
    page = Paginator(runs, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "compliance/portal/import_runs.html",
        {
            "page": page,
            "rows": [_row(run) for run in page],
            "connector": connector,
            "connectors": ImportRun.Connector.choices,
            "query": f"connector={connector}&" if connector else "",
        },
    )


@login_required
@require_GET
def import_run_page(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request)
    run = get_object_or_404(import_runs_visible_to(user=request.user), pk=pk)
    return render(request, "compliance/portal/import_run.html", _row(run))
