"""Write what a source shows about a person into ties with evidence, idempotently.

One call per (person, organisation, kind, source item):

1. an accepted dispute of the person's tie of this kind to this organisation ("not me",
   "wrong affiliation") leaves the item out, and counts it on the dispute (audited);
2. an item already recorded for the person, organisation and kind changes nothing;
3. a tie the person already recorded themselves (same organisation after screening, a kind of
   the same group, overlapping dates) receives the evidence: it is confirmed, not duplicated;
4. otherwise the evidence goes to the source's own tie (source ``publication`` or ``orcid``),
   created on first sight and widened to the dates of its evidence.

A tie found this way and matched by no tie the person recorded and disclosed is an
undisclosed tie (R25 reads ``tie.source`` and ``tie.disclosed``). When the person later records
and discloses the same tie, ``evidence_reconcile`` moves the evidence onto it and removes the
undisclosed copy (its findings resolve on the re-check the deletion requests).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from projects.models import EvidenceDispute, Organisation, Person, Tie, TieEvidence
from projects.services import organisation_get_or_create, tie_create, tie_update
from projects.vocabulary import TieSource

EVIDENCE_SOURCES = frozenset({TieSource.PUBLICATION, TieSource.ORCID})
_GROUPS: tuple[frozenset[str], ...] = (
    frozenset({"appointment", "employment", "visiting_at"}),
    frozenset({"coauthorship", "joint_research"}),
    frozenset({"funding", "in_kind"}),
)
SUPPRESSING = (EvidenceDispute.Reason.NOT_ME, EvidenceDispute.Reason.WRONG_AFFILIATION)


def kind_group(kind: str) -> frozenset[str]:
    """Tie kinds that count as the same tie when matching evidence to what was recorded."""
    return next((g for g in _GROUPS if kind in g), frozenset({kind}))


# -- "the same organisation after screening": the rules app registers how it knows ------------

# fn(organisation ids) -> {organisation id: ids of organisations screened to the same entry}
_EQUIVALENCE: list[Callable[[list[int]], dict[int, set[int]]]] = []


def register_equivalence(fn: Callable[[list[int]], dict[int, set[int]]]) -> None:
    """Called once by the rules app at start-up (projects imports nothing of rules)."""
    if fn not in _EQUIVALENCE:
        _EQUIVALENCE.append(fn)


def same_organisations(org: Organisation) -> set[int]:
    """This organisation, those of the same name in any country, and those the screening
    matched to the same list entry."""
    ids = {org.pk}
    ids |= set(
        Organisation.objects.filter(normalized_name=org.normalized_name).values_list(
            "pk", flat=True
        )
    )
    for fn in _EQUIVALENCE:
        ids |= fn([org.pk]).get(org.pk, set())
    return ids


def _overlaps(start: date | None, end: date | None, tie: Tie) -> bool:
    if start is not None and tie.end_date is not None and tie.end_date < start:
        return False
    return not (end is not None and tie.start_date is not None and tie.start_date > end)


@dataclass(frozen=True)
class EvidenceItem:
    """What one source item shows about one person."""

    person: Person
    organisation: str
    country: str
    org_type: str
    kind: str
    source: str  # TieSource.PUBLICATION or TieSource.ORCID
    item_key: str
    role: str  # TieEvidence.Role
    link_method: str
    confidence: float
    title: str = ""
    url: str = ""
    start: date | None = None
    end: date | None = None
    affiliation: str = ""


def _suppressing_dispute(
    person: Person, org_ids: set[int], kinds: Iterable[str]
) -> EvidenceDispute | None:
    return (
        EvidenceDispute.objects.filter(
            person=person,
            organisation_id__in=org_ids,
            kind__in=list(kinds),
            status=EvidenceDispute.Status.ACCEPTED,
            reason__in=SUPPRESSING,
        )
        .order_by("pk")
        .first()
    )


def _ended_on(person: Person, org_ids: set[int], kinds: Iterable[str]) -> date | None:
    """The end date an accepted "ended on" dispute set for this tie, if any (the latest)."""
    ended = (
        EvidenceDispute.objects.filter(
            person=person,
            organisation_id__in=org_ids,
            kind__in=list(kinds),
            status=EvidenceDispute.Status.ACCEPTED,
            reason=EvidenceDispute.Reason.ENDED,
        )
        .order_by("-ended_on")
        .values_list("ended_on", flat=True)
        .first()
    )
    return ended


@transaction.atomic
def evidence_record(item: EvidenceItem) -> str:
    """Record one item; returns what happened: suppressed, unchanged, confirmed, added or new."""
    org, _created = organisation_get_or_create(
        name=item.organisation, country=item.country, type=item.org_type
    )
    org_ids = same_organisations(org)
    group = kind_group(item.kind)
    dispute = _suppressing_dispute(item.person, org_ids, group)
    if dispute is not None:
        dispute.suppressed_items += 1
        dispute.last_suppressed_at = timezone.now()
        dispute.save(update_fields=["suppressed_items", "last_suppressed_at"])
        return "suppressed"
    ties = list(
        Tie.objects.filter(person=item.person, organisation_id__in=org_ids, kind__in=group)
        .select_for_update()
        .order_by("pk")
    )
    known = TieEvidence.objects.filter(tie__in=ties, item_key=item.item_key)
    if known.exists():
        return "unchanged"
    recorded = [
        t for t in ties if t.source not in EVIDENCE_SOURCES and _overlaps(item.start, item.end, t)
    ]
    recorded.sort(key=lambda t: (not t.disclosed_in, t.pk))  # a disclosed one first
    if recorded:
        _attach(recorded[0], item)
        return "confirmed"
    own = next((t for t in ties if t.source == item.source and t.organisation_id == org.pk), None)
    ended = _ended_on(item.person, org_ids, group)
    if own is None:
        end = item.end
        if ended is not None and end is not None and end > ended:
            end = ended
        start = item.start if item.start is None or end is None or item.start <= end else end
        own = tie_create(
            person=item.person,
            organisation=org,
            kind=item.kind,
            start_date=start,
            end_date=end,
            source=item.source,
            notes=f"Found in {TieSource(item.source).label.lower()}: {item.item_key}",
        )
        _attach(own, item)
        return "new"
    _widen(own, item, ended)
    _attach(own, item)
    return "added"


def _widen(tie: Tie, item: EvidenceItem, ended: date | None) -> None:
    start, end = tie.start_date, tie.end_date
    if item.start is not None and (start is None or item.start < start):
        start = item.start
    if item.end is not None and end is not None and item.end > end:
        end = item.end
    if ended is not None and end is not None and end > ended:
        end = ended
    if start is not None and end is not None and start > end:
        start = end
    if (start, end) != (tie.start_date, tie.end_date):
        tie_update(tie=tie, start_date=start, end_date=end)


def _attach(tie: Tie, item: EvidenceItem) -> TieEvidence:
    evidence = TieEvidence(
        tie=tie,
        source=item.source,
        item_key=item.item_key[:200],
        title=item.title[:500],
        url=item.url[:500],
        published_on=item.start
        if item.source == TieSource.PUBLICATION
        else (item.start or item.end),
        affiliation=item.affiliation,
        role=item.role,
        link_method=item.link_method,
        confidence=item.confidence,
    )
    try:
        evidence.full_clean(exclude=["tie"])
    except ValidationError as exc:
        if set(exc.message_dict) != {"url"}:
            raise
        evidence.url = ""  # a link the source spelled oddly is dropped, not the evidence
    evidence.save()
    return evidence


@transaction.atomic
def evidence_reconcile(*, person_ids: Iterable[int]) -> int:
    """Move the evidence of undisclosed found ties onto the tie each person recorded and
    disclosed for the same organisation, kind group and dates, and remove the found copy.
    Returns how many found ties were merged."""
    merged = 0
    for person_id in sorted(set(person_ids)):
        ties = list(
            Tie.objects.filter(person_id=person_id).select_related("organisation").order_by("pk")
        )
        disclosed = [t for t in ties if t.source not in EVIDENCE_SOURCES and t.disclosed_in]
        if not disclosed:
            continue
        for found in [t for t in ties if t.source in EVIDENCE_SOURCES and not t.disclosed_in]:
            org_ids = same_organisations(found.organisation)
            group = kind_group(found.kind)
            target = next(
                (
                    t
                    for t in disclosed
                    if t.organisation_id in org_ids
                    and t.kind in group
                    and _overlaps(found.start_date, found.end_date, t)
                ),
                None,
            )
            if target is None:
                continue
            taken = set(TieEvidence.objects.filter(tie=target).values_list("item_key", flat=True))
            TieEvidence.objects.filter(tie=found).exclude(item_key__in=taken).update(tie=target)
            EvidenceDispute.objects.filter(tie=found).update(tie=target)
            found.delete()
            merged += 1
    return merged
