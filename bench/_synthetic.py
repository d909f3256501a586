"""Deterministic synthetic portfolio for bench/recheck.py, written with PostgreSQL COPY.

No Django: rows are generated from one ``random.Random(seed)`` and written through a psycopg 3
connection, so no model signal fires and nothing is enqueued. Ids are explicit (the bench
database is created empty), identity sequences are moved past them afterwards.

Shape for N projects: about 0.3 N people, 3 roles per project, 10 N ties (skewed: a few people
and organisations hold many), N / 5 organisations plus every listed organisation named in the
seed lists (DoD 1286 / 1260H primary names, so screening matches them), about 1% of ties to
listed organisations, about 8% of ties scoped to one of the person's projects, about 12% of
projects with CET field tags. Dates spread over 2016-2026, relative to a fixed reference day.
"""

from __future__ import annotations

import bisect
import itertools
import json
import random
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from projects.normalize import organisation_key
from rules.lists.parsers import parse_list

GENERATOR_VERSION = "recheck-portfolio/2"
REFERENCE_DAY = date(2026, 11, 28)
STAMP = datetime(2026, 11, 1, tzinfo=UTC)
FIRST_DAY = date(2016, 1, 1)

SPONSORS = {
    "NSF": 25,
    "NIH": 24,
    "DOD": 15,
    "DOE": 10,
    "NASA": 6,
    "USDA": 5,
    "OTHER_FEDERAL": 8,
    "NON_FEDERAL": 7,
}
PROGRAMMES = {
    "NSF": [("CAREER", "NSF:DIR:MPS"), ("CCF Core", "NSF:DIV:CCF"), ("DMR", "NSF:DIV:DMR")],
    "NIH": [("R01", "NIH:IC:NCI"), ("R21", "NIH:IC:NIAID"), ("U01", "NIH:IC:NHLBI")],
    "DOD": [("MURI", "DOD:ONR"), ("YIP", "DOD:AFOSR"), ("DURIP", "DOD:ARO")],
    "DOE": [("Early Career", "DOE:SC:BES"), ("EFRC", "DOE:SC:BES")],
    "NASA": [("ROSES", "NASA:SMD"), ("ESI", "NASA:STMD")],
    "USDA": [("AFRI", "USDA:NIFA")],
    "OTHER_FEDERAL": [("Cooperative agreement", "OTHER:DHS")],
    "NON_FEDERAL": [("Foundation grant", "NONFED:FOUNDATION")],
}
TIE_KINDS = {
    "coauthorship": 34,
    "joint_research": 12,
    "appointment": 6,
    "employment": 5,
    "funding": 6,
    "in_kind": 3,
    "talent_programme": 0.1,
    "visiting_scholar_hosted": 3,
    "visiting_at": 3,
    "student_cosupervision": 4,
    "advisory": 5,
    "consulting": 5,
    "data_sharing": 4,
    "joint_lab": 2,
    "equipment": 3,
    "patent": 1.5,
    "travel": 2,
}
LISTED_INSTITUTION_KINDS = [
    "coauthorship",
    "joint_research",
    "visiting_at",
    "appointment",
    "visiting_scholar_hosted",
    "student_cosupervision",
    "employment",
    "funding",
]
LISTED_COMPANY_KINDS = ["equipment", "funding", "consulting", "joint_research", "data_sharing"]
PAID_KINDS = frozenset({"employment", "appointment", "consulting", "funding", "advisory"})
# Support and positions from a foreign country of concern are rare (most such ties are
# co-authorship or joint research): 90% of these ties are re-drawn from other countries.
FCOC = frozenset({"CN", "RU", "IR", "KP"})
SUPPORT_KINDS = frozenset({"funding", "in_kind", "employment", "appointment", "visiting_at"})
DOCUMENTS = [
    "biosketch",
    "current_pending",
    "other_support",
    "rppr",
    "foreign_component",
    "coi",
    "institutional",
]
COUNTRIES = {
    "US": 52,
    "CN": 10,
    "GB": 5,
    "DE": 5,
    "CA": 4,
    "JP": 3,
    "KR": 3,
    "FR": 3,
    "IN": 3,
    "AU": 2,
    "IT": 2,
    "NL": 2,
    "CH": 2,
    "RU": 2,
    "IR": 0.5,
    "SG": 1.5,
}
ORG_TYPES = {
    "university": 46,
    "research_institute": 15,
    "company": 24,
    "government": 6,
    "nonprofit": 5,
    "military": 1,
    "other": 3,
}
CET_AREAS = [
    "advanced_computing",
    "advanced_materials",
    "sensing",
    "ai",
    "biotechnologies",
    "clean_energy",
    "cybersecurity",
    "autonomy_robotics",
    "communications_networking",
    "quantum",
    "semiconductors",
    "space",
    "hypersonics",
]
DEPARTMENTS = [
    "Physics",
    "Chemistry",
    "Biology",
    "Computer Science",
    "Electrical Engineering",
    "Mechanical Engineering",
    "Materials Science",
    "Aerospace Engineering",
    "Mathematics",
    "Medicine",
    "Public Health",
    "Earth Sciences",
    "Chemical Engineering",
    "Civil Engineering",
    "Psychology",
    "Economics",
    "Agriculture",
    "Bioengineering",
    "Astronomy",
    "Statistics",
]
_SYL_A = ["Var", "Kel", "Dor", "Mil", "Ash", "Bren", "Cal", "Ems", "Fal", "Gor", "Hal", "Ist"]
_SYL_B = ["an", "ore", "ith", "und", "ar", "el", "os", "ur", "ine", "wen", "ay", "ek"]
_SYL_C = ["dale", "ford", "mont", "holt", "wick", "stead", "field", "ridge", "vale", "more"]
_FIRST = ["Alex", "Jordan", "Sam", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery", "Quinn"]
_LAST = ["Rivera", "Okafor", "Lindqvist", "Tanaka", "Moreau", "Kowalski", "Haddad", "Novak"]
_TOPICS = ["graphene", "protein folding", "soil carbon", "quantum sensing", "wind turbines"]
_AIMS = ["scalable models", "field trials", "new instruments", "open datasets", "theory"]


@dataclass(frozen=True)
class Listed:
    name: str
    country: str
    list_code: str
    entity_type: str


@dataclass
class Counts:
    organisations: int = 0
    listed_organisations: int = 0
    people: int = 0
    projects: int = 0
    roles: int = 0
    ties: int = 0
    ties_to_listed: int = 0
    ties_project_scoped: int = 0
    field_tags: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class _Pick:
    """Weighted categorical choice with precomputed cumulative weights (fast, deterministic)."""

    def __init__(self, weights: dict[str, float]) -> None:
        self.keys = list(weights)
        self.cum = list(itertools.accumulate(weights.values()))

    def __call__(self, rng: random.Random) -> str:
        return self.keys[bisect.bisect_right(self.cum, rng.random() * self.cum[-1])]


def listed_organisations(seeds: Path) -> list[Listed]:
    """Primary names of the seed lists' institutions, programmes and companies (deduplicated)."""
    seen: set[tuple[str, str]] = set()
    out: list[Listed] = []
    for entry in parse_list("grantcheck-yaml", seeds).entries:
        if entry.entity_type == "country":
            continue
        key = (organisation_key(entry.primary_name), entry.country)
        if key in seen:
            continue
        seen.add(key)
        out.append(Listed(entry.primary_name, entry.country, entry.list_code, entry.entity_type))
    return out


def _day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def _skewed(rng: random.Random, n: int, power: float) -> int:
    """An index in [0, n): low indexes are picked more often (power > 1)."""
    return min(n - 1, int(n * rng.random() ** power))


def copy_rows(
    cursor: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """COPY rows into table; returns how many were written."""
    count = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _reset_sequence(cursor: Any, table: str) -> None:
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
        f"COALESCE((SELECT max(id) FROM {table}), 1))"
    )


class Portfolio:
    """Generates and writes the portfolio; organisations first (they are screened before the
    people, projects and ties exist, so screening requests no re-check)."""

    def __init__(self, *, projects: int, seed: int, listed: Sequence[Listed]) -> None:
        self.n_projects = projects
        self.n_people = max(50, round(projects * 0.3))
        self.n_ties = projects * 10
        self.n_orgs = max(300, projects // 5)
        self.seed = seed
        self.listed = list(listed)
        self.counts = Counts()
        self._order: list[int] = []  # people by how busy they are
        self._programme_orgs: list[int] = []
        self._general_orgs: list[int] = []
        self._safe_orgs: list[int] = []  # general organisations outside countries of concern
        self._person_projects: list[list[int]] = []

    # --- organisations -------------------------------------------------------------------

    def _organisation_rows(self) -> Iterator[tuple[Any, ...]]:
        rng = random.Random(f"{self.seed}:organisations")
        country = _Pick(COUNTRIES)
        org_type = _Pick(ORG_TYPES)
        seen: set[tuple[str, str]] = set()
        org_id = 0
        for item in self.listed:
            org_id += 1
            kind = {"company": "company", "talent_programme": "programme"}.get(
                item.entity_type, "university" if "Universit" in item.name else "research_institute"
            )
            seen.add((organisation_key(item.name), item.country))
            yield self._org_row(org_id, item.name, item.country, kind)
        self.counts.listed_organisations = org_id
        templates = {
            "university": ["University of {p}", "{p} University", "{p} Institute of Technology"],
            "research_institute": ["{p} Research Institute", "{p} Laboratory for {t}"],
            "company": ["{p} Technologies Inc.", "{p} Systems Ltd", "{p} Materials Co."],
            "government": ["{p} Ministry of Science", "{p} Research Council"],
            "nonprofit": ["{p} Foundation", "{p} Trust for Science"],
            "military": ["{p} Defence Academy"],
            "other": ["{p} Consortium", "{p} Society"],
            "programme": ["{p} Talents Programme", "{p} Scholars Plan"],
        }
        topics = ["Optics", "Genomics", "Energy", "Robotics", "Oceans", "Materials", "Computing"]
        for i in range(self.n_orgs):
            c = country(rng)
            kind = org_type(rng)
            if i % 150 == 0:  # unlisted talent programmes, mostly in countries of concern
                kind, c = "programme", rng.choice(["CN", "CN", "RU", "IR", "GB", "DE"])
            while True:
                place = rng.choice(_SYL_A) + rng.choice(_SYL_B) + rng.choice(_SYL_C)
                if rng.random() < 0.5:
                    place += " " + (rng.choice(_SYL_A) + rng.choice(_SYL_C)).capitalize()
                name = rng.choice(templates[kind]).format(p=place, t=rng.choice(topics))
                key = (organisation_key(name), c)
                if key not in seen:
                    seen.add(key)
                    break
            org_id += 1
            if kind == "programme":
                self._programme_orgs.append(org_id)
            else:
                self._general_orgs.append(org_id)
                if c not in FCOC:
                    self._safe_orgs.append(org_id)
            yield self._org_row(org_id, name, c, kind)

    @staticmethod
    def _org_row(org_id: int, name: str, country: str, kind: str) -> tuple[Any, ...]:
        return (org_id, STAMP, STAMP, name, organisation_key(name), "[]", country, kind, "")

    def write_organisations(self, cursor: Any) -> None:
        start = time.perf_counter()
        self.counts.organisations = copy_rows(
            cursor,
            "projects_organisation",
            (
                "id",
                "created_at",
                "updated_at",
                "name",
                "normalized_name",
                "aliases",
                "country",
                "type",
                "ror_id",
            ),
            self._organisation_rows(),
        )
        _reset_sequence(cursor, "projects_organisation")
        self.counts.seconds["organisations"] = time.perf_counter() - start

    # --- people, projects, roles, ties, field tags ---------------------------------------

    def _people_rows(self) -> Iterator[tuple[Any, ...]]:
        rng = random.Random(f"{self.seed}:people")
        for i in range(1, self.n_people + 1):
            name = f"{rng.choice(_FIRST)} {chr(65 + rng.randrange(26))}. {rng.choice(_LAST)}"
            yield (
                i,
                STAMP,
                STAMP,
                name,
                f"person{i}@bench.example.edu",
                "",
                rng.choice(DEPARTMENTS),
            )

    def _project_rows(self) -> Iterator[tuple[Any, ...]]:
        rng = random.Random(f"{self.seed}:projects")
        sponsor = _Pick(SPONSORS)
        for i in range(1, self.n_projects + 1):
            s = sponsor(rng)
            programme, code = rng.choice(PROGRAMMES[s])
            if rng.random() < 0.08:
                start = _day(rng, REFERENCE_DAY + timedelta(days=30), date(2027, 9, 1))
                status = "proposal"
            else:
                start = _day(rng, FIRST_DAY, REFERENCE_DAY - timedelta(days=30))
                status = ""
            end = start + timedelta(days=rng.randint(365, 5 * 365))
            if not status:
                status = "active" if end >= REFERENCE_DAY else "closed"
            title = f"{rng.choice(_TOPICS).capitalize()}: {rng.choice(_AIMS)} ({i})"
            yield (
                i,
                STAMP,
                STAMP,
                s,
                programme,
                json.dumps([code]),
                f"{s}-{i:08d}",
                title,
                f"Synthetic abstract of project {i} on {title.lower()}.",
                Decimal(rng.randint(25, 5000) * 1000),
                start,
                end,
                status,
                rng.choice(DEPARTMENTS),
                rng.random() < 0.85,
            )

    def _role_rows(self) -> Iterator[tuple[Any, ...]]:
        rng = random.Random(f"{self.seed}:roles")
        self._person_projects = [[] for _ in range(self.n_people + 1)]
        # A random permutation decouples "busy" people from low ids; the same people are busy
        # in roles and in ties (active PIs publish and collaborate more).
        order = list(range(1, self.n_people + 1))
        rng.shuffle(order)
        self._order = order
        role_id = 0
        for project_id in range(1, self.n_projects + 1):
            roles = ["pi"]
            roles += ["co_pi"] * rng.choice((0, 0, 1, 1, 2))
            roles += ["senior_key"] * rng.choice((0, 1, 1, 2))
            roles += ["other"] * rng.choice((0, 0, 1, 2))
            chosen: set[int] = set()
            for role in roles:
                person = order[_skewed(rng, self.n_people, 1.2)]
                if person in chosen:
                    continue
                chosen.add(person)
                self._person_projects[person].append(project_id)
                role_id += 1
                yield (role_id, STAMP, STAMP, project_id, person, role)

    def _tie_rows(self) -> Iterator[tuple[Any, ...]]:
        rng = random.Random(f"{self.seed}:ties")
        kind_pick = _Pick(TIE_KINDS)
        order = self._order
        general, programmes, safe = self._general_orgs, self._programme_orgs, self._safe_orgs
        fcoc = set(general) - set(safe)
        n_listed = self.counts.listed_organisations
        last_day = REFERENCE_DAY - timedelta(days=1)
        for tie_id in range(1, self.n_ties + 1):
            person = order[_skewed(rng, self.n_people, 1.3)]
            kind = kind_pick(rng)
            if rng.random() < 0.01:
                index = rng.randrange(n_listed)
                org = index + 1
                entity = self.listed[index].entity_type
                if entity == "talent_programme":
                    kind = "talent_programme"
                elif entity == "company":
                    kind = rng.choice(LISTED_COMPANY_KINDS)
                else:
                    kind = rng.choice(LISTED_INSTITUTION_KINDS)
                self.counts.ties_to_listed += 1
            elif kind == "talent_programme":
                org = programmes[rng.randrange(len(programmes))]
            else:
                org = general[_skewed(rng, len(general), 2.0)]
                if kind in SUPPORT_KINDS and org in fcoc and rng.random() < 0.9:
                    org = safe[_skewed(rng, len(safe), 2.0)]
            start = _day(rng, FIRST_DAY, last_day)
            if kind == "coauthorship":
                end: date | None = start + timedelta(days=rng.randint(0, 365))
            elif rng.random() < 0.35:
                end = None
            else:
                end = start + timedelta(days=rng.randint(30, 6 * 365))
            if end is not None and end > date(2027, 12, 31):
                end = date(2027, 12, 31)
            if kind == "coauthorship":
                source = "publication" if rng.random() < 0.8 else "self_disclosed"
                disclosed: list[str] = [] if rng.random() < 0.6 else ["biosketch"]
            else:
                r = rng.random()
                source = (
                    "self_disclosed"
                    if r < 0.75
                    else "hr_feed"
                    if r < 0.9
                    else "publication"
                    if r < 0.95
                    else "reviewer"
                )
                # Found in open sources: often missing from the disclosures; otherwise rarely.
                if rng.random() < (0.3 if source == "publication" else 0.01):
                    disclosed = []
                else:
                    disclosed = [d for d in DOCUMENTS if rng.random() < 0.3]
                    if rng.random() < 0.92:
                        disclosed.append("current_pending")
                    if rng.random() < 0.5:
                        disclosed.append("other_support")
                    disclosed = sorted(set(disclosed)) or ["institutional"]
            project: int | None = None
            own = self._person_projects[person]
            if own and rng.random() < 0.08:
                project = own[rng.randrange(len(own))]
            elif rng.random() < 0.004:
                project = rng.randint(1, self.n_projects)  # e.g. a partner not on the project
            if project is not None:
                self.counts.ties_project_scoped += 1
            compensated = rng.random() < (0.7 if kind in PAID_KINDS else 0.1)
            yield (
                tie_id,
                STAMP,
                STAMP,
                person,
                org,
                kind,
                start,
                end,
                compensated,
                project,
                source,
                json.dumps(disclosed),
                "",
            )

    def _field_tag_rows(self) -> Iterator[tuple[Any, ...]]:
        rng = random.Random(f"{self.seed}:fields")
        tag_id = 0
        for project_id in range(1, self.n_projects + 1):
            if rng.random() >= 0.12:
                continue
            for area in rng.sample(CET_AREAS, rng.choice((1, 1, 2))):
                tag_id += 1
                method = rng.choice(("programme_code", "text"))
                yield (
                    tag_id,
                    STAMP,
                    STAMP,
                    project_id,
                    "CET2024",
                    area,
                    round(rng.uniform(0.35, 1.0), 2),
                    method,
                    "[]",
                    "auto",
                    False,
                    "",
                )

    def write_portfolio(self, cursor: Any) -> None:
        """People, projects, roles, ties and field tags (after the organisations)."""
        if not self._general_orgs:
            raise RuntimeError("write_organisations must run first")
        steps: list[tuple[str, str, tuple[str, ...], Iterable[Sequence[Any]]]] = [
            (
                "people",
                "projects_person",
                ("id", "created_at", "updated_at", "name", "email", "orcid", "department"),
                self._people_rows(),
            ),
            (
                "projects",
                "projects_project",
                (
                    "id",
                    "created_at",
                    "updated_at",
                    "sponsor",
                    "programme",
                    "programme_codes",
                    "award_number",
                    "title",
                    "abstract",
                    "amount_usd",
                    "start_date",
                    "end_date",
                    "status",
                    "department",
                    "fundamental_research",
                ),
                self._project_rows(),
            ),
            (
                "roles",
                "projects_role",
                ("id", "created_at", "updated_at", "project_id", "person_id", "role"),
                self._role_rows(),
            ),
            (
                "ties",
                "projects_tie",
                (
                    "id",
                    "created_at",
                    "updated_at",
                    "person_id",
                    "organisation_id",
                    "kind",
                    "start_date",
                    "end_date",
                    "compensated",
                    "project_id",
                    "source",
                    "disclosed_in",
                    "notes",
                ),
                self._tie_rows(),
            ),
            (
                "field_tags",
                "projects_fieldtag",
                (
                    "id",
                    "created_at",
                    "updated_at",
                    "project_id",
                    "taxonomy",
                    "area",
                    "confidence",
                    "method",
                    "evidence",
                    "source",
                    "suppressed",
                    "review_reason",
                ),
                self._field_tag_rows(),
            ),
        ]
        for name, table, columns, rows in steps:
            start = time.perf_counter()
            setattr(self.counts, name, copy_rows(cursor, table, columns, rows))
            _reset_sequence(cursor, table)
            self.counts.seconds[name] = time.perf_counter() - start
