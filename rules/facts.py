"""Build engine facts for many projects with a constant number of queries."""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Q

from projects.models import FieldTag, Organisation, Person, Project, Role, Tie
from projects.vocabulary import KEY_ROLES, TIE_KINDS
from rules.engine import ProjectFacts, TieFacts
from rules.engine.prefilter import TieFilter
from rules.models import OrganisationMatch

PROJECT_FIELDS = (
    "id",
    "sponsor",
    "programme",
    "award_number",
    "title",
    "status",
    "amount_usd",
    "start_date",
    "end_date",
    "department",
    "fundamental_research",
)
NO_ROLE: dict[str, Any] = {"role": "", "is_key": False}


def _kind_label(kind: str) -> str:
    return TIE_KINDS[kind].label.lower() if kind in TIE_KINDS else kind.replace("_", " ")


def field_tag_threshold() -> float:
    return float(getattr(settings, "FIELD_TAG_THRESHOLD", 0.55))


def projects_qs(ids: Sequence[int]) -> Any:
    return Project.objects.filter(pk__any=set(ids)).values(*PROJECT_FIELDS)


def roles_qs(ids: Sequence[int]) -> Any:
    return Role.objects.filter(project_id__any=set(ids)).values(
        "project_id", "role", "person_id", "person__name", "person__department"
    )


def ties_qs(person_ids: Sequence[int], ids: Sequence[int]) -> Any:
    """Ties of these people or scoped to these projects: tie columns only, unordered (no join
    and no sort in the database; the kept ties are ordered in Python)."""
    return (
        Tie.objects.filter(Q(person_id__any=set(person_ids)) | Q(project_id__any=set(ids)))
        .order_by()
        .values_list(*TIE_COLUMNS)
    )


TIE_COLUMNS = (
    "id",
    "person_id",
    "kind",
    "start_date",
    "end_date",
    "compensated",
    "source",
    "disclosed_in",
    "project_id",
    "organisation_id",
)
KIND, ORG = TIE_COLUMNS.index("kind"), TIE_COLUMNS.index("organisation_id")
PERSON = TIE_COLUMNS.index("person_id")


def organisations_qs(org_ids: Iterable[int]) -> Any:
    return (
        Organisation.objects.filter(pk__any=set(org_ids))
        .order_by()
        .values_list("id", "name", "country", "type")
    )


def people_qs(person_ids: Iterable[int]) -> Any:
    return (
        Person.objects.filter(pk__any=set(person_ids))
        .order_by()
        .values_list("id", "name", "department")
    )


def _raw_rows(qs: Any) -> list[tuple[Any, ...]]:
    """A queryset's rows as tuples from a raw cursor: no per-row model machinery (ties are the
    bulk of the facts); jsonb arrives as text and is parsed only for the ties that are kept."""
    try:
        sql, params = qs.query.sql_with_params()
    except EmptyResultSet:
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def matches_qs(org_ids: Iterable[int]) -> Any:
    # Ordered: when an organisation matches several entries equally well, the first one is
    # reported, and that must not depend on which other projects share the chunk.
    return (
        OrganisationMatch.objects.filter(organisation_id__any=set(org_ids), active=True)
        .exclude(review_status=OrganisationMatch.Review.REJECTED)
        .order_by("pk")
        .values(
            "organisation_id",
            "reference_list__code",
            "score",
            "decision",
            "review_status",
            "method",
            "alias",
            "entry_id",
            "entry__primary_name",
            "entry__listed_on",
            "entry__delisted_on",
        )
    )


def tags_qs(ids: Sequence[int]) -> Any:
    return FieldTag.objects.filter(
        project_id__any=set(ids), suppressed=False, confidence__gte=field_tag_threshold()
    ).values_list("project_id", "area")


@functools.lru_cache(maxsize=4096)
def _parsed(text: str) -> frozenset[str]:
    return frozenset(json.loads(text) or ())


def _documents(disclosed: Any) -> frozenset[str]:
    """disclosed_in as a set: jsonb arrives as text on a raw cursor (a handful of distinct
    values, parsed once each)."""
    if isinstance(disclosed, str):
        return _parsed(disclosed)
    return frozenset(disclosed or ())


def _tie_order(tie: dict[str, Any]) -> tuple[Any, ...]:
    """Most recent first (no start date first, as PostgreSQL sorts NULLs in DESC), then id."""
    start = tie["start_date"]
    return (start is not None, -start.toordinal() if start is not None else 0, tie["id"])


