"""Re-check scope of the facts other than ties: equipment, foreign components and patent
filings (their project, their person's projects), and our institution's profile, agreements
and programme elements (the projects the rules that read them apply to)."""

from __future__ import annotations

import json
from typing import Any

from compliance.models import Finding
from projects.models import Project, Role, Tie
from rules.models import RuleVersion

# What a rule reads of the institution: its facts or its agreements.
INSTITUTION_MARKERS = ('"institution.', '"agreement.', '"agreements"')


def reads_institution(content: dict[str, Any]) -> bool:
    text = json.dumps(
        [content.get("for_each"), content.get("condition"), content.get("severity_when")]
    )
    return any(marker in text for marker in INSTITUTION_MARKERS)


def projects_for_institution() -> list[int]:
    """Projects whose findings an institution-level change can alter: those admitted by the
    sponsor/status filter of a published rule reading institution facts, and those holding
    findings of such a rule (they may resolve)."""
    ids: set[int] = set()
    versions = RuleVersion.objects.filter(status=RuleVersion.Status.PUBLISHED).select_related(
        "rule"
    )
    keys: set[int] = set()
    for version in versions:
        if not reads_institution(version.content):
            continue
        keys.add(version.rule_id)
        qs = Project.objects.all()
        applies = version.content.get("applies_to") or {}
        if applies.get("sponsors"):
            qs = qs.filter(sponsor__in=applies["sponsors"])
        if applies.get("statuses"):
            qs = qs.filter(status__in=applies["statuses"])
        ids |= set(qs.values_list("pk", flat=True))
    if keys:
        ids |= set(Finding.objects.filter(rule_id__in=keys).values_list("project_id", flat=True))
    return sorted(ids)


def projects_for_patent_tie(tie_id: int, person_id: int) -> list[int]:
    """A patent filing counts on its person's projects and on the project its tie is scoped
    to (as the tie itself does)."""
    ids = set(Role.objects.filter(person_id=person_id).values_list("project_id", flat=True))
    scoped = Tie.objects.filter(pk=tie_id, project_id__isnull=False).values_list(
        "project_id", flat=True
    )
    return sorted(ids | set(scoped))
