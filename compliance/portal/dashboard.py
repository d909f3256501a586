"""The research-office dashboard: open findings, dollars at stake, trends and re-check runs."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.db.models.functions import TruncWeek
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from compliance.models import RecheckRun
from compliance.portal.charts import hbar_chart, line_chart, stacked_hbar_chart
from compliance.selectors import exposure_summary, findings_visible_to
from projects.access import sees_whole_portfolio
from rules.coverage import rules_cannot_fire
from rules.models import Scenario

SEVERITIES = ["block", "high", "medium", "low", "info", "error"]
WEEKS = 26
ACTIVE_RUN = (RecheckRun.Status.QUEUED, RecheckRun.Status.RUNNING)


def require_portfolio_view(request: HttpRequest) -> None:
    if not sees_whole_portfolio(request.user):
        raise PermissionDenied("The dashboard is for the research office and auditors.")


def _open_by_severity(
    *, user: Any, column: str, scenario: Scenario | None = None
) -> dict[str, dict[str, int]]:
    """Open findings counted per value of `column` and severity (every severity present),
    under one scenario when given."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(SEVERITIES, 0))
    qs = findings_visible_to(user=user).filter(status="open")
    if scenario is not None:
        qs = qs.filter(scenario=scenario)
    for value, severity, n in qs.values_list(column, "severity").annotate(n=Count("id")).order_by():
        counts[value or "(none)"][severity] += n
    return counts


def _severity_grid(scenarios: list[Scenario], user: Any) -> list[Any]:
    counts = _open_by_severity(user=user, column="scenario__code")
    return [(s, [(sev, counts[s.code][sev]) for sev in SEVERITIES]) for s in scenarios]


def stake_by(exposure: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Rows of {name, amounts: [per scenario, in exposure order]} from exposure_summary."""
    names = sorted({name for e in exposure for name in e[key]})
    return [
        {"name": name, "amounts": [Decimal(e[key].get(name, "0")) for e in exposure]}
        for name in names
    ]


def week_starts(today: date, weeks: int = WEEKS) -> list[date]:
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


def findings_per_week(
    *, user: Any, scenarios: list[Scenario], today: date
) -> tuple[list[date], list[tuple[str, list[int]]]]:
    """Findings first seen per week (Monday-based, UTC) and scenario, oldest week first."""
    weeks = week_starts(today)
    start = datetime.combine(weeks[0], datetime.min.time(), tzinfo=timezone.get_current_timezone())
    index = {w: i for i, w in enumerate(weeks)}
    counts: dict[str, list[int]] = {s.code: [0] * len(weeks) for s in scenarios}
    rows = (
        findings_visible_to(user=user)
        .filter(first_seen__gte=start)
        .annotate(week=TruncWeek("first_seen"))
        .values_list("scenario__code", "week")
        .annotate(n=Count("id"))
        .order_by()
    )
    for code, week, n in rows:
        day = week.date() if isinstance(week, datetime) else week
        if code in counts and day in index:
            counts[code][index[day]] += n
    return weeks, [(s.name, counts[s.code]) for s in scenarios]


def findings_by_department(
    *, user: Any, scenario: Scenario | None
) -> list[tuple[str, dict[str, int]]]:
    """Open findings per department and severity under one scenario: scenarios are
    alternative futures, so their findings are never counted together."""
    if scenario is None:
        return []
    out = _open_by_severity(user=user, column="project__department", scenario=scenario)
    return sorted(out.items(), key=lambda item: (-sum(item[1].values()), item[0]))


def _stake_chart(rows: list[dict[str, Any]], column: int, what: str, scenario: Scenario) -> Any:
    ranked = sorted(rows, key=lambda r: (-r["amounts"][column], r["name"]))
    return hbar_chart(
        chart_id=f"stake-{what}",
        title=f"Dollars at stake by {what}, {scenario.name}",
        desc=f"Horizontal bars: award dollars of projects with an open block, high or medium "
        f"finding under {scenario.name}, by {what}. The table below gives every scenario.",
        rows=[(r["name"], r["amounts"][column]) for r in ranked if r["amounts"][column]],
    )


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    require_portfolio_view(request)
    scenarios = list(Scenario.objects.all())
    exposure = exposure_summary(user=request.user)
    codes = [e["scenario"] for e in exposure]
    chosen = request.GET.get("scenario", "")
    column = codes.index(chosen) if chosen in codes else 0
    by_sponsor = stake_by(exposure, "by_sponsor")
    by_department = stake_by(exposure, "by_department")
    weeks, weekly = findings_per_week(
        user=request.user, scenarios=scenarios, today=timezone.localdate()
    )
    current = scenarios[column] if scenarios else None  # exposure_summary: same order
    departments = findings_by_department(user=request.user, scenario=current)
    current_name = current.name if current is not None else ""
    context: dict[str, Any] = {
        "severities": SEVERITIES,
        "grid": _severity_grid(scenarios, request.user),
        "exposure": exposure,
        "scenario_chart": hbar_chart(
            chart_id="stake-scenario",
            title="Dollars at stake per scenario",
            desc="Horizontal bars: award dollars of projects with an open block, high or "
            "medium finding, per scenario.",
            rows=[(e["name"], Decimal(e["at_stake_usd"])) for e in exposure],
        ),
        "by_sponsor": by_sponsor,
        "by_department": by_department,
        "weeks": weeks,
        "weekly": weekly,
        "weekly_rows": [(w, [values[i] for _, values in weekly]) for i, w in enumerate(weeks)],
        "departments": departments,
        "department_chart": stacked_hbar_chart(
            chart_id="by-department",
            title=f"Open findings by department and severity, {current_name}",
            desc=f"Horizontal stacked bars: open findings under {current_name} in each "
            "department, split by severity.",
            rows=departments,
            keys=SEVERITIES,
        ),
        "weekly_chart": line_chart(
            chart_id="per-week",
            title=f"Findings first seen per week, last {WEEKS} weeks",
            desc=f"One line per scenario: how many findings were first seen in each of the last "
            f"{WEEKS} weeks, from the week of {weeks[0]:%Y-%m-%d} to the week of "
            f"{weeks[-1]:%Y-%m-%d}.",
            x_labels=[f"{w:%m-%d}" for w in weeks],
            series=weekly,
        ),
    }
    if current is not None:
        context["stake_scenario"] = current
        context["sponsor_chart"] = _stake_chart(by_sponsor, column, "sponsor", current)
        context["department_stake_chart"] = _stake_chart(
            by_department, column, "department", current
        )
    context.update(_runs_context())
    context["rules_silent"] = rules_cannot_fire()  # rules whose lists are not loaded
    return render(request, "compliance/portal/dashboard.html", context)


def _runs_context() -> dict[str, Any]:
    runs = list(RecheckRun.objects.order_by("-created_at")[:10])
    return {"runs": runs, "runs_active": any(r.status in ACTIVE_RUN for r in runs)}


@login_required
def dashboard_runs(request: HttpRequest) -> HttpResponse:
    """The runs table alone, polled by htmx while a run is queued or running."""
    require_portfolio_view(request)
    return render(request, "compliance/portal/review/runs.html", _runs_context())