def project_facts_build(
    project_ids: Sequence[int], tie_filter: TieFilter | None = None
) -> list[ProjectFacts]:
    """Facts for these projects: at most seven queries, whatever their number.

    Projects, their roles (with the people), the ties of those people and of those projects,
    the list matches of the ties' organisations, then the organisations and the other people
    of the ties that are kept, and the field tags. With a tie filter
    (TieFilter.for_scenarios), a project's facts hold only the ties some rule applying to it
    may look at; the findings are the same.
    """
    projects = list(projects_qs(project_ids))
    if not projects:
        return []
    ids = [p["id"] for p in projects]
    people: dict[int, dict[str, Any]] = {}
    roles_by_project: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
    for row in roles_qs(ids):
        pid = row["person_id"]
        people.setdefault(
            pid, {"id": pid, "name": row["person__name"], "department": row["person__department"]}
        )
        roles_by_project[row["project_id"]][pid] = {
            "role": row["role"],
            "is_key": row["role"] in KEY_ROLES,
        }
    tie_rows = _raw_rows(ties_qs(list(people), ids))
    matches: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for m in matches_qs({t[ORG] for t in tie_rows}):
        matches[m["organisation_id"]].append(
            {
                "list": m["reference_list__code"],
                "score": m["score"],
                "decision": m["decision"],
                "confirmed": m["review_status"] == OrganisationMatch.Review.CONFIRMED,
                "method": m["method"],
                "alias": m["alias"],
                "entry_id": m["entry_id"],
                "entry_name": m["entry__primary_name"],
                "listed_on": m["entry__listed_on"],
                "delisted_on": m["entry__delisted_on"],
            }
        )
    match_lists = {org_id: frozenset(m["list"] for m in ms) for org_id, ms in matches.items()}
    empty: frozenset[str] = frozenset()
    if tie_filter is not None:  # cheap test first: most ties fail on their kind and lists alone
        may_keep = tie_filter.may_keep
        tie_rows = [t for t in tie_rows if may_keep(t[KIND], match_lists.get(t[ORG], empty))]
    orgs = {
        row[0]: {"id": row[0], "name": row[1], "country": row[2], "type": row[3]}
        for row in _raw_rows(organisations_qs({t[ORG] for t in tie_rows}))
    }
    others = {t[PERSON] for t in tie_rows} - people.keys()
    for pid, name, department in _raw_rows(people_qs(others)) if others else ():
        people[pid] = {"id": pid, "name": name, "department": department}
    tags: dict[int, set[str]] = defaultdict(set)
    for project_id, area in tags_qs(ids):
        tags[project_id].add(area)

    ties_by_person: dict[int, list[dict[str, Any]]] = defaultdict(list)
    ties_by_project: dict[int, list[dict[str, Any]]] = defaultdict(list)
    shared: dict[int, tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = {}
    masks: dict[int, int] = {}
    for t in tie_rows:
        tie_id, person_id, kind, start, end, compensated, source, disclosed, project_id, org_id = t
        tie: dict[str, Any] = {
            "id": tie_id,
            "kind": kind,
            "kind_label": _kind_label(kind),
            "start_date": start,
            "end_date": end,
            "compensated": compensated,
            "source": source,
            "disclosed_in": _documents(disclosed),
            "project_id": project_id,
        }
        org = orgs[org_id]
        if tie_filter is not None:
            mask = tie_filter.tie_mask(tie, org, match_lists.get(org_id, empty))
            if not mask:
                continue
            masks[tie_id] = mask
        shared[tie_id] = (tie, org, people[person_id])
        ties_by_person[person_id].append(tie)
        if project_id is not None:
            ties_by_project[project_id].append(tie)
    for found in ties_by_person.values():
        found.sort(key=_tie_order)
    for found in ties_by_project.values():  # by person, as the person's ties are
        found.sort(key=lambda tie: (shared[tie["id"]][2]["name"], *_tie_order(tie)))

    out: list[ProjectFacts] = []
    for p in projects:
        roles = roles_by_project.get(p["id"], {})
        project_mask = tie_filter.project_mask(p) if tie_filter is not None else 0
        seen: set[int] = set()
        tie_facts: list[TieFacts] = []
        candidates = [t for pid in roles for t in ties_by_person.get(pid, [])]
        candidates += ties_by_project.get(p["id"], [])
        for tie in candidates:
            tie_id = int(tie["id"])
            if tie_id in seen:
                continue
            seen.add(tie_id)
            if tie_filter is not None and not masks[tie_id] & project_mask:
                continue
            tie_dict, org, person = shared[tie_id]
            org_id = int(org["id"])
            tie_facts.append(
                TieFacts(
                    tie=tie_dict,
                    org=org,
                    person=person,
                    role=roles.get(person["id"], NO_ROLE),
                    matches=matches.get(org_id, []),
                )
            )
        project_tags = frozenset(tags.get(p["id"], ()))
        out.append(
            ProjectFacts(
                project=p,
                field={"tags": project_tags, "sensitive": bool(project_tags)},
                people=[(people[pid], role) for pid, role in roles.items()],
                ties=tie_facts,
            )
        )
    return out
