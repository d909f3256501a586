"""Disputes of found evidence: the PI says it is wrong, a reviewer accepts or rejects that.

- "not me" / "wrong affiliation", accepted: the evidence goes, and so does the tie the import
  made from it (a tie the person recorded themselves stays; only the evidence attached to it
  goes). Later imports leave that evidence out (projects.connectors.evidence).
- "ended on <date>", accepted: the tie ends on that date; later imports do not extend it.

Every write here is audited by the audit receivers (EvidenceDispute, TieEvidence and Tie are
audited models); the tie's change or deletion re-checks the person's projects.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from projects.connectors.evidence import EVIDENCE_SOURCES
from projects.errors import ApplicationError
from projects.models import EvidenceDispute, Tie, TieEvidence
from projects.services import tie_update

MSG_NOT_FOUND_EVIDENCE = "Only a tie found in publications or an ORCID record can be disputed."
MSG_NOT_YOURS = "You can dispute evidence about yourself only."
MSG_PENDING = "This tie already has a dispute awaiting a reviewer."
MSG_ENDED_DATE = "Say when it ended."
MSG_ENDED_FUTURE = "The end date cannot be in the future."
MSG_ENDED_BEFORE_START = "It cannot have ended before it started ({start})."
MSG_DECIDED = "This dispute was already decided."
MSG_REASON = "Give a reason for the decision."
MSG_OWN = "You cannot decide a dispute about yourself."


def disputable(tie: Tie) -> bool:
    return tie.source in EVIDENCE_SOURCES or TieEvidence.objects.filter(tie=tie).exists()


@transaction.atomic
def dispute_raise(
    *, tie: Tie, user: Any, reason: str, ended_on: date | None = None, comment: str = ""
) -> EvidenceDispute:
    if tie.person.user_id is None or tie.person.user_id != getattr(user, "pk", None):
        raise ApplicationError(MSG_NOT_YOURS)
    if not disputable(tie):
        raise ApplicationError(MSG_NOT_FOUND_EVIDENCE)
    if reason not in EvidenceDispute.Reason.values:
        raise ApplicationError(f"Unknown reason: {reason}")
    if reason == EvidenceDispute.Reason.ENDED:
        if ended_on is None:
            raise ApplicationError(MSG_ENDED_DATE)
        if ended_on > timezone.localdate():
            raise ApplicationError(MSG_ENDED_FUTURE)
        if tie.start_date is not None and ended_on < tie.start_date:
            raise ApplicationError(MSG_ENDED_BEFORE_START.format(start=tie.start_date))
    else:
        ended_on = None
    if EvidenceDispute.objects.filter(tie=tie, status=EvidenceDispute.Status.PENDING).exists():
        raise ApplicationError(MSG_PENDING)
    dispute = EvidenceDispute(
        person=tie.person,
        organisation=tie.organisation,
        kind=tie.kind,
        source=tie.source
        if tie.source in EVIDENCE_SOURCES
        else TieEvidence.objects.filter(tie=tie).values_list("source", flat=True).first()
        or tie.source,
        tie=tie,
        reason=reason,
        ended_on=ended_on,
        comment=comment.strip()[:5000],
        raised_by=user,
    )
    dispute.full_clean()
    dispute.save()
    return dispute


@transaction.atomic
def dispute_decide(
    *, dispute: EvidenceDispute, user: Any, accept: bool, reason: str
) -> EvidenceDispute:
    dispute = EvidenceDispute.objects.select_for_update().get(pk=dispute.pk)
    if dispute.status != EvidenceDispute.Status.PENDING:
        raise ApplicationError(MSG_DECIDED)
    if not reason.strip():
        raise ApplicationError(MSG_REASON)
    if dispute.person.user_id is not None and dispute.person.user_id == getattr(user, "pk", None):
        raise ApplicationError(MSG_OWN)
    dispute.status = EvidenceDispute.Status.ACCEPTED if accept else EvidenceDispute.Status.REJECTED
    dispute.decided_by = user
    dispute.decided_at = timezone.now()
    dispute.decision_reason = reason.strip()[:5000]
    dispute.save()
    tie = dispute.tie
    if accept and tie is not None:
        if dispute.reason == EvidenceDispute.Reason.ENDED:
            end = dispute.ended_on
            if tie.end_date is None or (end is not None and tie.end_date > end):
                tie_update(tie=tie, end_date=end)
        else:
            for evidence in TieEvidence.objects.filter(tie=tie):
                evidence.delete()  # one by one: each deletion is audited
            if tie.source in EVIDENCE_SOURCES:
                tie.delete()
    return dispute
