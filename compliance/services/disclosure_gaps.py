"""Disclosure gaps: open findings that say one of a person's ties is not disclosed.

An attestation that disclosures are complete cannot stand next to such a finding. A gap
closes when the tie is disclosed (the re-check then resolves the finding), when the person
explains it (their comment on the finding), or when a reviewer decides it is a false positive
or waives it. Which rules are about disclosure is read from the rules themselves: a rule
whose condition reads `tie.disclosed` or `tie.disclosed_in` (R03, R15, R25 in the seed packs).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compliance.models import Finding, FindingComment
from compliance.services.comments import MAX_BODY, comment_write
from projects.errors import ApplicationError
from projects.models import Person
from rules.models import RuleVersion, Scenario

DISCLOSURE_FACTS = frozenset({"tie.disclosed", "tie.disclosed_in"})
# Attestations are about today's obligations, never about a bill that may pass.
ATTESTATION_SCENARIO = "current"
# A reviewer's decision that settles the gap (mitigation or escalation does not).
SETTLED = (Finding.Review.FALSE_POSITIVE, Finding.Review.WAIVED)
MSG_GAPS = (
    "Your disclosures are not complete yet: {count} open finding(s) say a tie is not "
    "disclosed ({ids}). Record where and when each tie was disclosed, or explain each one, "
    "before attesting. Nothing was recorded."
)
MSG_EXPLANATION_TOO_LONG = "An explanation can be at most 5,000 characters (finding #{pk})."
EXPLANATION_PREFIX = "Explanation given when attesting: "


def reads_disclosure(node: Any) -> bool:
    """Whether a rule condition (the declarative language, as JSON) reads a disclosure fact."""
    if isinstance(node, Mapping):
        if node.get("fact") in DISCLOSURE_FACTS:
            return True
        return any(reads_disclosure(value) for value in node.values())
    if isinstance(node, list):
        return any(reads_disclosure(item) for item in node)
    return False


def _scenario() -> Scenario | None:
    return Scenario.objects.filter(code=ATTESTATION_SCENARIO).first() or Scenario.objects.first()


def disclosure_gaps(*, person: Person) -> list[Finding]:
    """The person's open disclosure findings under today's obligations that are still to be
    disclosed or explained, oldest first."""
    scenario = _scenario()
    if scenario is None:
        return []
    candidates = (
        # findings about one tie (R22, about a project, may name a tie without being a gap)
        Finding.objects.filter(
            scenario=scenario,
            status=Finding.Status.OPEN,
            tie__person=person,
            subject__startswith="tie:",
        )
        .exclude(review_status__in=SETTLED)
        .select_related("rule", "project", "tie__organisation")
        .order_by("first_seen", "pk")
    )
    if person.user_id is not None:
        candidates = candidates.exclude(comments__author_id=person.user_id)
    found = list(candidates)
    versions = {f.rule_version_id for f in found}
    about_disclosure = {
        pk
        for pk, content in RuleVersion.objects.filter(pk__in=versions).values_list("pk", "content")
        if reads_disclosure((content or {}).get("condition"))
    }
    return [f for f in found if f.rule_version_id in about_disclosure]


def disclosure_gaps_close(
    *, person: Person, user: Any, explanations: Mapping[int, str]
) -> list[FindingComment]:
    """Record the explanations given for the person's gaps (as comments on the findings,
    audited); refuse, writing nothing, when any gap is neither disclosed nor explained.

    The caller runs this inside its transaction, before writing anything of its own.
    """
    gaps = disclosure_gaps(person=person)
    texts = {f.pk: (explanations.get(f.pk) or "").strip() for f in gaps}
    missing = [pk for pk, text in texts.items() if not text]
    if missing:
        ids = ", ".join(f"#{pk}" for pk in missing)
        raise ApplicationError(MSG_GAPS.format(count=len(missing), ids=ids))
    for pk, text in texts.items():
        if len(EXPLANATION_PREFIX) + len(text) > MAX_BODY:
            raise ApplicationError(MSG_EXPLANATION_TOO_LONG.format(pk=pk))
    comments = []
    for finding in gaps:
        comment = comment_write(
            finding=finding, user=user, body=EXPLANATION_PREFIX + texts[finding.pk]
        )
        comments.append(comment)
    return comments
