"""Build engine facts for many projects with a constant number of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Q

from projects.models import FieldTag, Organisation, Person, Project, Role, Tie
from projects.vocabulary import KEY_ROLES
from rules.engine import ProjectFacts, TieFacts
from rules.engine.prefilter import TieFilter, TieNarrowing
from rules.facts_items import items_attach
from rules.facts_people import certifications_index, person_records_attach, records_loaded
from rules.facts_ties import (  # TIE_COLUMNS, KIND, ORG, PERSON: the tie rows fetched here
    KIND,
    ORG,
    PERSON,
    TIE_COLUMNS,
    Entry,
    TieCache,
    by_person,
    by_project,
    entries_build,
    matches_index,
)
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


def field_tag_threshold() -> float:
    return float(getattr(settings, "FIELD_TAG_THRESHOLD", 0.55))


def projects_qs(ids: Sequence[int]) -> Any:
    return Project.objects.filter(pk__any=set(ids)).values(*PROJECT_FIELDS)


def roles_qs(ids: Sequence[int]) -> Any:
    """Role columns only: no join and no sort in the database (Role's default ordering joins
    every project and person to sort by sponsor and name, chunk after chunk); the people come
    from people_qs (a re-check's cache holds most of them) and the roles are ordered in Python
    (role_order)."""
    return (
        Role.objects.filter(project_id__any=set(ids))
        .order_by()
        .values_list("project_id", "role", "person_id", "joined_on")
    )


def role_order(role: str, person: dict[str, Any]) -> tuple[str, str, int]:
    """A project's roles as Role's default ordering lists them (role, then the person's
    name), the person's id last so that namesakes keep one order."""
    return (role, person["name"], person["id"])


def ties_qs(
    person_ids: Sequence[int], ids: Sequence[int], narrowing: TieNarrowing | None = None
) -> Any:
    """Ties of these people or scoped to these projects: tie columns only, unordered (no join
    and no sort in the database; the kept ties are ordered in Python). With a narrowing (see
    TieFilter.narrowing), only ties of its kinds or to organisations matched on its lists:
    the database drops the ties no rule in scope can use, instead of Python after the fetch.

    Two parts of one UNION ALL, each tie once: the people's ties, then the ties scoped to
    these projects of other people. PostgreSQL reads the first part from the covering index
    tie_person_facts alone (an index-only scan); with `person OR project` in one condition it
    combined two indexes and visited the table for every tie of every person (about half the
    database's time on a chunk's facts)."""
    qs = Tie.objects.order_by()
    if narrowing is not None:
        wanted = Q(kind__in=sorted(narrowing.kinds))  # no kinds: no tie (Django drops it)
        if narrowing.lists:
            listed = (
                OrganisationMatch.objects.filter(
                    reference_list__code__in=sorted(narrowing.lists), active=True
                )
                .exclude(review_status=OrganisationMatch.Review.REJECTED)
                .values("organisation_id")
            )
            wanted |= Q(organisation_id__in=listed)
        qs = qs.filter(wanted)
    people = set(person_ids)
    of_people = qs.filter(person_id__any=people).values_list(*TIE_COLUMNS)
    scoped = qs.filter(project_id__any=set(ids)).exclude(person_id__any=people)
    return of_people.union(scoped.values_list(*TIE_COLUMNS), all=True)


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


def raw_rows(qs: Any) -> list[tuple[Any, ...]]:
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
            "entry__raw__rating",
        )
    )


def tags_qs(ids: Sequence[int]) -> Any:
    return (
        FieldTag.objects.filter(
            project_id__any=set(ids), suppressed=False, confidence__gte=field_tag_threshold()
        )
        .order_by()  # a set per project: FieldTag's default ordering would join every project
        .values_list("project_id", "area")
    )


