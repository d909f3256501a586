"""Attestations: a person confirms their disclosures are complete, valid for a year.

Only the person themselves can attest (their user account is linked to the Person). Each
attestation is appended to the audit chain with the ties it covered.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from compliance.audit.chain import Change, audit_record
from compliance.models import Attestation
from compliance.services.disclosure_gaps import disclosure_gaps_close
from projects.auditing import snapshot
from projects.errors import ApplicationError
from projects.models import Person

VALID_FOR_DAYS = 365
STATEMENT = (
    "I confirm my disclosures of appointments, affiliations, funding, talent programmes "
    "and other ties are complete and current"
)
MSG_NOT_YOURS = "You can only attest for yourself."
MSG_NO_STATEMENT = "The statement you confirm cannot be empty."


@transaction.atomic
def attestation_create(
    *,
    user: Any,
    person: Person,
    statement: str,
    ip: str | None = None,
    explanations: Mapping[int, str] | None = None,
) -> Attestation:
    """Record that `user` (who must be `person`) confirmed `statement`, and audit it.

    Refused, with nothing written, while the person has an open disclosure finding that is
    neither disclosed nor explained (`explanations`: finding id -> text, recorded as comments
    on those findings).
    """
    if not getattr(user, "is_authenticated", False) or person.user_id != user.pk:
        raise ApplicationError(MSG_NOT_YOURS)
    if not statement.strip():
        raise ApplicationError(MSG_NO_STATEMENT)
    explained = disclosure_gaps_close(person=person, user=user, explanations=explanations or {})
    now = timezone.now()
    attestation = Attestation(
        person=person,
        attested_by=user,
        statement=statement,
        attested_at=now,
        valid_until=timezone.localdate(now) + timedelta(days=VALID_FOR_DAYS),
        ip=ip or None,
    )
    attestation.full_clean()
    attestation.save()
    tie_ids = sorted(person.ties.values_list("pk", flat=True))
    audit_record(
        Change(
            action="attestation.create",
            object_type="compliance.attestation",
            object_id=str(attestation.pk),
            object_repr=str(attestation),
            after={
                **snapshot(attestation),
                "ties": tie_ids,
                "explained_findings": [c.finding_id for c in explained],
            },
        )
    )
    return attestation


def attestation_current(*, person: Person, today: date | None = None) -> Attestation | None:
    """The newest attestation still valid today, or None (never attested, or lapsed)."""
    today = today or timezone.localdate()
    return (
        Attestation.objects.filter(person=person, valid_until__gte=today)
        .order_by("-attested_at", "-pk")
        .first()
    )


def attestation_latest(*, person: Person) -> Attestation | None:
    """The newest attestation whether or not it has lapsed."""
    return Attestation.objects.filter(person=person).order_by("-attested_at", "-pk").first()


def attestations_latest_for(*, person_ids: Iterable[int]) -> dict[int, Attestation]:
    """The newest attestation of each person (one query), keyed by person id."""
    latest: dict[int, Attestation] = {}
    for attestation in Attestation.objects.filter(person_id__in=list(person_ids)).order_by(
        "person_id", "-attested_at", "-pk"
    ):
        latest.setdefault(attestation.person_id, attestation)
    return latest
