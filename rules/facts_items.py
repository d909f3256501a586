"""The item part of the facts (rules.engine.items): equipment, foreign components and patent
filings of the projects of a chunk, and our institution's profile and agreements.

A handful of queries per chunk, whatever its size; an empty table costs one cheap query. The
manufacturer of an equipment item and the assignee of a patent are organisations: their
facts and list matches come from (and go into) the run's TieCache like tie organisations'.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.db.models import Q
from django.utils import timezone

from projects.models import (
    EquipmentItem,
    ForeignComponent,
    InstitutionAgreement,
    InstitutionProfile,
    PatentFiling,
    Person,
    ProgrammeElement,
)
from rules.engine import ItemFacts, ProjectFacts
from rules.facts_ties import TieCache, documents, matches_index

WHOLE_INSTITUTION = "the institution as a whole"
# Queries of items_attach: always the profile, equipment, components and patents; with a
# profile its programme elements and agreements; with items, the list matches and facts of
# organisations not yet known (manufacturers, assignees) and the inventors not yet known.
ITEM_QUERIES_BASE = 4
ITEM_QUERIES_MAX = ITEM_QUERIES_BASE + 2 + 2 * 2 + 1


def _orgs_into_cache(org_ids: set[int], cache: TieCache) -> None:
    from rules.facts import matches_qs, organisations_qs, raw_rows

    new = org_ids - cache.matches.keys()
    if new:
        matches_index(matches_qs(new), new, cache)
    new = org_ids - cache.orgs.keys()
    for row in raw_rows(organisations_qs(new)) if new else ():
        cache.orgs[row[0]] = {"id": row[0], "name": row[1], "country": row[2], "type": row[3]}


def _people_into_cache(person_ids: set[int], cache: TieCache) -> None:
    new = person_ids - cache.people.keys()
    if new:
        for pid, name, department in Person.objects.filter(pk__any=new).values_list(
            "id", "name", "department"
        ):
            cache.people[pid] = {"id": pid, "name": name, "department": department}


def institution_qs() -> Any:
    return InstitutionProfile.objects.order_by("pk")[:1]


def equipment_qs(ids: Sequence[int]) -> Any:
    return (
        EquipmentItem.objects.filter(project_id__any=set(ids))
        .order_by("pk")
        .values_list("id", "project_id", "description", "model", "acquired_on", "manufacturer_id")
    )


def components_qs(ids: Sequence[int]) -> Any:
    return (
        ForeignComponent.objects.filter(project_id__any=set(ids))
        .order_by("pk")
        .values_list(
            "id", "project_id", "kind", "organisation", "country", "activity_code", "due_date"
        )
    )


def patents_qs(ids: Sequence[int], people: set[int]) -> Any:
    return (
        PatentFiling.objects.filter(
            Q(tie__person_id__any=people) | Q(tie__project_id__any=set(ids))
        )
        .order_by("pk")
        .values_list(
            "id",
            "tie_id",
            "tie__person_id",
            "tie__project_id",
            "tie__organisation_id",
            "tie__start_date",
            "tie__disclosed_in",
            "jurisdiction",
            "application_number",
        )
    )


def institution_facts(today: date | None = None) -> tuple[dict[str, Any], list[ItemFacts]]:
    """Our institution's profile (empty without one) and its agreements, as items."""
    profile = next(iter(institution_qs()), None)
    if profile is None:
        return {}, []
    today = today or timezone.localdate()
    elements = frozenset(
        ProgrammeElement.objects.filter(
            profile=profile, certified_on__isnull=False, certified_on__lte=today
        ).values_list("element", flat=True)
    )
    average = profile.federal_rd_3yr_avg_usd
    facts = {
        "name": profile.name,
        "federal_rd_avg_usd": float(average) if average is not None else None,
        "programme_elements": elements,
    }
    agreements = [
        ItemFacts(
            ns={
                "agreement": {
                    "id": a.pk,
                    "kind": a.kind,
                    "counterpart": a.counterpart,
                    "counterpart_country": str(a.counterpart_country or ""),
                    "unit": a.unit.name if a.unit else WHOLE_INSTITUTION,
                    "start_date": a.start_date,
                    "end_date": a.end_date,
                }
            },
            start=a.start_date,
            end=a.end_date,
        )
        for a in InstitutionAgreement.objects.filter(profile=profile)
        .select_related("unit")
        .order_by("pk")
    ]
    return facts, agreements


