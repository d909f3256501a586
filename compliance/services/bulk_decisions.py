"""One decision applied to many findings: all of them, or none."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from compliance.models import Finding, FindingDecision
from compliance.services.decisions import (
    MSG_DUE_PAST,
    MSG_PLAN_REQUIRED,
    MSG_REASON_REQUIRED,
    MSG_WAIVER_REQUIRED,
    finding_decide,
)
from compliance.services.sibling_decisions import finding_siblings
from projects.errors import ApplicationError

MSG_NOTHING_SELECTED = "Select at least one finding to decide."
MSG_MISSING = "Finding #{pk} is no longer in the queue; nothing was decided."
MSG_FAILED = "Finding #{pk}: {message} Nothing was decided."
# problems with the form itself, the same for every finding: reported without a finding id
FIELD_MESSAGES = {
    MSG_REASON_REQUIRED: "reason",
    MSG_PLAN_REQUIRED: "mitigation_plan",
    MSG_WAIVER_REQUIRED: "waiver_reference",
    MSG_DUE_PAST: "due_date",
}


@transaction.atomic
def findings_decide(
    *,
    queryset: QuerySet[Finding],
    ids: Sequence[int],
    decision: str,
    reason: str,
    user: Any,
    mitigation_plan: str = "",
    due_date: date | None = None,
    waiver_reference: str = "",
    include_siblings: bool = False,
) -> list[FindingDecision]:
    """Decide every selected finding (looked up in `queryset`, the caller's visible scope).

    With `include_siblings`, each selected finding's open siblings (the same tie in the other
    scenarios) that were not selected themselves get the same decision, pointing at it.
    The first problem raises ApplicationError naming the finding, and the transaction rolls
    back the decisions already made.
    """
    if not ids:
        raise ApplicationError(MSG_NOTHING_SELECTED)
    found = {f.pk: f for f in queryset.filter(pk__in=ids)}
    fields = {
        "decision": decision,
        "reason": reason,
        "user": user,
        "mitigation_plan": mitigation_plan,
        "due_date": due_date,
        "waiver_reference": waiver_reference,
    }
    made: list[FindingDecision] = []
    decided: set[int] = set()
    for pk in ids:
        finding = found.get(pk)
        if finding is None:
            raise ApplicationError(MSG_MISSING.format(pk=pk))
        made.append(_decide(finding, fields))
        decided.add(pk)
    if include_siblings:
        for own in list(made):
            siblings = finding_siblings(finding=found[own.finding_id], queryset=queryset)
            for sibling in siblings.filter(status=Finding.Status.OPEN):
                if sibling.pk in decided or sibling.pk in found:
                    continue
                made.append(_decide(sibling, {**fields, "applied_from": own}))
                decided.add(sibling.pk)
    return made


def _decide(finding: Finding, fields: dict[str, Any]) -> FindingDecision:
    try:
        return finding_decide(finding=finding, **fields)
    except ApplicationError as exc:
        if exc.message in FIELD_MESSAGES:
            raise
        raise ApplicationError(MSG_FAILED.format(pk=finding.pk, message=exc.message)) from exc
