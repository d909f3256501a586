"""Persist engine findings: idempotent upserts, resolution without deletion, review state kept."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from operator import itemgetter
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from compliance.models import Finding, RecheckRun
from compliance.services.bulk import build, copy_update
from compliance.services.finding_writes import PendingWrites
from projects.auditing import snapshot
from projects.models import Project
from rules.engine import CompiledScenario, FindingResult, evaluate
from rules.engine.prefilter import TieFilter
from rules.facts import project_facts_build
from rules.models import Rule, RuleVersion, Scenario
from rules.services.rulepacks import scenario_compile

CHUNK = 1000
# A stored finding as a row of these attributes (stored_rows): most findings a re-check
# derives again are unchanged, and need no model instance.
STORED = tuple(f.attname for f in Finding._meta.concrete_fields)
_AT = {name: i for i, name in enumerate(STORED)}
_ID, _RULE, _PROJECT, _SUBJECT, _STATUS = (
    _AT[n] for n in ("id", "rule_id", "project_id", "subject", "status")
)
_BY_ID = itemgetter(_ID)


def stored_rows(findings: Any) -> list[tuple[Any, ...]]:
    """A queryset of findings of some projects as STORED rows, in primary-key order.

    The database returns them in the order of the (project, scenario) index, sorted here: with
    `ORDER BY id`, a planner whose statistics lag behind the table (a first run filling it,
    or no autovacuum) walked the whole primary key filtering on the projects, or scanned the
    table; in index order it reads these projects' entries alone (0.19 s -> 0.01 s for a
    chunk of 2,000 projects out of 236,593 findings)."""
    rows = list(findings.order_by("project_id", "scenario_id").values_list(*STORED))
    rows.sort(key=_BY_ID)
    return rows


def _instance(row: tuple[Any, ...]) -> Finding:
    return Finding.from_db(connection.alias, STORED, row)


def finding_values(result: Any, versions: dict[str, RuleVersion]) -> dict[str, Any]:
    """The derived columns of a finding from one engine result (its key columns aside)."""
    return {
        "rule_version_id": versions[result.rule_key].pk,
        "person_id": result.person_id,
        "tie_id": result.tie_id,
        "list_entry_id": result.list_entry_id,
        "match_score": result.match_score,
        "severity": result.severity,
        "held_for_review": result.held_for_review,
        "trace": result.trace,
        "explanation": result.explanation,
        "remediation": result.remediation,
        "amount_usd": Decimal(result.amount_usd or 0),
    }


@dataclass
class EvaluationCounts:
    projects: int = 0
    new: int = 0
    unchanged: int = 0
    changed: int = 0
    resolved: int = 0
    errors: int = 0

    def add(self, other: EvaluationCounts) -> None:
        for key, value in asdict(other).items():
            setattr(self, key, getattr(self, key) + value)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _chunks(ids: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def findings_upsert(
    *,
    scenario: Scenario,
    project_ids: Sequence[int],
    results: Sequence[FindingResult],
    versions: dict[str, RuleVersion],
    run: RecheckRun | None = None,
    rule_ids: dict[str, int] | None = None,
    pending: PendingWrites | None = None,
    rule_scope: Collection[int] | None = None,
    stored: Iterable[tuple[Any, ...]] | None = None,
) -> EvaluationCounts:
    """Write the results for exactly these projects; findings not produced any more resolve.

    rule_scope (rule ids), when given, limits this to those rules' findings: findings of
    other rules are neither read, resolved nor confirmed. stored: the scenario's findings
    of these projects as stored_rows(), read already by the caller (else they are read here).

    New findings, history and audit events are written at once, or left in `pending` for its
    flush() (changed, resolved and confirmed findings are written at once either way).
    """
    now = pending.now if pending is not None else timezone.now()
    counts = EvaluationCounts(projects=len(project_ids))
    rule_ids = rule_ids or dict(Rule.objects.values_list("key", "pk"))
    if stored is None:
        found = Finding.objects.filter(scenario=scenario, project_id__any=set(project_ids))
        if rule_scope is not None:
            found = found.filter(rule_id__in=list(rule_scope))
        stored = stored_rows(found)
    existing = {
        (row[_RULE], row[_PROJECT], row[_SUBJECT]): row
        for row in stored
        if rule_scope is None or row[_RULE] in rule_scope
    }
    produced: set[tuple[int, int, str]] = set()
    new: list[Finding] = []
    changed: list[Finding] = []
    before: dict[int, dict[str, Any]] = {}
    confirmed: list[int] = []
    for r in results:
        rule_id = rule_ids[r.rule_key]
        key = (rule_id, r.project_id, r.subject)
        if key in produced or (rule_scope is not None and rule_id not in rule_scope):
            continue
        produced.add(key)
        counts.errors += int(r.severity == "error")
        values = finding_values(r, versions)
        row = existing.get(key)
        if row is None:
            new.append(
                build(
                    Finding,
                    {
                        "scenario_id": scenario.pk,
                        "rule_id": rule_id,
                        "project_id": r.project_id,
                        "subject": r.subject,
                        "last_confirmed": now,
                        "run_id": run.pk if run is not None else None,
                        **values,
                    },
                )
            )
            continue
        reopened = row[_STATUS] == Finding.Status.RESOLVED
        differs = any(row[_AT[k]] != v for k, v in values.items())
        if reopened or differs:
            finding = _instance(row)
            before[finding.pk] = snapshot(finding)
            for k, v in values.items():
                setattr(finding, k, v)
            finding.status = Finding.Status.OPEN
            finding.resolved_at = None
            finding.resolved_by_run = None
            finding.last_confirmed = now
            finding.run = run
            changed.append(finding)
            if reopened:
                counts.new += 1
            else:
                counts.changed += 1
        else:
            confirmed.append(row[_ID])
            counts.unchanged += 1
    resolved = [
        _instance(row)
        for k, row in existing.items()
        if k not in produced and row[_STATUS] == Finding.Status.OPEN
    ]
    for f in resolved:
        before[f.pk] = snapshot(f)
        f.status = Finding.Status.RESOLVED
        f.resolved_at = now
        f.resolved_by_run = run
    counts.new += len(new)
    counts.resolved = len(resolved)
    with transaction.atomic():
        fields = [
            "rule_version_id",
            "person_id",
            "tie_id",
            "list_entry_id",
            "match_score",
            "severity",
            "held_for_review",
            "trace",
            "explanation",
            "remediation",
            "amount_usd",
            "status",
            "resolved_at",
            "resolved_by_run",
            "last_confirmed",
            "run",
        ]
        copy_update(changed, fields)
        copy_update(resolved, ["status", "resolved_at", "resolved_by_run"])
        if confirmed:
            Finding.objects.filter(pk__in=confirmed).update(last_confirmed=now)
        own = pending or PendingWrites(now=now, run=run)
        own.insert += new
        own.changed += changed
        own.resolved += resolved
        own.before.update(before)
        if pending is None:
            own.flush()
    return counts


def portfolio_evaluate(
    *,
    scenario: Scenario,
    project_ids: Sequence[int] | None = None,
    today: date | None = None,
    run: RecheckRun | None = None,
    chunk_size: int = CHUNK,
) -> EvaluationCounts:
    """Evaluate a scenario over projects (all by default) and persist the findings."""
    today = today or timezone.localdate()
    compiled, versions = scenario_compile(scenario=scenario)
    ids = (
        list(project_ids)
        if project_ids is not None
        else list(Project.objects.order_by("pk").values_list("pk", flat=True))
    )
    rule_ids = dict(Rule.objects.values_list("key", "pk"))
    total = EvaluationCounts()
    for chunk in _chunks(ids, chunk_size):
        total.add(evaluate_chunk(scenario, compiled, versions, chunk, today, run, rule_ids))
    return total


def evaluate_chunk(
    scenario: Scenario,
    compiled: CompiledScenario,
    versions: dict[str, RuleVersion],
    project_ids: Sequence[int],
    today: date,
    run: RecheckRun | None,
    rule_ids: dict[str, int],
) -> EvaluationCounts:
    facts = project_facts_build(project_ids, TieFilter.for_scenarios([compiled]))
    results = evaluate(compiled, facts, today)
    return findings_upsert(
        scenario=scenario,
        project_ids=[f.project["id"] for f in facts],
        results=results,
        versions=versions,
        run=run,
        rule_ids=rule_ids,
    )
