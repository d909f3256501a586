"""Reads of findings and the records around them, scoped through the portfolio selectors.

One selector per model says who may see a row; every page, API, export and notification
reads through it: findings, their comments (internal notes for the research office only),
decisions, attestations and report exports.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from compliance.models import (
    Attestation,
    AuditEvent,
    Finding,
    FindingComment,
    FindingDecision,
    ReportExport,
)
from compliance.services.whatif import AT_STAKE
from projects.access import can_read_audit_log, sees_whole_portfolio
from projects.selectors import people_visible_to, projects_visible_to
from rules.models import Scenario


def findings_visible_to(*, user: Any) -> QuerySet[Finding]:
    qs = Finding.objects.all()
    if not sees_whole_portfolio(user):  # the whole portfolio needs no project filter at all
        qs = qs.filter(project__in=projects_visible_to(user=user).values("pk"))
    return qs.select_related(
        "scenario", "rule", "rule_version", "project", "person", "tie", "list_entry"
    )


def finding_comments_visible_to(*, user: Any) -> QuerySet[FindingComment]:
    """Comments on visible findings; internal notes only for the research office and auditors."""
    qs = FindingComment.objects.select_related("author")
    if sees_whole_portfolio(user):
        return qs
    visible = findings_visible_to(user=user).select_related(None).values("pk")
    return qs.filter(finding__in=visible, kind=FindingComment.Kind.COMMENT)


def finding_decisions_visible_to(*, user: Any) -> QuerySet[FindingDecision]:
    qs = FindingDecision.objects.select_related("decided_by")
    if sees_whole_portfolio(user):
        return qs
    return qs.filter(finding__in=findings_visible_to(user=user).select_related(None).values("pk"))


def attestations_visible_to(*, user: Any) -> QuerySet[Attestation]:
    """A person's attestations, to whoever may see the person (PIs: people on their projects)."""
    qs = Attestation.objects.all()
    if sees_whole_portfolio(user):
        return qs
    return qs.filter(person__in=people_visible_to(user=user).values("pk"))


def report_exports_visible_to(*, user: Any) -> QuerySet[ReportExport]:
    """Background exports: each user sees only the ones they asked for."""
    if not getattr(user, "is_authenticated", False):
        return ReportExport.objects.none()
    return ReportExport.objects.filter(requested_by=user)


def exposure_summary(*, user: Any) -> list[dict[str, Any]]:
    """Per scenario: open findings by severity and dollars at stake by sponsor and department.

    A project's amount counts once per scenario when it has an open finding at block, high or
    medium severity.
    """
    rows = (
        findings_visible_to(user=user)
        .filter(status=Finding.Status.OPEN)
        .values_list(
            "scenario_id",
            "severity",
            "project_id",
            "project__amount_usd",
            "project__sponsor",
            "project__department",
        )
    )
    severities: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    stake: dict[int, dict[int, tuple[Decimal, str, str]]] = defaultdict(dict)
    for scenario_id, severity, project_id, amount, sponsor, department in rows:
        severities[scenario_id][severity] += 1
        if severity in AT_STAKE:
            stake[scenario_id][project_id] = (amount, sponsor, department or "(none)")
    out: list[dict[str, Any]] = []
    for scenario in Scenario.objects.all():
        projects = stake.get(scenario.pk, {})
        by_sponsor: dict[str, Decimal] = defaultdict(Decimal)
        by_department: dict[str, Decimal] = defaultdict(Decimal)
        for amount, sponsor, department in projects.values():
            by_sponsor[sponsor] += amount
            by_department[department] += amount
        out.append(
            {
                "scenario": scenario.code,
                "name": scenario.name,
                "open_findings": dict(severities.get(scenario.pk, {})),
                "projects_at_stake": len(projects),
                "at_stake_usd": str(sum((v[0] for v in projects.values()), Decimal(0))),
                "by_sponsor": {k: str(v) for k, v in sorted(by_sponsor.items())},
                "by_department": {k: str(v) for k, v in sorted(by_department.items())},
            }
        )
    return out


def audit_events_visible_to(*, user: Any) -> QuerySet[AuditEvent]:
    """The audit log: all of it for auditors and administrators, nothing for anyone else."""
    if not can_read_audit_log(user):
        return AuditEvent.objects.none()
    return AuditEvent.objects.all()
