"""Research-office decisions on findings: each needs a reason, is audited, survives re-checks."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from compliance.models import Finding, FindingDecision
from projects.errors import ApplicationError

MSG_REASON_REQUIRED = "A decision needs a reason."
MSG_PLAN_REQUIRED = "Mitigation required needs a mitigation plan and a due date."
MSG_WAIVER_REQUIRED = "Accept with waiver needs the waiver reference."
MSG_DUE_PAST = "The due date is in the past: choose today or a later date."
DECISIONS = {
    Finding.Review.FALSE_POSITIVE,
    Finding.Review.MITIGATION,
    Finding.Review.ESCALATED,
    Finding.Review.WAIVED,
}


def due_date_check(due_date: date | None) -> None:
    """A mitigation can't be due before today (a typo such as 1900-01-01 is refused)."""
    if due_date is not None and due_date < timezone.localdate():
        raise ApplicationError(MSG_DUE_PAST)


@transaction.atomic
def finding_decide(
    *,
    finding: Finding,
    decision: str,
    reason: str,
    user: Any,
    mitigation_plan: str = "",
    due_date: date | None = None,
    waiver_reference: str = "",
    applied_from: FindingDecision | None = None,
) -> FindingDecision:
    """Record a decision on one finding, under the finding's own rule version (legal basis)."""
    if decision not in DECISIONS:
        raise ApplicationError(
            f"Unknown decision {decision!r}; use one of {', '.join(sorted(DECISIONS))}."
        )
    if not reason.strip():
        raise ApplicationError(MSG_REASON_REQUIRED)
    if decision == Finding.Review.MITIGATION and (not mitigation_plan.strip() or due_date is None):
        raise ApplicationError(MSG_PLAN_REQUIRED)
    if decision == Finding.Review.WAIVED and not waiver_reference.strip():
        raise ApplicationError(MSG_WAIVER_REQUIRED)
    due_date_check(due_date)
    finding = Finding.objects.select_for_update().get(pk=finding.pk)
    made = FindingDecision.objects.create(
        finding=finding,
        decision=decision,
        reason=reason.strip(),
        mitigation_plan=mitigation_plan.strip(),
        due_date=due_date,
        waiver_reference=waiver_reference.strip(),
        decided_by=user,
        rule_version_id=finding.rule_version_id,
        applied_from=applied_from,
    )
    finding.review_status = decision
    finding.save(update_fields=["review_status"])
    return made
