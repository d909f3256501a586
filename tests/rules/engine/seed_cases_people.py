"""Positive and negative cases for the rules on person records (R16, R17, R20), R22 and R24;
test_seed_rules.py runs them with the other seed rules' cases."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from rules.engine import ProjectFacts
from tests.rules.engine.helpers import TODAY, facts, match, person, role, tie

LOADED = {"training": True, "certifications": True, "travel": True}


def trained(on: date | None, **extra: Any) -> dict[str, Any]:
    return {**person(), "training_on": on, "training_course": "CITI Research Security", **extra}


def trip(country: str = "CN", departed: date = date(2026, 6, 1), **extra: Any) -> dict[str, Any]:
    base = {
        "id": 7,
        "country": country,
        "departed_on": departed,
        "returned_on": departed + timedelta(days=9),
        "preauthorised_on": None,
        "reference": "",
        "purpose": "conference",
    }
    return {**base, **extra}


def with_people(
    who: dict[str, Any], as_role: dict[str, Any], records: dict[str, bool] | None = None, **kw: Any
) -> ProjectFacts:
    out = facts(people=[(who, as_role)], **kw)
    out.records = dict(records if records is not None else LOADED)
    return out


def certified(on: date | None, kind: str = "pi", **extra: Any) -> dict[str, Any]:
    return {**role(kind), "certified_on": on, **extra}


NSF_2024: dict[str, Any] = {"sponsor": "NSF", "start_date": date(2024, 9, 1)}
APPOINTMENT: dict[str, Any] = {
    "kind": "appointment",
    "org_name": "Tsinghua University",
    "start": date(2023, 1, 1),
}
ASPI_VERY_HIGH = match("ADVISORY", entry_name="Harbin Engineering University", rating="Very high")
ASPI_LOW = match("ADVISORY", entry_name="Harbin Engineering University", rating="Low")

PEOPLE_CASES: list[tuple[str, ProjectFacts, ProjectFacts]] = [
    (
        "R16",
        with_people(person(), certified(date(2025, 6, 10)), **NSF_2024),
        with_people(person(), certified(date(2026, 6, 10)), **NSF_2024),
    ),
    (
        "R17",
        with_people(trained(date(2025, 1, 15)), role("pi"), sponsor="NSF"),
        with_people(trained(date(2026, 3, 1)), role("pi"), sponsor="NSF"),
    ),
    (
        "R20",
        with_people({**person(), "trips": [trip()]}, role("pi"), sponsor="NSF"),
        with_people(
            {**person(), "trips": [trip(preauthorised_on=date(2026, 5, 1), reference="TA-12")]},
            role("pi"),
            sponsor="NSF",
        ),
    ),
    (
        "R22",
        facts(
            [tie(end=None, disclosed_in=frozenset({"current_pending"}), **APPOINTMENT)],
            tags=frozenset({"quantum"}),
            sponsor="NSF",
        ),
        facts(
            [tie(end=None, disclosed_in=frozenset({"current_pending"}), **APPOINTMENT)],
            tags=frozenset({"climate_science"}),
            sponsor="NSF",
        ),
    ),
    (
        "R24",
        facts([tie(kind="coauthorship", matches=[ASPI_VERY_HIGH])], sponsor="NSF"),
        facts([tie(kind="coauthorship", matches=[ASPI_LOW])], sponsor="NSF"),
    ),
]

__all__ = [
    "LOADED",
    "NSF_2024",
    "PEOPLE_CASES",
    "TODAY",
    "certified",
    "trained",
    "trip",
    "with_people",
]
