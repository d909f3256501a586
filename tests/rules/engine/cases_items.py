"""Seed-rule cases for the rules over a project's items (equipment, foreign components,
patents, agreements) and the institution profile: R08, R10, R11, R14, R19."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from rules.engine import ItemFacts, ProjectFacts
from tests.rules.engine.helpers import facts, match, person

H1260_HIKVISION = match(
    "DOD1260H",
    entry_name="Hangzhou Hikvision Digital Technology Co., Ltd. (Hikvision)",
    alias="Hikvision",
)
ALL_ELEMENTS = frozenset(
    {
        "cybersecurity",
        "travel_record",
        "travel_preauthorisation",
        "training",
        "export_control_training",
    }
)


def org(name: str, country: str, oid: int = 900) -> dict[str, Any]:
    return {"id": oid, "name": name, "country": country, "type": "company"}


def equipment(
    iid: int = 1, matches: list[dict[str, Any]] | None = None, maker: str = "Hikvision"
) -> ItemFacts:
    return ItemFacts(
        ns={
            "equipment": {
                "id": iid,
                "description": "Network camera",
                "model": "DS-2CD2143G2",
                "manufacturer": maker,
                "acquired_on": date(2025, 3, 1),
            },
            "org": org(maker, "CN"),
        },
        matches=matches if matches is not None else [H1260_HIKVISION],
        start=date(2025, 3, 1),
    )


def component(
    cid: int = 1,
    kind: str = "component",
    country: str = "ZA",
    code: str = "R01",
    due: date | None = date(2026, 6, 5),
) -> ItemFacts:
    return ItemFacts(
        ns={
            "component": {
                "id": cid,
                "kind": kind,
                "organisation": "University of Cape Town",
                "country": country,
                "activity_code": code,
                "due_date": due,
            }
        }
    )


def patent(
    pid: int = 1,
    jurisdiction: str = "CN",
    assignee_country: str = "CN",
    disclosed: frozenset[str] = frozenset(),
    filed: date | None = date(2024, 5, 1),
) -> ItemFacts:
    return ItemFacts(
        ns={
            "patent": {
                "id": pid,
                "tie_id": 300 + pid,
                "jurisdiction": jurisdiction,
                "application_number": "CN202410012345.6",
                "filing_date": filed,
                "disclosed": bool(disclosed),
                "disclosed_in": disclosed,
            },
            "org": org("Shenzhen Photonics Co., Ltd.", assignee_country),
            "person": person(),
        },
        start=filed,
    )


def agreement(
    aid: int = 1, kind: str = "confucius_institute", end: date | None = None
) -> ItemFacts:
    return ItemFacts(
        ns={
            "agreement": {
                "id": aid,
                "kind": kind,
                "counterpart": "Center for Language Education and Cooperation",
                "counterpart_country": "CN",
                "unit": "College of Arts and Sciences",
                "start_date": date(2012, 9, 1),
                "end_date": end,
            }
        },
        start=date(2012, 9, 1),
        end=end,
    )


INSTITUTION = {
    "name": "Example State University",
    "federal_rd_avg_usd": 412_000_000.0,
    "programme_elements": frozenset({"cybersecurity", "training"}),
}


def with_items(
    base: ProjectFacts,
    items: dict[str, list[ItemFacts]] | None = None,
    institution: dict[str, Any] | None = None,
) -> ProjectFacts:
    return replace(base, items=items or {}, institution=institution or {})


# rule, positive facts, negative facts (the smallest change that must clear the rule)
ITEM_CASES: list[tuple[str, ProjectFacts, ProjectFacts]] = [
    (
        "R08",
        with_items(facts(sponsor="DOD"), {"equipment": [equipment()]}),
        with_items(facts(sponsor="DOD"), {"equipment": [equipment(matches=[], maker="Zeiss")]}),
    ),
    (
        "R10",
        with_items(facts(sponsor="NSF"), {"patents": [patent()]}),
        with_items(
            facts(sponsor="NSF"),
            {
                "patents": [
                    patent(jurisdiction="DE", assignee_country="DE", disclosed=frozenset({"coi"}))
                ]
            },
        ),
    ),
    (
        "R11",
        with_items(
            facts(sponsor="NSF", status="proposal"),
            {"agreements": [agreement()]},
            institution=INSTITUTION,
        ),
        with_items(
            facts(sponsor="NSF", status="proposal"),
            {"agreements": [agreement(end=date(2021, 6, 30))]},
        ),
    ),
    (
        "R14",
        with_items(facts(sponsor="NIH"), {"components": [component()]}),
        with_items(facts(sponsor="NIH"), {"components": [component(code="PF5")]}),
    ),
    (
        "R19",
        with_items(facts(sponsor="NSF", status="proposal"), institution=INSTITUTION),
        with_items(
            facts(sponsor="NSF", status="proposal"),
            institution={**INSTITUTION, "programme_elements": ALL_ELEMENTS},
        ),
    ),
]