def project_facts_build(
    project_ids: Sequence[int],
    tie_filter: TieFilter | None = None,
    cache: TieCache | None = None,
) -> list[ProjectFacts]:
    """Facts for these projects: at most thirteen queries for the ties and person records,
    whatever their number, and a few for the facts beyond ties (rules.facts_items).

    Projects, their roles, the ties of their people and of those projects, the list matches
    of the ties' organisations, then the organisations of the ties that are kept and the
    people of the roles and of those ties, and the field tags. With a tie filter
    (TieFilter.for_scenarios), a project's facts hold only the ties some rule applying to it
    may look at; the findings are the same. With a cache (a re-check run's, see
    rules.facts_ties), ties of people already cached are neither fetched nor built again, and
    the people whose ties are fetched are added to it.
    """
    projects = list(projects_qs(project_ids))
    if not projects:
        return []
    cache = cache if cache is not None else TieCache(limit=0)
    ids = [p["id"] for p in projects]
    role_rows = raw_rows(roles_qs(ids))
    on_projects = {row[2] for row in role_rows}
    missing = [pid for pid in on_projects if pid not in cache.by_person]
    narrowing = tie_filter.narrowing if tie_filter is not None else None
    tie_rows = raw_rows(ties_qs(missing, ids, narrowing))
    cache.rows_fetched += len(tie_rows)
    # (person, tie): a tie scoped to one of these projects of someone already cached
    cached_scoped = [(t[PERSON], t[0]) for t in tie_rows if t[PERSON] in cache.by_person]
    if cached_scoped:
        tie_rows = [t for t in tie_rows if t[PERSON] not in cache.by_person]
    new_orgs = {t[ORG] for t in tie_rows} - cache.matches.keys()
    if new_orgs:
        matches_index(matches_qs(new_orgs), new_orgs, cache)
    if tie_filter is not None:  # cheap test first: most ties fail on their kind and lists alone
        may_keep, on_lists = tie_filter.may_keep, cache.match_lists
        tie_rows = [t for t in tie_rows if may_keep(t[KIND], on_lists[t[ORG]])]
    new_orgs = {t[ORG] for t in tie_rows} - cache.orgs.keys()
    for row in raw_rows(organisations_qs(new_orgs)) if new_orgs else ():
        cache.orgs[row[0]] = {"id": row[0], "name": row[1], "country": row[2], "type": row[3]}
    unknown = (on_projects | {t[PERSON] for t in tie_rows}) - cache.people.keys()
    for pid, name, department in raw_rows(people_qs(unknown)) if unknown else ():
        cache.people[pid] = {"id": pid, "name": name, "department": department}
    person_records_attach(cache.people, unknown)
    certified = certifications_index(ids)
    loaded = records_loaded()
    people = cache.people
    # A person deleted since the roles were read (their roles with them) is left out, as the
    # join of one statement would have left them out; the deletion re-checks the project.
    role_rows = [r for r in role_rows if r[2] in people]
    roles_by_project: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
    for project_id, role, pid, joined_on in sorted(
        role_rows, key=lambda r: (r[0], *role_order(r[1], people[r[2]]))
    ):
        roles_by_project[project_id][pid] = {
            "role": role,
            "is_key": role in KEY_ROLES,
            "joined_on": joined_on,
            "certified_on": certified.get((project_id, pid)),
        }
    tags: dict[int, set[str]] = defaultdict(set)
    for project_id, area in tags_qs(ids):
        tags[project_id].add(area)

    entries = entries_build(tie_rows, tie_filter, cache)
    fetched = by_person(entries)
    for pid in missing:
        cache.keep(pid, fetched.get(pid, []))
    for pid, tie_id in cached_scoped:
        entries += [e for e in cache.by_person[pid] if e[0]["id"] == tie_id]
    scoped = by_project(entries)

    out: list[ProjectFacts] = []
    usable = cache.usable
    for p in projects:
        roles = roles_by_project.get(p["id"], {})
        project_mask = tie_filter.project_mask(p) if tie_filter is not None else -1
        seen: set[int] = set()
        tie_facts: list[TieFacts] = []
        candidates: list[Entry] = []
        for pid in roles:  # the person's ties some rule applying to the project may use
            found = usable.get((pid, project_mask))
            if found is None:
                own = cache.by_person.get(pid)
                found = [e for e in own or fetched.get(pid, []) if e[4] & project_mask]
                if own is not None:  # cached: the same for every project with this mask
                    usable[(pid, project_mask)] = found
            candidates += found
        candidates += [e for e in scoped.get(p["id"], []) if e[4] & project_mask]
        for tie, org, person, matches, _mask in candidates:
            tie_id = tie["id"]
            if tie_id in seen:
                continue
            seen.add(tie_id)
            tie_facts.append(
                TieFacts(
                    tie=tie,
                    org=org,
                    person=person,
                    role=roles.get(person["id"], NO_ROLE),
                    matches=matches,
                )
            )
        project_tags = frozenset(tags.get(p["id"], ()))
        out.append(
            ProjectFacts(
                project=p,
                field={"tags": project_tags, "sensitive": bool(project_tags)},
                people=[(people[pid], role) for pid, role in roles.items()],
                ties=tie_facts,
                records=loaded,
            )
        )
    items_attach(out, cache)
    return out
