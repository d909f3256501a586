"""Reads for the finding page: the evidence chain and the finding's history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model

from compliance.models import Finding, FindingDecision
from rules.models import OrganisationMatch

TRACKED = ("status", "severity", "review_status", "assignee_id", "held_for_review")
LABELS = {
    "status": "Status",
    "severity": "Severity",
    "review_status": "Review",
    "assignee_id": "Assignee",
    "held_for_review": "Held for review",
}


def finding_match(finding: Finding) -> OrganisationMatch | None:
    """The screening match behind a list-based finding: its score and matched alias."""
    if finding.list_entry is None or finding.tie is None:
        return None
    entry = finding.list_entry
    return (
        OrganisationMatch.objects.select_related("reference_list")
        .filter(
            organisation_id=finding.tie.organisation_id,
            reference_list_id=entry.version.reference_list_id,
            external_id=entry.external_id,
        )
        .first()
    )


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    who: str
    changes: list[tuple[str, str, str]]  # (label, before, after)
    created: bool = False


def finding_history(finding: Finding) -> list[HistoryRow]:
    """Each recorded change of status, severity, review or assignee: when, who, before/after."""
    records = list(
        Finding.history.filter(id=finding.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    decisions = list(FindingDecision.objects.filter(finding=finding).select_related("decided_by"))
    user_ids = {r.assignee_id for r in records if r.assignee_id}
    names = dict(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "username"))
    rows: list[HistoryRow] = []
    previous: Any = None
    for record in records:
        if previous is None:
            changes = [
                (LABELS[f], "", _show(f, getattr(record, f), names))
                for f in ("status", "severity", "review_status")
            ]
            rows.append(HistoryRow(record.history_date, _who(record, decisions), changes, True))
        else:
            changes = [
                (
                    LABELS[f],
                    _show(f, getattr(previous, f), names),
                    _show(f, getattr(record, f), names),
                )
                for f in TRACKED
                if getattr(previous, f) != getattr(record, f)
            ]
            if changes:
                rows.append(HistoryRow(record.history_date, _who(record, decisions), changes))
        previous = record
    return rows


def _show(field: str, value: Any, names: dict[int, str]) -> str:
    if field == "assignee_id":
        return names.get(value, "unassigned") if value else "unassigned"
    if field == "review_status":
        return str(Finding.Review(value).label) if value in Finding.Review.values else str(value)
    return str(value)


def _who(record: Any, decisions: list[FindingDecision]) -> str:
    if record.history_user is not None:
        return str(record.history_user.get_username())
    # saves made by finding_decide carry no request user: the decision row says who
    for decision in decisions:
        close = abs((decision.decided_at - record.history_date).total_seconds()) < 60
        same = decision.decision == record.review_status
        if same and close and decision.decided_by is not None:
            return str(decision.decided_by.get_username())
    if record.run_id:
        return f"re-check run {record.run_id}"
    return "system"
