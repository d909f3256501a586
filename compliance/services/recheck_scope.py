"""Re-check scope: which projects can a change affect? Computed with queries, not by
evaluating everything."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from compliance.models import Finding
from projects.models import EquipmentItem, Project, Role, Tie
from rules.engine.analysis import required_lists
from rules.engine.types import ITEM_DOMAINS
from rules.models import OrganisationMatch, Rule, RuleVersion, Scenario
from rules.services.rulepacks import pack_params


def projects_for_rules(*, rule_keys: Sequence[str]) -> tuple[list[int], list[str]]:
    """Projects a change to these rules can affect, and the scenarios that contain them.

    Union over the rules' published and just-retired versions of: projects the rule's
    sponsor/status filter admits and, when the condition needs a list match, only those
    with a tie to an organisation matched on those lists; plus projects that have findings
    of the rule (they may resolve).
    """
    rules = list(Rule.objects.filter(key__in=rule_keys).select_related("pack"))
    ids: set[int] = set()
    scenario_codes: set[str] = set()
    for rule in rules:
        scenario_codes |= set(
            Scenario.objects.filter(scenario_packs__pack=rule.pack).values_list("code", flat=True)
        )
        params = pack_params(rule.pack)
        versions = RuleVersion.objects.filter(rule=rule).order_by("-number")[:2]
        for version in versions:
            ids |= _rule_scope(version.content, params)
        ids |= set(Finding.objects.filter(rule=rule).values_list("project_id", flat=True))
    return sorted(ids), sorted(scenario_codes)


def _rule_scope(content: dict[str, Any], params: dict[str, Any]) -> set[int]:
    qs = Project.objects.all()
    applies = content.get("applies_to") or {}
    if applies.get("sponsors"):
        qs = qs.filter(sponsor__in=applies["sponsors"])
    if applies.get("statuses"):
        qs = qs.filter(status__in=applies["statuses"])
    lists = required_lists(content.get("condition"), params)
    if content.get("for_each") in ITEM_DOMAINS:
        lists = None  # an item's organisation is no tie's (rules.engine.items)
    if lists is None:
        return set(qs.values_list("pk", flat=True))
    orgs = (
        OrganisationMatch.objects.filter(reference_list__code__in=list(lists), active=True)
        .exclude(review_status=OrganisationMatch.Review.REJECTED)
        .values("organisation_id")
    )
    ties = Tie.objects.filter(organisation_id__in=orgs)
    # Two queries and a union: an OR of two IN-subqueries makes PostgreSQL re-run a subplan
    # for every candidate project.
    via_people = qs.filter(
        pk__in=Role.objects.filter(person_id__in=ties.values("person_id")).values("project_id")
    )
    via_project = qs.filter(pk__in=ties.filter(project_id__isnull=False).values("project_id"))
    return set(via_people.values_list("pk", flat=True)) | set(
        via_project.values_list("pk", flat=True)
    )


def projects_for_people(*, person_ids: Iterable[int]) -> list[int]:
    ids = list(person_ids)
    roles = Role.objects.filter(person_id__in=ids).values_list("project_id", flat=True)
    scoped = (
        Tie.objects.filter(person_id__in=ids)
        .filter(project_id__isnull=False)
        .values_list("project_id", flat=True)
    )
    return sorted(set(roles) | set(scoped))


def projects_for_organisations(*, organisation_ids: Iterable[int]) -> list[int]:
    """Projects of the people tied to these organisations, projects ties to them are scoped
    to, and projects using equipment they made."""
    org_ids = list(organisation_ids)
    ties = Tie.objects.filter(organisation_id__in=org_ids)
    people = ties.values("person_id")
    roles = Role.objects.filter(person_id__in=people).values_list("project_id", flat=True)
    scoped = ties.filter(project_id__isnull=False).values_list("project_id", flat=True)
    made = EquipmentItem.objects.filter(manufacturer_id__in=org_ids).values_list(
        "project_id", flat=True
    )
    return sorted(set(roles) | set(scoped) | set(made))
