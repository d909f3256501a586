"""What-if: evaluate a draft rule, changed parameters or a whole scenario without touching
live findings, and report the difference and the dollars at stake before and after."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone

from compliance.models import Finding
from projects.models import Project
from rules.engine import evaluate
from rules.facts import project_facts_build
from rules.models import Scenario
from rules.services.rulepacks import scenario_compile

# A project's amount is "at stake" in a scenario when it has an open finding at or above this.
AT_STAKE = frozenset({"block", "high", "medium"})


def _exposure(
    amounts: Mapping[int, tuple[Decimal, str, str]], at_stake: set[int]
) -> dict[str, Any]:
    total = Decimal(0)
    by_sponsor: dict[str, Decimal] = defaultdict(Decimal)
    by_department: dict[str, Decimal] = defaultdict(Decimal)
    for pid in at_stake:
        amount, sponsor, department = amounts[pid]
        total += amount
        by_sponsor[sponsor] += amount
        by_department[department or "(none)"] += amount
    return {
        "total_usd": str(total),
        "projects": len(at_stake),
        "by_sponsor": {k: str(v) for k, v in sorted(by_sponsor.items())},
        "by_department": {k: str(v) for k, v in sorted(by_department.items())},
    }


def scenario_whatif(
    *,
    scenario: Scenario,
    param_overrides: Mapping[str, Any] | None = None,
    rule_contents: Sequence[Mapping[str, Any]] = (),
    project_ids: Sequence[int] | None = None,
    today: date | None = None,
    chunk_size: int = 1000,
) -> dict[str, Any]:
    today = today or timezone.localdate()
    compiled, _versions = scenario_compile(
        scenario=scenario,
        param_overrides=param_overrides,
        version_overrides={c["id"]: c for c in rule_contents},
    )
    ids = (
        list(project_ids)
        if project_ids is not None
        else list(Project.objects.order_by("pk").values_list("pk", flat=True))
    )
    live: dict[tuple[str, int, str], dict[str, Any]] = {}
    for key, pid, subject, severity, explanation in Finding.objects.filter(
        scenario=scenario, status=Finding.Status.OPEN, project_id__in=ids
    ).values_list("rule__key", "project_id", "subject", "severity", "explanation"):
        live[(key, pid, subject)] = {
            "rule__key": key,
            "project_id": pid,
            "subject": subject,
            "severity": severity,
            "explanation": explanation,
        }
    hypothetical: dict[tuple[str, int, str], dict[str, Any]] = {}
    for start in range(0, len(ids), chunk_size):
        for r in evaluate(compiled, project_facts_build(ids[start : start + chunk_size]), today):
            hypothetical[r.key] = {
                "rule__key": r.rule_key,
                "project_id": r.project_id,
                "subject": r.subject,
                "severity": r.severity,
                "explanation": r.explanation,
            }
    amounts = {
        p["id"]: (p["amount_usd"], p["sponsor"], p["department"])
        for p in Project.objects.filter(pk__in=ids).values(
            "id", "amount_usd", "sponsor", "department"
        )
    }
    new = [hypothetical[k] for k in sorted(set(hypothetical) - set(live))]
    resolved = [live[k] for k in sorted(set(live) - set(hypothetical))]
    unchanged = len(set(live) & set(hypothetical))
    before = {f["project_id"] for f in live.values() if f["severity"] in AT_STAKE}
    after = {f["project_id"] for f in hypothetical.values() if f["severity"] in AT_STAKE}
    return {
        "scenario": scenario.code,
        "evaluation_date": today.isoformat(),
        "parameters": dict(param_overrides or {}),
        "rules": [c["id"] for c in rule_contents],
        "new": new,
        "resolved": resolved,
        "unchanged": unchanged,
        "exposure_before": _exposure(amounts, before),
        "exposure_after": _exposure(amounts, after),
        "no_longer_at_stake_usd": str(sum((amounts[p][0] for p in before - after), Decimal(0))),
        "newly_at_stake_usd": str(sum((amounts[p][0] for p in after - before), Decimal(0))),
    }
