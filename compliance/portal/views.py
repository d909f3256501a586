"""Portal pages. Every page requires a login and reads through the visibility selectors."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from compliance.models import Finding, RecheckRun
from compliance.portal.pi_access import tie_people_editable
from compliance.portal.selfcheck import project_self_check
from compliance.selectors import exposure_summary, findings_visible_to
from compliance.services.attestations import attestations_latest_for
from compliance.services.decisions import finding_decide
from projects.access import can_review, sees_whole_portfolio
from projects.errors import ApplicationError
from projects.models import FieldTag, Tie
from projects.selectors import projects_visible_to
from rules.models import Scenario

SEVERITIES = ["block", "high", "medium", "low", "info", "error"]
QUEUE_FILTERS = ("scenario", "severity", "status", "rule", "sponsor", "department", "assignee")
SORTS = {
    "severity": "severity",
    "-amount": "-amount_usd",
    "amount": "amount_usd",
    "-first_seen": "-first_seen",
    "award": "project__award_number",
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if sees_whole_portfolio(request.user):
        return HttpResponseRedirect(reverse("portal-dashboard"))
    return HttpResponseRedirect(reverse("portal-projects"))


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    projects = (
        projects_visible_to(user=request.user)
        .annotate(open_findings=Count("findings", filter=Q(findings__status="open")))
        .order_by("sponsor", "award_number")
    )
    page = Paginator(projects, 50).get_page(request.GET.get("page"))
    return render(request, "compliance/portal/projects.html", {"page": page})


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(projects_visible_to(user=request.user), pk=pk)
    roles = list(project.roles.select_related("person").order_by("role"))
    people = [r.person_id for r in roles]
    ties = (
        Tie.objects.filter(Q(person_id__in=people) | Q(project=project))
        .select_related("organisation", "person")
        .order_by("person__name", "-start_date")
    )
    findings = (
        findings_visible_to(user=request.user)
        .filter(project=project, status="open")
        .order_by("scenario__position", "rule__key")
    )
    tags = FieldTag.objects.filter(project=project, suppressed=False)
    editable = set(
        tie_people_editable(user=request.user, project=project).values_list("pk", flat=True)
    )
    latest = attestations_latest_for(person_ids=people)
    today = timezone.localdate()
    attestations = {
        pid: {"latest": a, "current": a.valid_until >= today} for pid, a in latest.items()
    }
    return render(
        request,
        "compliance/portal/project.html",
        {
            "project": project,
            "roles": [(r, attestations.get(r.person_id)) for r in roles],
            "ties": ties,
            "findings": findings,
            "tags": tags,
            "editable": editable,
            "own_person_on_project": any(r.person.user_id == request.user.pk for r in roles),
        },
    )


@login_required
def project_self_check_view(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(projects_visible_to(user=request.user), pk=pk)
    results = project_self_check(project=project)
    return render(
        request, "compliance/portal/selfcheck.html", {"project": project, "results": results}
    )


def _require_portfolio_view(request: HttpRequest) -> None:
    if not sees_whole_portfolio(request.user):
        raise PermissionDenied("The dashboard is for the research office and auditors.")


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    _require_portfolio_view(request)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(SEVERITIES, 0))
    for code, severity, n in (
        Finding.objects.filter(status="open")
        .values_list("scenario__code", "severity")
        .annotate(n=Count("id"))
    ):
        counts[code][severity] = n
    scenarios = list(Scenario.objects.all())
    grid = [(s, [(sev, counts[s.code][sev]) for sev in SEVERITIES]) for s in scenarios]
    exposure = exposure_summary(user=request.user)
    peak = max((float(e["at_stake_usd"]) for e in exposure), default=0.0) or 1.0
    bars = [{**e, "width": round(240 * float(e["at_stake_usd"]) / peak)} for e in exposure]
    runs = RecheckRun.objects.order_by("-created_at")[:10]
    return render(
        request,
        "compliance/portal/dashboard.html",
        {"severities": SEVERITIES, "grid": grid, "exposure": bars, "runs": runs},
    )


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    _require_portfolio_view(request)
    qs = findings_visible_to(user=request.user)
    params = {k: request.GET.get(k, "") for k in QUEUE_FILTERS}
    lookups = {
        "scenario": "scenario__code",
        "severity": "severity",
        "status": "status",
        "rule": "rule__key",
        "sponsor": "project__sponsor",
        "department": "project__department",
        "assignee": "assignee__username",
    }
    for key, value in params.items():
        if value:
            qs = qs.filter(**{lookups[key]: value})
    if not params["status"]:
        qs = qs.filter(status="open")
    sort = request.GET.get("sort", "-amount")
    qs = qs.order_by(SORTS.get(sort, "-amount_usd"), "pk")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "compliance/portal/queue.html",
        {
            "page": page,
            "params": params,
            "sort": sort,
            "scenarios": Scenario.objects.all(),
            "severities": SEVERITIES,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_object_or_404(findings_visible_to(user=request.user), pk=pk)
    error = ""
    if request.method == "POST":
        if not can_review(request.user):
            raise PermissionDenied("Only research-office reviewers may decide findings.")
        try:
            finding_decide(
                finding=finding,
                decision=request.POST.get("decision", ""),
                reason=request.POST.get("reason", ""),
                user=request.user,
                mitigation_plan=request.POST.get("mitigation_plan", ""),
                due_date=_date(request.POST.get("due_date", "")),
                waiver_reference=request.POST.get("waiver_reference", ""),
            )
            return HttpResponseRedirect(reverse("portal-finding", args=[finding.pk]))
        except ApplicationError as exc:
            error = exc.message
    return render(
        request,
        "compliance/portal/finding.html",
        {
            "finding": finding,
            "decisions": finding.decisions.select_related("decided_by"),
            "can_decide": can_review(request.user),
            "error": error,
            "choices": Finding.Review.choices[1:],
            "legal": (finding.rule_version.content or {}).get("legal_basis", {}),
        },
    )


def _date(text: str) -> Any:
    from datetime import date

    try:
        return date.fromisoformat(text) if text else None
    except ValueError as exc:
        raise ApplicationError("Due date must be YYYY-MM-DD.") from exc
