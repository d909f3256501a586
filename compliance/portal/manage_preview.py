"""Impact preview of a rule version: what-if per scenario, live findings untouched."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from compliance.models import Finding
from compliance.portal.manage_access import require_portfolio
from compliance.services.whatif import scenario_whatif
from projects.errors import ApplicationError
from projects.models import Project
from rules.engine import evaluate
from rules.facts import project_facts_build
from rules.models import Rule, RuleVersion, Scenario
from rules.services.rulepacks import scenario_compile

SEVERITY_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "block": 4, "error": 5}


def severity_changes(
    *, scenario: Scenario, version: RuleVersion, today: date
) -> list[dict[str, Any]]:
    """Open findings whose severity would differ with this version in place of the live one.

    Only projects holding open findings in the scenario can change severity, so only they
    are evaluated.
    """
    live = {
        (key, pid, subject): severity
        for key, pid, subject, severity in Finding.objects.filter(
            scenario=scenario, status=Finding.Status.OPEN
        ).values_list("rule__key", "project_id", "subject", "severity")
    }
    if not live:
        return []
    compiled, _ = scenario_compile(
        scenario=scenario, version_overrides={version.rule.key: version.content}
    )
    ids = sorted({pid for _k, pid, _s in live})
    changes = []
    for result in evaluate(compiled, project_facts_build(ids), today):
        before = live.get(result.key)
        if before is not None and before != result.severity:
            changes.append(
                {
                    "rule__key": result.rule_key,
                    "project_id": result.project_id,
                    "subject": result.subject,
                    "before": before,
                    "after": result.severity,
                    "direction": "raised"
                    if SEVERITY_RANK.get(result.severity, 0) > SEVERITY_RANK.get(before, 0)
                    else "lowered",
                }
            )
    return sorted(changes, key=lambda c: (c["project_id"], c["subject"]))


def _attach_projects(rows: list[dict[str, Any]], projects: dict[int, Any]) -> list[dict[str, Any]]:
    return [{**r, "project": projects.get(r["project_id"])} for r in rows]


def scenario_preview(*, scenario: Scenario, version: RuleVersion, today: date) -> dict[str, Any]:
    key = version.rule.key
    result = scenario_whatif(scenario=scenario, rule_contents=[version.content], today=today)
    changed = severity_changes(scenario=scenario, version=version, today=today)
    new = [r for r in result["new"] if r["rule__key"] == key]
    resolved = [r for r in result["resolved"] if r["rule__key"] == key]
    others = len(result["new"]) + len(result["resolved"]) - len(new) - len(resolved)
    ids = {r["project_id"] for r in new + resolved + changed}
    projects = {p.pk: p for p in Project.objects.filter(pk__in=ids)}
    return {
        "scenario": scenario,
        "new": _attach_projects(new, projects),
        "resolved": _attach_projects(resolved, projects),
        "changed": _attach_projects(changed, projects),
        "others": others,
        "before": Decimal(result["exposure_before"]["total_usd"]),
        "after": Decimal(result["exposure_after"]["total_usd"]),
        "projects_before": result["exposure_before"]["projects"],
        "projects_after": result["exposure_after"]["projects"],
        "newly": Decimal(result["newly_at_stake_usd"]),
        "no_longer": Decimal(result["no_longer_at_stake_usd"]),
    }


@login_required
@require_GET
def rule_version_preview(request: HttpRequest, key: str, n: int) -> HttpResponse:
    require_portfolio(request)
    rule = get_object_or_404(Rule.objects.select_related("pack"), key=key)
    version = get_object_or_404(rule.versions, number=n)
    error = ""
    today = timezone.localdate()
    if request.GET.get("date"):
        try:
            today = date.fromisoformat(request.GET["date"])
        except ValueError:
            error = "Evaluation date must be YYYY-MM-DD."
    scenarios = Scenario.objects.filter(scenario_packs__pack=rule.pack).distinct()
    previews: list[dict[str, Any]] = []
    if not error:
        try:
            previews = [
                scenario_preview(scenario=s, version=version, today=today) for s in scenarios
            ]
        except ApplicationError as exc:
            error = exc.message
    return render(
        request,
        "compliance/portal/manage/rule_preview.html",
        {
            "rule": rule,
            "version": version,
            "previews": previews,
            "today": today,
            "error": error,
            "published": rule.published_version,
        },
        status=400 if error else 200,
    )
