"""The demo portfolio's person records: research-security training, covered international
travel and NSF MFTRP certifications, as import tables (training, travel, certifications).

Drawn with their own random generator, so the rest of the demo portfolio is the same with or
without them. Every date is on or before RECORDS_UNTIL: the history load (demo_history)
imports department by department over the six months before today, and a record may not be
dated after the day it is imported. The demo PI (the account "pi") gets a training more than a
year old, a trip to a country of concern without pre-authorisation and, on an NSF award made
after May 20, 2024, a certification more than a year old, so their self-check shows R16, R17
and R20 findings.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

KEY_ROLES = {"pi", "co_pi", "senior_key"}
NSF_CERTIFICATION_FROM = date(2024, 5, 20)
COURSES = [
    ("CITI Research Security Training (combined module)", "CITI Program"),
    ("NSF Research Security Training, modules 1-4", "NSF"),
    ("Research security and export control essentials", "Office of Research"),
]
# Destinations of covered international travel, by weight (countries of concern included:
# where someone went is a fact of the trip, never of the person).
DESTINATIONS = {"DE": 5, "GB": 5, "JP": 4, "FR": 3, "CA": 3, "KR": 2, "CN": 4, "IT": 2, "RU": 1}
FCOC = {"CN", "RU", "IR", "KP"}
PURPOSES = ["conference talk", "collaboration visit", "field campaign", "workshop", "lab visit"]


def records_until(today: date) -> date:
    return today - timedelta(days=160)


def demo_pi_email(
    role_rows: list[dict[str, str]], tie_rows: list[dict[str, str]], listed: set[str]
) -> str | None:
    """The person the demo account "pi" is linked to (projects.demo.demo_users_ensure): the
    first PI by e-mail with a tie to a DoD-listed institution, else the first PI."""
    pis = sorted({r["email"] for r in role_rows if r["role"] == "pi"})
    tied = {t["email"] for t in tie_rows if t["organisation"] in listed}
    return next((e for e in pis if e in tied), pis[0] if pis else None)


def build_record_tables(
    *,
    seed: int,
    today: date,
    role_rows: list[dict[str, str]],
    project_rows: list[dict[str, str]],
    demo_pi: str | None,
) -> dict[str, list[dict[str, str]]]:
    rng = random.Random(seed * 7919 + 24)
    until = records_until(today)
    projects = {(p["sponsor"], p["award_number"]): p for p in project_rows}
    key_people = sorted({r["email"] for r in role_rows if r["role"] in KEY_ROLES})
    training: list[dict[str, str]] = []
    travel: list[dict[str, str]] = []
    for email in key_people:
        if email == demo_pi:
            continue
        if rng.random() < 0.85:
            course, provider = rng.choice(COURSES)
            # most are current (within the year before today); one in six is overdue
            days = rng.randint(200, 600) if rng.random() < 0.17 else rng.randint(0, 150)
            done = until - timedelta(days=days)
            training.append(_training(email, course, provider, done))
        if rng.random() < 0.2:
            country = _pick(rng, DESTINATIONS)
            departed = until - timedelta(days=rng.randint(0, 400))
            authorised = country not in FCOC or rng.random() < 0.7
            travel.append(_trip(rng, email, country, departed, authorised))
    certifications: list[dict[str, str]] = []
    for role in role_rows:
        project = projects[(role["sponsor"], role["award_number"])]
        if role["role"] not in {"pi", "co_pi"} or project["sponsor"] != "NSF":
            continue
        if project["status"] != "active" or role["email"] == demo_pi:
            continue
        start = date.fromisoformat(project["start_date"])
        if start < NSF_CERTIFICATION_FROM or start > until:
            continue
        if rng.random() < 0.75:  # certified at the award, then yearly; some are overdue
            certified = max(start, until - timedelta(days=rng.randint(0, 450)))
            certifications.append(_certification(role, certified))
    if demo_pi is not None:
        training.append(_training(demo_pi, *COURSES[0], date(2025, 3, 10)))
        travel.append(_trip(rng, demo_pi, "CN", date(2026, 2, 14), authorised=False))
        travel.append(_trip(rng, demo_pi, "DE", date(2025, 9, 22), authorised=True))
        for role in role_rows:
            project = projects[(role["sponsor"], role["award_number"])]
            if role["email"] == demo_pi and project["sponsor"] == "NSF":
                certifications.append(_certification(role, date(2025, 4, 1)))
    return {"training": training, "travel": travel, "certifications": certifications}


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _training(email: str, course: str, provider: str, done: date) -> dict[str, str]:
    return {"email": email, "course": course, "provider": provider, "completed_on": str(done)}


def _trip(
    rng: random.Random, email: str, country: str, departed: date, authorised: bool
) -> dict[str, str]:
    returned = departed + timedelta(days=rng.randint(3, 14))
    approved = departed - timedelta(days=rng.randint(10, 40))
    return {
        "email": email,
        "destination_country": country,
        "departed_on": str(departed),
        "returned_on": str(returned),
        "purpose": rng.choice(PURPOSES),
        "preauthorised_on": str(approved) if authorised else "",
        "preauthorisation_reference": f"TA-{approved.year}-{rng.randint(100, 999)}"
        if authorised
        else "",
    }


def _certification(role: dict[str, Any], certified: date) -> dict[str, str]:
    return {
        "email": role["email"],
        "award_number": role["award_number"],
        "sponsor": role["sponsor"],
        "certified_on": str(certified),
    }
