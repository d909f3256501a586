"""Hand-built facts for engine tests (no database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from rules.engine import ProjectFacts, TieFacts

TODAY = date(2026, 11, 28)
KEY_ROLES = {"pi", "co_pi", "senior_key"}


def project(**overrides: Any) -> dict[str, Any]:
    base = {
        "id": 1,
        "sponsor": "DOD",
        "programme": "Basic Research",
        "award_number": "W911NF-1",
        "title": "Hypersonic boundary layers",
        "status": "active",
        "amount_usd": Decimal("1000000.00"),
        "start_date": date(2024, 1, 1),
        "end_date": date(2027, 1, 1),
        "department": "Aerospace",
        "fundamental_research": True,
    }
    return {**base, **overrides}


def person(pid: int = 10, name: str = "Pat Smith") -> dict[str, Any]:
    return {"id": pid, "name": name, "department": "Aerospace"}


def role(kind: str = "pi") -> dict[str, Any]:
    return {"role": kind, "is_key": kind in KEY_ROLES}


def match(list_code: str = "DOD1286", **overrides: Any) -> dict[str, Any]:
    base = {
        "list": list_code,
        "score": 0.98,
        "decision": "accept",
        "confirmed": False,
        "method": "alias",
        "alias": "HIT",
        "listed_on": None,
        "delisted_on": None,
        "entry_name": "Harbin Institute of Technology",
        "entry_id": 501,
    }
    return {**base, **overrides}


def tie(
    tid: int = 100,
    kind: str = "visiting_at",
    start: date | None = date(2022, 9, 1),
    end: date | None = date(2023, 6, 30),
    org_name: str = "Harbin Institute of Technology",
    country: str = "CN",
    matches: list[dict[str, Any]] | None = None,
    who: dict[str, Any] | None = None,
    as_role: str = "pi",
    **overrides: Any,
) -> TieFacts:
    data = {
        "id": tid,
        "kind": kind,
        "kind_label": kind.replace("_", " "),
        "start_date": start,
        "end_date": end,
        "compensated": False,
        "source": "self_disclosed",
        "disclosed_in": frozenset(),
        "project_id": None,
    }
    data.update(overrides)
    return TieFacts(
        tie=data,
        org={"id": tid + 1000, "name": org_name, "country": country, "type": "university"},
        person=who or person(),
        role=role(as_role),
        matches=matches if matches is not None else [],
    )


def facts(
    ties: list[TieFacts] | None = None,
    tags: frozenset[str] = frozenset(),
    people: list[tuple[dict[str, Any], dict[str, Any]]] | None = None,
    **project_overrides: Any,
) -> ProjectFacts:
    return ProjectFacts(
        project=project(**project_overrides),
        field={"tags": tags, "sensitive": bool(tags)},
        people=people if people is not None else [(person(), role("pi"))],
        ties=ties or [],
    )
