"""Review once per tie: one decision applied to the same tie's findings in other scenarios.

Scenarios are alternative futures over the same portfolio, so one tie yields a finding in
each scenario whose rules fire on it. A reviewer decides once; every sibling gets its own
decision row (and audit event), under its own rule version, pointing at the decision the
reviewer made. A rejected name match ("not the same organisation") clears every open
finding that rests on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from compliance.models import Finding, FindingDecision
from compliance.services.decisions import finding_decide
from projects.errors import ApplicationError
from rules.models import OrganisationMatch

MSG_NOT_SIBLING = (
    "Finding #{pk} is not an open finding of the same tie in another scenario; nothing was decided."
)
MATCH_REJECTED_REASON = (
    "Not the same organisation: the name match of {organisation} to {list_code} "
    "{external_id} was rejected (match #{match}). {reason}"
)


def finding_siblings(*, finding: Finding, queryset: QuerySet[Finding]) -> QuerySet[Finding]:
    """The same project's findings in the other scenarios about the same tie (any rule), or,
    for a finding on no tie, of the same rule on the same subject; looked up in `queryset`
    (the caller's visible scope)."""
    qs = queryset.filter(project_id=finding.project_id).exclude(scenario_id=finding.scenario_id)
    if finding.tie_id is not None:
        qs = qs.filter(tie_id=finding.tie_id)
    else:
        qs = qs.filter(rule_id=finding.rule_id, subject=finding.subject)
    return qs.order_by("scenario__position", "scenario__code", "rule__key", "pk")


@transaction.atomic
def finding_decide_with_siblings(
    *,
    finding: Finding,
    queryset: QuerySet[Finding],
    sibling_ids: Sequence[int],
    decision: str,
    reason: str,
    user: Any,
    mitigation_plan: str = "",
    due_date: date | None = None,
    waiver_reference: str = "",
) -> list[FindingDecision]:
    """Decide `finding`, then each chosen open sibling the same way; all or nothing.

    The first decision is the reviewer's own; the others point at it (applied_from).
    """
    siblings = {
        f.pk: f
        for f in finding_siblings(finding=finding, queryset=queryset).filter(
            status=Finding.Status.OPEN
        )
    }
    chosen = list(dict.fromkeys(sibling_ids))
    for pk in chosen:
        if pk not in siblings:
            raise ApplicationError(MSG_NOT_SIBLING.format(pk=pk))
    fields = {
        "decision": decision,
        "reason": reason,
        "user": user,
        "mitigation_plan": mitigation_plan,
        "due_date": due_date,
        "waiver_reference": waiver_reference,
    }
    made = [finding_decide(finding=finding, **fields)]
    for pk in chosen:
        made.append(finding_decide(finding=siblings[pk], applied_from=made[0], **fields))
    return made


def findings_resting_on_match(*, match: OrganisationMatch) -> QuerySet[Finding]:
    """Open findings whose evidence is this match: a tie to its organisation and an entry
    of the same list with the same identity (in any edition)."""
    return Finding.objects.filter(
        status=Finding.Status.OPEN,
        tie__organisation_id=match.organisation_id,
        list_entry__version__reference_list_id=match.reference_list_id,
        list_entry__external_id=match.external_id,
    ).order_by("pk")


@transaction.atomic
def findings_clear_for_match(
    *, match: OrganisationMatch, reason: str, user: Any
) -> list[FindingDecision]:
    """A rejected match: every open finding resting on it becomes a false positive, each with
    its own decision (and audit event) naming the match and the reviewer's reason. The
    re-check the rejection triggers then resolves them (rejected matches are not facts)."""
    text = MATCH_REJECTED_REASON.format(
        organisation=match.organisation.name,
        list_code=match.reference_list.code,
        external_id=match.external_id,
        match=match.pk,
        reason=reason.strip(),
    )
    return [
        finding_decide(
            finding=finding, decision=Finding.Review.FALSE_POSITIVE, reason=text, user=user
        )
        for finding in findings_resting_on_match(match=match).exclude(
            review_status=Finding.Review.FALSE_POSITIVE
        )
    ]
