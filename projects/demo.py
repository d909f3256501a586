"""A realistic, deterministic demo portfolio built without any external file.

The portfolio is generated as import tables and written through the portfolio
importer, so it passes the same validation and re-running with the same seed
changes nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from projects.access import ADMIN, AUDITOR, PI, REVIEWER
from projects.demo_items import demo_item_tables
from projects.demo_records import build_record_tables, demo_pi_email
from projects.importing import ImportReport, Table, portfolio_import_tables
from projects.models import Person
from projects.validators import orcid_check_digit

CATALOGUE = Path(settings.BASE_DIR) / "seeds" / "demo" / "catalogue.yaml"
DEMO_DOMAIN = "demo.grantcheck.edu"

# Share of ties (by department group) that go to each organisation class.
SENSITIVE_DEPTS = {
    "Electrical and Computer Engineering",
    "Computer Science",
    "Mechanical and Aerospace Engineering",
    "Physics",
    "Materials Science and Engineering",
}
OPEN_FIELD_DEPTS = {"Earth and Climate Sciences", "Public Health", "Education"}

TIE_KIND_WEIGHTS = {
    "coauthorship": 40,
    "joint_research": 12,
    "visiting_at": 6,
    "visiting_scholar_hosted": 6,
    "appointment": 5,
    "advisory": 5,
    "consulting": 4,
    "funding": 4,
    "travel": 6,
    "student_cosupervision": 3,
    "data_sharing": 3,
    "equipment": 2,
    "in_kind": 2,
    "joint_lab": 1,
    "patent": 1,
}
DISCLOSURE_DOCS = ["biosketch", "current_pending", "other_support", "coi"]


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    group: str
    superuser: bool = False


DEMO_USERS = (
    DemoUser("pi", "demo-pi-2026", PI),
    DemoUser("reviewer", "demo-reviewer-2026", REVIEWER),
    DemoUser("auditor", "demo-auditor-2026", AUDITOR),
    DemoUser("admin", "demo-admin-2026", ADMIN, superuser=True),
)


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys], k=1)[0]


def _orcid(rng: random.Random) -> str:
    base = "0000000" + "".join(str(rng.randint(0, 9)) for _ in range(8))
    digits = base + orcid_check_digit(base)
    return "-".join(digits[i : i + 4] for i in range(0, 16, 4))


def _award_number(rng: random.Random, sponsor: str, index: int) -> str:
    if sponsor == "NSF":
        return f"{2100000 + index * 37 % 900000:07d}"
    if sponsor == "NIH":
        mech = rng.choice(["R01", "R21", "U01"])
        inst = rng.choice(["ES", "AI", "CA", "HL", "MH", "EY"])
        return f"{mech}{inst}{100000 + index:06d}"
    if sponsor == "DOD":
        return f"W911NF-{22 + index % 4}-1-{index:04d}"
    if sponsor == "DOE":
        return f"DE-SC{index + 20000:07d}"
    if sponsor == "NASA":
        return f"80NSSC{22 + index % 4}K{index:04d}"
    if sponsor == "USDA":
        return f"2023-67013-{30000 + index}"
    return f"GC-{sponsor[:3]}-{index:05d}"


def _amount(rng: random.Random, sponsor: str) -> str:
    ranges = {
        "NSF": (150_000, 1_200_000),
        "NIH": (250_000, 3_500_000),
        "DOD": (300_000, 7_500_000),
        "DOE": (200_000, 4_000_000),
        "NASA": (150_000, 1_500_000),
        "USDA": (100_000, 900_000),
    }
    low, high = ranges.get(sponsor, (50_000, 600_000))
    return f"{round(rng.uniform(low, high), -3):.2f}"


def build_demo_tables(*, projects: int, seed: int) -> dict[str, Table]:
    """The demo portfolio as import tables. Same arguments, same tables."""
    catalogue: dict[str, Any] = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    rng = random.Random(seed)
    departments = catalogue["departments"]
    orgs = catalogue["organisations"]

    # People: about 0.9 per project, each in one department.
    n_people = max(4, int(projects * 0.9))
    people_rows: list[dict[str, str]] = []
    people_by_dept: dict[str, list[str]] = {}
    used_emails: set[str] = set()
    for i in range(n_people):
        dept = departments[i % len(departments)]["name"]
        given = rng.choice(catalogue["given_names"])
        family = rng.choice(catalogue["family_names"])
        email = f"{given}.{family}".lower()
        if email in used_emails:
            email = f"{email}{i}"
        used_emails.add(email)
        email = f"{email}@{DEMO_DOMAIN}"
        people_rows.append(
            {
                "email": email,
                "name": f"{given} {family}",
                "orcid": _orcid(rng) if rng.random() < 0.8 else "",
                "department": dept,
            }
        )
        people_by_dept.setdefault(dept, []).append(email)

    project_rows: list[dict[str, str]] = []
    role_rows: list[dict[str, str]] = []
    project_people: list[tuple[dict[str, str], list[str], str]] = []
    today = date(2026, 11, 1)
    for i in range(projects):
        dept = departments[rng.randrange(len(departments))]
        sponsor = _weighted(rng, dept["sponsors"])
        topic = rng.choice(dept["topics"])
        programme = rng.choice(catalogue["programmes"][sponsor])
        start = today - timedelta(days=rng.randint(-180, 4 * 365))
        end = start + timedelta(days=365 * rng.randint(1, 5))
        status = "proposal" if start > today else ("closed" if end < today else "active")
        title = topic[0] if rng.random() < 0.5 else f"{programme}: {topic[0]}"
        abstract = (
            f"This project studies {topic[0].lower()}. It focuses on {topic[1]} and {topic[2]}, "
            f"combining new methods with open data and training of graduate students in the "
            f"{dept['name']} department. Results will be published openly."
        )
        row = {
            "award_number": _award_number(rng, sponsor, i),
            "sponsor": sponsor,
            "programme": programme,
            "title": title[:500],
            "abstract": abstract,
            "amount_usd": _amount(rng, sponsor),
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "status": status,
            "department": dept["name"],
            "fundamental_research": "false" if sponsor == "DOD" and rng.random() < 0.15 else "true",
        }
        project_rows.append(row)
        members = rng.sample(
            people_by_dept[dept["name"]], k=min(3, len(people_by_dept[dept["name"]]))
        )
        n_members = rng.choice([1, 2, 2, 3])
        members = members[:n_members]
        for j, email in enumerate(members):
            role = "pi" if j == 0 else rng.choice(["co_pi", "senior_key", "other"])
            role_rows.append(
                {
                    "award_number": row["award_number"],
                    "sponsor": sponsor,
                    "email": email,
                    "role": role,
                }
            )
        project_people.append((row, members, dept["name"]))

    # Ties: 1-4 per person; the class of organisation depends on the department.
    tie_rows: list[dict[str, str]] = []
    dept_of = {p["email"]: p["department"] for p in people_rows}
    projects_of: dict[str, list[dict[str, str]]] = {}
    for row, members, _dept in project_people:
        for email in members:
            projects_of.setdefault(email, []).append(row)
    seen: set[tuple[str, str, str, str]] = set()
    for person in people_rows:
        email = person["email"]
        dept = dept_of[email]
        for _ in range(rng.randint(1, 4)):
            roll = rng.random()
            if dept in SENSITIVE_DEPTS and roll < 0.05:
                pool, kinds = orgs["dod_1286"], None
            elif dept in SENSITIVE_DEPTS and roll < 0.065:
                pool, kinds = orgs["talent_programmes"], {"talent_programme": 1}
            elif roll < 0.08 and dept in SENSITIVE_DEPTS | {"School of Medicine", "Biology"}:
                pool, kinds = orgs["dod_1260h"], {"funding": 2, "equipment": 3, "consulting": 1}
            elif (dept in OPEN_FIELD_DEPTS and roll < 0.35) or roll < 0.12:
                pool, kinds = orgs["china_unlisted"], None
            else:
                pool, kinds = orgs["ordinary"], None
            org = rng.choice(pool)
            kind = _weighted(rng, kinds or TIE_KIND_WEIGHTS)
            start = date(2016, 1, 1) + timedelta(days=rng.randint(0, 365 * 10))
            ongoing = rng.random() < 0.3
            tie_end: date | None = (
                None if ongoing else start + timedelta(days=rng.randint(30, 365 * 3))
            )
            if tie_end and tie_end > today:
                tie_end = today
            key = (email, org["name"], kind, start.isoformat())
            if key in seen:
                continue
            seen.add(key)
            on_project = projects_of.get(email) and rng.random() < 0.15
            project = rng.choice(projects_of[email]) if on_project else None
            docs = sorted(set(rng.sample(DISCLOSURE_DOCS, k=rng.randint(0, 2))))
            tie_rows.append(
                {
                    "email": email,
                    "organisation": org["name"],
                    "country": org["country"],
                    "kind": kind,
                    "start_date": start.isoformat(),
                    "end_date": tie_end.isoformat() if tie_end else "",
                    "compensated": "true"
                    if kind in {"appointment", "consulting", "talent_programme", "funding"}
                    and rng.random() < 0.6
                    else "false",
                    "award_number": project["award_number"] if project else "",
                    "sponsor": project["sponsor"] if project else "",
                    "source": "publication"
                    if kind == "coauthorship" and rng.random() < 0.5
                    else "self_disclosed",
                    "disclosed_in": ";".join(docs),
                }
            )

    tie_rows += _storyline_ties(orgs.get("storylines", []), people_rows, projects_of)

    def table(name: str, rows: list[dict[str, str]]) -> Table:
        columns = list(rows[0]) if rows else []
        return Table(
            name=name,
            file=f"demo:{name}",
            columns=columns,
            rows=[(i + 2, r) for i, r in enumerate(rows)],
        )

    listed = {o["name"] for o in orgs["dod_1286"]}
    records = build_record_tables(
        seed=seed,
        today=today,
        role_rows=role_rows,
        project_rows=project_rows,
        demo_pi=demo_pi_email(role_rows, tie_rows, listed),
    )
    return {
        "people": table("people", people_rows),
        "projects": table("projects", project_rows),
        "roles": table("roles", role_rows),
        "ties": table("ties", tie_rows),
        **{name: table(name, rows) for name, rows in records.items() if rows},
        **demo_item_tables(catalogue.get("items", {}), project_rows, role_rows),
    }


def _storyline_ties(
    stories: list[dict[str, Any]],
    people_rows: list[dict[str, str]],
    projects_of: dict[str, list[dict[str, str]]],
) -> list[dict[str, str]]:
    """One ongoing tie per storyline (seeds/demo/catalogue.yaml), held by the first
    researcher (by e-mail) on an active or proposed project of its department or sponsor.
    Drawn without the random generator, so the rest of the portfolio is the same with or
    without these ties."""
    department = {p["email"]: p["department"] for p in people_rows}
    rows = []
    for story in stories:
        candidates = sorted(
            (
                (email, project)
                for email, projects in projects_of.items()
                for project in projects
                if project["status"] in {"active", "proposal"}
                and story.get("sponsor", project["sponsor"]) == project["sponsor"]
                and story.get("department", department[email]) == department[email]
            ),
            key=lambda pair: (pair[0], pair[1]["award_number"]),
        )
        if not candidates:
            continue
        email, project = candidates[0]
        on_project = bool(story.get("on_project"))
        rows.append(
            {
                "email": email,
                "organisation": story["name"],
                "country": story["country"],
                "kind": story["kind"],
                "start_date": str(story["start"]),
                "end_date": "",
                "compensated": "true"
                if story["kind"] in {"consulting", "talent_programme", "appointment"}
                else "false",
                "award_number": project["award_number"] if on_project else "",
                "sponsor": project["sponsor"] if on_project else "",
                "source": story.get("source", "self_disclosed"),
                "disclosed_in": "",
            }
        )
    return rows


@transaction.atomic
def demo_load(*, projects: int = 300, seed: int = 2026) -> ImportReport:
    report = portfolio_import_tables(tables=build_demo_tables(projects=projects, seed=seed))
    if report.ok:
        demo_users_ensure()
    return report


def demo_users_ensure() -> list[DemoUser]:
    """Create the demo accounts, one per role; the PI is linked to the first demo PI."""
    user_model = get_user_model()
    for demo in DEMO_USERS:
        group, _ = Group.objects.get_or_create(name=demo.group)
        user, created = user_model.objects.get_or_create(
            username=demo.username, defaults={"email": f"{demo.username}@{DEMO_DOMAIN}"}
        )
        if created:
            user.set_password(demo.password)
        user.is_staff = demo.superuser or demo.group in {REVIEWER, ADMIN}
        user.is_superuser = demo.superuser
        user.save()
        user.groups.add(group)
    pi_user = user_model.objects.get(username="pi")
    if not Person.objects.filter(user=pi_user).exists():
        # The demo PI is a PI with a tie to a DoD-listed institution, so self-checks show exposure.
        catalogue: dict[str, Any] = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
        listed = [o["name"] for o in catalogue["organisations"]["dod_1286"]]
        pis = Person.objects.filter(
            roles__role="pi", user__isnull=True, email__endswith=DEMO_DOMAIN
        ).order_by("email")
        person = pis.filter(ties__organisation__name__in=listed).first() or pis.first()
        if person is not None:
            person.user = pi_user
            person.save(update_fields=["user", "updated_at"])
    return list(DEMO_USERS)
