"""What each report holds: its rows (scoped to what the caller may see, current or as of a
date) and its columns. Rows come from querysets iterated in chunks (server-side cursors on
PostgreSQL), so memory stays flat. Writing and exporting them: compliance.services.reports.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from compliance.labels import choice_label, scenario_base_code, scenario_label, sponsor_label
from compliance.models import AuditEvent, Finding, FindingDecision
from compliance.reports import (
    Column,
    Section,
)
from compliance.services.whatif import AT_STAKE
from projects.access import sees_whole_portfolio
from projects.errors import ApplicationError
from projects.selectors import projects_visible_to
from rules.models import Rule, RuleVersion, Scenario

KINDS = ("findings", "decisions", "exposure", "audit")
FORMATS = ("csv", "xlsx", "pdf")
CHUNK = 5000

FINDING_COLUMNS = [
    Column("id", "Finding", "int"),
    Column("scenario", "Scenario"),
    Column("rule", "Rule"),
    Column("rule_version", "Rule version"),
    Column("severity", "Severity"),
    Column("status", "Status"),
    Column("review_status", "Review status"),
    Column("award_number", "Award"),
    Column("sponsor", "Sponsor"),
    Column("department", "Department"),
    Column("person", "Person"),
    Column("organisation", "Organisation"),
    Column("list_entry", "List entry"),
    Column("match_score", "Match score", "float"),
    Column("amount_usd", "At stake (USD)", "money"),
    Column("first_seen", "First seen", "datetime"),
    Column("explanation", "Evidence", width=60),
]
DECISION_COLUMNS = [
    Column("finding", "Finding", "int"),
    Column("scenario", "Scenario"),
    Column("rule", "Rule"),
    Column("award_number", "Award"),
    Column("decision", "Decision"),
    Column("reason", "Reason", width=40),
    Column("mitigation_plan", "Mitigation plan", width=40),
    Column("due_date", "Due", "date"),
    Column("waiver_reference", "Waiver"),
    Column("decided_by", "Decided by"),
    Column("decided_at", "Decided at", "datetime"),
]
EXPOSURE_COLUMNS = [
    Column("scenario", "Scenario"),
    Column("group", "By"),
    Column("value", "Sponsor / department"),
    Column("projects", "Projects", "int"),
    Column("amount_usd", "At stake (USD)", "money"),
]
AUDIT_COLUMNS = [
    Column("seq", "#", "int"),
    Column("at", "When", "datetime"),
    Column("actor", "Who"),
    Column("action", "Action"),
    Column("object_type", "Object type"),
    Column("object_id", "Object id"),
    Column("object_repr", "Object", width=30),
    Column("request_id", "Request"),
    Column("ip", "IP"),
    Column("hash", "SHA-256", width=30),
]


@dataclass
class ReportRequest:
    kind: str
    fmt: str
    user: Any
    as_of: date | None = None
    filters: dict[str, str] = field(default_factory=dict)

    def validate(self) -> None:
        if self.kind not in KINDS:
            raise ApplicationError(f"unknown report {self.kind!r}; use one of {', '.join(KINDS)}")
        if self.fmt not in FORMATS:
            raise ApplicationError(f"unknown format {self.fmt!r}; use one of {', '.join(FORMATS)}")
        if self.kind == "audit" and not sees_whole_portfolio(self.user):
            raise PermissionError("The audit log is for the research office and auditors.")

    @property
    def cutoff(self) -> datetime | None:
        """End of the as-of day (UTC): what grantcheck knew on that date."""
        if self.as_of is None:
            return None
        return datetime.combine(self.as_of, time.max, tzinfo=UTC)


def _visible_project_ids(user: Any) -> Any:
    return projects_visible_to(user=user).values("pk")


def _names() -> tuple[dict[int, tuple[str, str]], dict[int, str], dict[int, str]]:
    """Scenario (code, name), rule key and "key@vN" by primary key."""
    scenarios = {
        pk: (code, name) for pk, code, name in Scenario.objects.values_list("pk", "code", "name")
    }
    rules = dict(Rule.objects.values_list("pk", "key"))
    versions = {
        pk: f"{rules.get(rule_id, '?')}@v{number}"
        for pk, rule_id, number in RuleVersion.objects.values_list("pk", "rule_id", "number")
    }
    return scenarios, rules, versions


def _finding_filters(qs: Any, filters: Mapping[str, str]) -> Any:
    mapping = {
        "scenario": "scenario__code",
        "severity": "severity",
        "status": "status",
        "review_status": "review_status",
        "rule": "rule__key",
        "sponsor": "project__sponsor",
        "department": "project__department",
    }
    for key, value in filters.items():
        if key in mapping and value:
            qs = qs.filter(**{mapping[key]: value})
    return qs


def finding_rows(req: ReportRequest) -> Iterator[dict[str, Any]]:
    """The findings register, current or as it stood at the end of the as-of day."""
    scenarios, rules, versions = _names()
    if req.cutoff is None:
        base: Any = Finding.objects.all()
    else:
        base = Finding.history.as_of(req.cutoff)
    qs = _finding_filters(base.filter(project__in=_visible_project_ids(req.user)), req.filters)
    fields = (
        "id",
        "scenario_id",
        "rule_id",
        "rule_version_id",
        "severity",
        "status",
        "review_status",
        "project__award_number",
        "project__sponsor",
        "project__department",
        "person__name",
        "tie__organisation__name",
        "list_entry__primary_name",
        "match_score",
        "amount_usd",
        "first_seen",
        "explanation",
    )
    for row in qs.order_by("id").values_list(*fields).iterator(chunk_size=CHUNK):
        (
            pk,
            scenario,
            rule,
            version,
            severity,
            status,
            review,
            award,
            sponsor,
            department,
            person,
            org,
            entry,
            score,
            amount,
            first_seen,
            explanation,
        ) = row
        yield {
            "id": pk,
            "project_key": (sponsor, award),
            "scenario": scenarios.get(scenario, ("", ""))[1],
            "scenario_code": scenarios.get(scenario, ("", ""))[0],
            "rule": rules.get(rule, ""),
            "rule_version": versions.get(version, ""),
            "severity": severity,
            "status": status,
            "review_status": choice_label(Finding.Review, review),
            "award_number": award,
            "sponsor": sponsor_label(sponsor),
            "department": department,
            "person": person or "",
            "organisation": org or "",
            "list_entry": entry or "",
            "match_score": score,
            "amount_usd": amount,
            "first_seen": first_seen,
            "explanation": explanation,
        }


def decision_rows(req: ReportRequest) -> Iterator[dict[str, Any]]:
    qs = FindingDecision.objects.filter(
        finding__project__in=_visible_project_ids(req.user)
    ).select_related("finding__scenario", "finding__rule", "finding__project", "decided_by")
    if req.cutoff is not None:
        qs = qs.filter(decided_at__lte=req.cutoff)
    if req.filters.get("scenario"):
        qs = qs.filter(finding__scenario__code=req.filters["scenario"])
    for d in qs.order_by("decided_at", "pk").iterator(chunk_size=CHUNK):
        yield {
            "finding": d.finding_id,
            "scenario": d.finding.scenario.name,
            "scenario_code": d.finding.scenario.code,
            "rule": d.finding.rule.key,
            "award_number": d.finding.project.award_number,
            "decision": d.get_decision_display(),
            "reason": d.reason,
            "mitigation_plan": d.mitigation_plan,
            "due_date": d.due_date,
            "waiver_reference": d.waiver_reference,
            "decided_by": d.decided_by.get_username() if d.decided_by else "",
            "decided_at": d.decided_at,
        }


def exposure_rows(req: ReportRequest) -> list[dict[str, Any]]:
    """Dollars at stake (open findings at block/high/medium) per scenario, sponsor, department."""
    stake: dict[str, dict[tuple[str, str], tuple[Decimal, str, str]]] = defaultdict(dict)
    open_only = ReportRequest(
        req.kind, req.fmt, req.user, req.as_of, {**req.filters, "status": "open"}
    )
    for row in finding_rows(open_only):
        if row["severity"] in AT_STAKE:
            stake[row["scenario_code"]][row["project_key"]] = (
                row["amount_usd"] or Decimal(0),
                row["sponsor"],
                row["department"] or "(none)",
            )
    rows: list[dict[str, Any]] = []
    scenarios = Scenario.objects.order_by("position", "code").values_list("code", "name")
    if req.filters.get("scenario"):
        scenarios = scenarios.filter(code=req.filters["scenario"])
    for code, name in scenarios:
        projects = stake.get(code, {})
        rows.append(
            {
                "scenario": name,
                "scenario_code": code,
                "group": "total",
                "value": "all",
                "projects": len(projects),
                "amount_usd": sum((v[0] for v in projects.values()), Decimal(0)),
            }
        )
        for index, group in ((1, "sponsor"), (2, "department")):
            totals: dict[str, list[Any]] = defaultdict(lambda: [0, Decimal(0)])
            for entry in projects.values():
                label = str(entry[index])
                totals[label][0] += 1
                totals[label][1] += entry[0]
            for value, (count, amount) in sorted(totals.items()):
                rows.append(
                    {
                        "scenario": name,
                        "scenario_code": code,
                        "group": group,
                        "value": value,
                        "projects": count,
                        "amount_usd": amount,
                    }
                )
    return rows


def audit_rows(req: ReportRequest) -> Iterator[dict[str, Any]]:
    qs = AuditEvent.objects.all()
    if req.cutoff is not None:
        qs = qs.filter(at__lte=req.cutoff)
    for e in qs.order_by("seq").iterator(chunk_size=CHUNK):
        yield {
            "seq": e.seq,
            "at": e.at,
            "actor": e.actor_username,
            "action": e.action,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "object_repr": e.object_repr,
            "request_id": e.request_id,
            "ip": e.ip or "",
            "hash": e.hash,
        }


def report_scenarios(req: ReportRequest) -> list[Scenario]:
    """The scenarios a report covers, in scenario order (one, when filtered to one)."""
    qs = Scenario.objects.order_by("position", "code")
    if req.filters.get("scenario"):
        qs = qs.filter(code=req.filters["scenario"])
    return list(qs)


def report_sections(req: ReportRequest, *, per_scenario: bool = True) -> list[Section]:
    """The report's tables. Scenarios are alternative futures, so findings, decisions and
    exposure get one table per scenario (named ``<kind>:<scenario code>``, titled with the
    scenario's label) and nothing is counted across them; ``per_scenario=False`` gives one
    table with a Scenario column (the CSV file, whose row counts are kept per scenario)."""
    req.validate()
    if req.kind == "audit":
        return [Section("audit", "Audit log", AUDIT_COLUMNS, audit_rows(req))]
    columns, rows, title = {
        "findings": (FINDING_COLUMNS, finding_rows, "Findings register"),
        "decisions": (DECISION_COLUMNS, decision_rows, "Decisions log"),
        "exposure": (EXPOSURE_COLUMNS, exposure_rows, "Exposure by scenario"),
    }[req.kind]
    if not per_scenario:
        return [Section(req.kind, title, columns, rows(req))]
    scenarios = report_scenarios(req)
    base = scenario_base_code(Scenario.objects.all())
    return [
        Section(
            f"{req.kind}:{s.code}",
            scenario_label(s, base_code=base),
            columns,
            rows(replace(req, filters={**req.filters, "scenario": s.code})),
        )
        for s in scenarios
    ]
