"""Portal pages. Every page requires a login and reads through the visibility selectors."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from compliance.labels import TODAY, scenario_base_code, scenario_label
from compliance.models import Finding
from compliance.portal.dashboard import dashboard
from compliance.portal.finding import finding_detail
from compliance.portal.pi_access import tie_people_editable
from compliance.portal.review import review_queue
from compliance.portal.selfcheck import project_self_check
from compliance.selectors import findings_visible_to
from compliance.services.attestations import attestations_latest_for
from projects.access import sees_whole_portfolio
from projects.models import FieldTag
from projects.selectors import projects_search, projects_visible_to, ties_visible_to
from rules.models import Scenario

# the research-office pages live in their own modules; config/urls.py routes them from here
__all__ = ["dashboard", "finding_detail", "review_queue"]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if sees_whole_portfolio(request.user):
        return HttpResponseRedirect(reverse("portal-dashboard"))
    return HttpResponseRedirect(reverse("portal-projects"))


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    """Open findings per project and scenario: "today" (the base scenario) in its own column,
    each forecast ("if <bill> passes") on its own; scenarios are never added up."""
    scenarios = list(Scenario.objects.all())
    base = scenario_base_code(scenarios)
    counts = {
        f"open_{s.pk}": Count(
            "findings", filter=Q(findings__status="open", findings__scenario_id=s.pk)
        )
        for s in scenarios
    }
    text = request.GET.get("q", "").strip()[:200]
    projects = (
        projects_search(queryset=projects_visible_to(user=request.user), text=text)
        .annotate(**counts)
        .order_by("sponsor", "award_number")
    )
    page = Paginator(projects, 50).get_page(request.GET.get("page"))
    rows = []
    for project in page:
        today = 0
        forecasts = []
        for s in scenarios:
            n = getattr(project, f"open_{s.pk}", 0)
            if s.code == base:
                today = n
            elif n:
                forecasts.append((scenario_label(s, base_code=base), n))
        rows.append({"project": project, "today": today, "forecasts": forecasts})
    return render(
        request,
        "compliance/portal/projects.html",
        {"page": page, "rows": rows, "today": TODAY, "q": text},
    )


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(projects_visible_to(user=request.user), pk=pk)
    roles = list(project.roles.select_related("person").order_by("role"))
    people = [r.person_id for r in roles]
    ties = (
        ties_visible_to(user=request.user)
        .filter(Q(person_id__in=people) | Q(project=project))
        .order_by("person__name", "-start_date")
    )
    findings = list(
        findings_visible_to(user=request.user)
        .filter(project=project, status="open")
        .order_by("scenario__position", "rule__key")
    )
    today_findings, forecasts = findings_today_and_forecasts(findings)
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
            "today_findings": today_findings,
            "forecasts": forecasts,
            "tags": tags,
            "today": timezone.localdate(),
            "editable": editable,
            "own_person_on_project": any(r.person.user_id == request.user.pk for r in roles),
        },
    )


def findings_today_and_forecasts(
    findings: list[Finding],
) -> tuple[list[Finding], list[tuple[str, list[Finding]]]]:
    """Open findings under today's obligations, and per forecast scenario ("If <bill>
    passes", in scenario order) the findings that would apply if that bill became law."""
    scenarios = list(Scenario.objects.all())
    base = scenario_base_code(scenarios)
    today = [f for f in findings if f.scenario.code == base]
    forecasts = [
        (scenario_label(s, base_code=base), [f for f in findings if f.scenario_id == s.pk])
        for s in scenarios
        if s.code != base
    ]
    return today, [(label, found) for label, found in forecasts if found]


@login_required
def project_self_check_view(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(projects_visible_to(user=request.user), pk=pk)
    results = project_self_check(project=project, user=request.user)
    return render(
        request, "compliance/portal/selfcheck.html", {"project": project, "results": results}
    )
