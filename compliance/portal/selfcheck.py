"""Self-check: evaluate a PI's project under every scenario, now, without touching findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from compliance.services.recheck_compile import scenarios_compiled
from projects.models import Project, Tie, TieEvidence
from projects.selectors import tie_evidence_visible_to
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


def project_self_check(*, project: Project, user: Any = None) -> list[ScenarioResult]:
    """Every scenario's findings for the project now; a finding on a tie found in
    publications or ORCID records carries that evidence ("found": what the user may see of
    it) and whether the user is the person it is about ("mine": they may dispute it).
    Compiled scenarios come from the process's cache (compliance.services.recheck_compile,
    checked against the rules' state with three small queries): compiling every scenario
    again took most of a self-check's time."""
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
    _attach_evidence(out, user)
    return out


def _attach_evidence(results: list[ScenarioResult], user: Any) -> None:
    tie_ids = {f["tie_id"] for r in results for f in r.findings if f["tie_id"]}
    if not tie_ids:
        return
    visible = tie_evidence_visible_to(user=user) if user is not None else TieEvidence.objects
    found: dict[int, list[TieEvidence]] = {}
    for evidence in visible.filter(tie_id__in=tie_ids).order_by("-published_on", "pk"):
        found.setdefault(evidence.tie_id, []).append(evidence)
    owners = dict(Tie.objects.filter(pk__in=found).values_list("pk", "person__user_id"))
    user_id = getattr(user, "pk", None)
    for result in results:
        for finding in result.findings:
            finding["found"] = found.get(finding["tie_id"], [])
            finding["mine"] = user_id is not None and owners.get(finding["tie_id"]) == user_id


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
        "tie_id": result.tie_id,
        "found": [],
        "mine": False,
    }