def _equipment(ids: Sequence[int], cache: TieCache) -> dict[int, list[ItemFacts]]:
    rows = list(equipment_qs(ids))
    _orgs_into_cache({r[5] for r in rows}, cache)
    found: dict[int, list[ItemFacts]] = defaultdict(list)
    for item_id, project_id, description, model, acquired, maker in rows:
        org = cache.orgs[maker]
        found[project_id].append(
            ItemFacts(
                ns={
                    "equipment": {
                        "id": item_id,
                        "description": description,
                        "model": model,
                        "manufacturer": org["name"],
                        "acquired_on": acquired,
                    },
                    "org": org,
                },
                matches=cache.matches.get(maker, []),
                start=acquired,
            )
        )
    return found


def _components(ids: Sequence[int]) -> dict[int, list[ItemFacts]]:
    found: dict[int, list[ItemFacts]] = defaultdict(list)
    for cid, project_id, kind, organisation, country, code, due in components_qs(ids):
        component = {
            "id": cid,
            "kind": kind,
            "organisation": organisation,
            "country": str(country),
            "activity_code": code,
            "due_date": due,
        }
        found[project_id].append(ItemFacts(ns={"component": component}))
    return found


def _patents(
    ids: Sequence[int], key_people: dict[int, set[int]], cache: TieCache
) -> dict[int, list[ItemFacts]]:
    """Patent filings of each project's key people, and those scoped to the project."""
    people = set().union(*key_people.values()) if key_people else set()
    rows = list(patents_qs(ids, people))
    if not rows:
        return {}
    _orgs_into_cache({r[4] for r in rows}, cache)
    _people_into_cache({r[2] for r in rows}, cache)
    items: list[tuple[int, int | None, ItemFacts]] = []
    for pid, tie_id, person, scoped, assignee, filed, disclosed, office, number in rows:
        shown = documents(disclosed)
        item = ItemFacts(
            ns={
                "patent": {
                    "id": pid,
                    "tie_id": tie_id,
                    "jurisdiction": office,
                    "application_number": number,
                    "filing_date": filed,
                    "disclosed": bool(shown),
                    "disclosed_in": shown,
                },
                "org": cache.orgs[assignee],
                "person": cache.people[person],
            },
            matches=cache.matches.get(assignee, []),
            start=filed,
        )
        items.append((person, scoped, item))
    found: dict[int, list[ItemFacts]] = defaultdict(list)
    for project_id in ids:
        keys = key_people.get(project_id, set())
        found[project_id] = [i for p, s, i in items if p in keys or s == project_id]
    return found


def items_attach(facts: Iterable[ProjectFacts], cache: TieCache) -> None:
    """Give each project's facts its items and the institution facts (in place)."""
    facts = list(facts)
    if not facts:
        return
    ids = [f.project["id"] for f in facts]
    if "institution" not in cache.extras:
        cache.extras["institution"] = institution_facts()
    institution, agreements = cache.extras["institution"]
    key_people = {
        f.project["id"]: {person["id"] for person, role in f.people if role.get("is_key")}
        for f in facts
    }
    equipment = _equipment(ids, cache)
    components = _components(ids)
    patents = _patents(ids, key_people, cache)
    for f in facts:
        pid = f.project["id"]
        f.institution = institution
        f.items = {
            name: found
            for name, found in (
                ("equipment", equipment.get(pid)),
                ("components", components.get(pid)),
                ("patents", patents.get(pid)),
                ("agreements", agreements),
            )
            if found
        }
