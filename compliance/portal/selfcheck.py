"""Self-check: evaluate a PI's project under every scenario, now, without touching findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from compliance.services.recheck_compile import scenarios_compiled
from projects.models import Project
from rules.engine import FindingResult, evaluate_scenarios
from rules.facts import project_facts_build
from rules.models import Rule, RuleVersion, Scenario


@dataclass
class ScenarioResult:
    scenario: Scenario
    findings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def worst(self) -> str:
        order = ["error", "block", "high", "medium", "low", "info"]
        present = {f["severity"] for f in self.findings}
        return next((s for s in order if s in present), "none")


def project_self_check(*, project: Project) -> list[ScenarioResult]:
    """Compiled scenarios come from the process's cache (compliance.services.recheck_compile,
    checked against the rules' state with three small queries): compiling every scenario
    again took most of a self-check's time (0.28 of 0.35 s on a busy 2-core machine)."""
    scenarios = list(Scenario.objects.all())
    _cached, by_code, _filter = scenarios_compiled([s.code for s in scenarios])
    index = {s.code: i for i, s in enumerate(_cached)}
    compiled = [by_code[index[s.code]] for s in scenarios]
    facts = project_facts_build([project.pk])
    today = timezone.localdate()
    per_scenario = evaluate_scenarios([c for c, _v in compiled], facts, today)
    titles = dict(Rule.objects.values_list("key", "title"))
    out: list[ScenarioResult] = []
    for scenario, (_c, versions), results in zip(scenarios, compiled, per_scenario, strict=True):
        out.append(
            ScenarioResult(scenario, [_plain(r, versions.get(r.rule_key), titles) for r in results])
        )
    return out


def _plain(
    result: FindingResult, version: RuleVersion | None, titles: dict[str, str]
) -> dict[str, Any]:
    legal = (version.content.get("legal_basis") if version else None) or {}
    return {
        "rule": result.rule_key,
        "title": titles.get(result.rule_key, result.rule_key),
        "severity": result.severity,
        "explanation": result.explanation,
        "trace": result.trace,
        "remediation": result.remediation,
        "citation": legal.get("citation", ""),
        "url": legal.get("url", ""),
        "held": result.held_for_review,
    }
