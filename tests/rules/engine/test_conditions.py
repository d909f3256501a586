"""Every operator and node, table-driven, without a database."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from rules.engine import Compiler, ConditionError, Env
from rules.engine.types import Scope
from tests.rules.engine.helpers import TODAY, facts, match, tie

PARAMS = {"lookback": 5, "lists": ["DOD1286", "EL"], "cutoff": "2024-08-09", "sponsors": ["DOD"]}


def run(condition: dict[str, Any], scope: Scope = Scope.PROJECT, bind_tie: bool = False) -> bool:
    subject = tie(matches=[match()], disclosed_in=frozenset({"biosketch"}), compensated=True)
    project_facts = facts(ties=[subject], tags=frozenset({"hypersonics"}))
    env = Env(project_facts, TODAY, PARAMS)
    if bind_tie:
        env.bind(subject)
    predicate = Compiler(PARAMS).compile(condition, "condition", scope)
    return predicate(env)


CASES: list[tuple[str, dict[str, Any], bool, bool]] = [
    # name, condition, tie scope?, expected
    ("eq true", {"fact": "project.sponsor", "eq": "DOD"}, False, True),
    ("eq false", {"fact": "project.sponsor", "eq": "NSF"}, False, False),
    ("ne", {"fact": "project.sponsor", "ne": "NSF"}, False, True),
    ("ne false", {"fact": "project.sponsor", "ne": "DOD"}, False, False),
    ("lt", {"fact": "project.amount_usd", "lt": 2_000_000}, False, True),
    ("lt false", {"fact": "project.amount_usd", "lt": 10}, False, False),
    ("le", {"fact": "project.amount_usd", "le": 1_000_000}, False, True),
    ("gt", {"fact": "project.amount_usd", "gt": 999_999}, False, True),
    ("gt false", {"fact": "project.amount_usd", "gt": 1_000_000}, False, False),
    ("ge", {"fact": "project.amount_usd", "ge": 1_000_000}, False, True),
    ("bool eq", {"fact": "project.fundamental_research", "eq": True}, False, True),
    ("in", {"fact": "project.sponsor", "in": ["DOD", "DOE"]}, False, True),
    ("in false", {"fact": "project.sponsor", "in": ["NIH"]}, False, False),
    ("in param", {"fact": "project.sponsor", "in": {"param": "sponsors"}}, False, True),
    ("not_in", {"fact": "project.sponsor", "not_in": ["NIH"]}, False, True),
    ("not_in false", {"fact": "project.sponsor", "not_in": ["DOD"]}, False, False),
    ("contains", {"fact": "field.tags", "contains": "hypersonics"}, False, True),
    ("contains false", {"fact": "field.tags", "contains": "quantum"}, False, False),
    (
        "contains_any",
        {"fact": "field.tags", "contains_any": ["quantum", "hypersonics"]},
        False,
        True,
    ),
    ("contains_any false", {"fact": "field.tags", "contains_any": ["quantum"]}, False, False),
    ("contains_all", {"fact": "field.tags", "contains_all": ["hypersonics"]}, False, True),
    (
        "contains_all false",
        {"fact": "field.tags", "contains_all": ["hypersonics", "quantum"]},
        False,
        False,
    ),
    ("date is_empty false", {"fact": "project.end_date", "is_empty": True}, False, False),
    ("is_empty false", {"fact": "field.tags", "is_empty": True}, False, False),
    ("is_empty true", {"fact": "field.tags", "is_empty": False}, False, True),
    (
        "date literal on_or_after",
        {"fact": "project.start_date", "on_or_after": "2024-01-01"},
        False,
        True,
    ),
    ("date before", {"fact": "project.start_date", "before": "2024-01-01"}, False, False),
    ("date after", {"fact": "project.end_date", "after": {"date": "today"}}, False, True),
    (
        "date on_or_before param",
        {"fact": "project.start_date", "on_or_before": {"param": "cutoff"}},
        False,
        True,
    ),
    (
        "date arithmetic",
        {"fact": "project.start_date", "ge": {"date": "today", "minus_years": 3}},
        False,
        True,
    ),
    (
        "date arithmetic false",
        {"fact": "project.start_date", "ge": {"date": "today", "minus_days": 30}},
        False,
        False,
    ),
    (
        "fact vs fact",
        {"fact": "project.end_date", "gt": {"fact": "project.start_date"}},
        False,
        True,
    ),
    (
        "all",
        {
            "all": [
                {"fact": "project.sponsor", "eq": "DOD"},
                {"fact": "project.status", "eq": "active"},
            ]
        },
        False,
        True,
    ),
    (
        "all false",
        {
            "all": [
                {"fact": "project.sponsor", "eq": "DOD"},
                {"fact": "project.status", "eq": "closed"},
            ]
        },
        False,
        False,
    ),
    (
        "any",
        {
            "any": [
                {"fact": "project.sponsor", "eq": "NSF"},
                {"fact": "project.status", "eq": "active"},
            ]
        },
        False,
        True,
    ),
    (
        "any false",
        {
            "any": [
                {"fact": "project.sponsor", "eq": "NSF"},
                {"fact": "project.status", "eq": "closed"},
            ]
        },
        False,
        False,
    ),
    ("not", {"not": {"fact": "project.sponsor", "eq": "NSF"}}, False, True),
    ("always", {"always": True}, False, True),
    (
        "some ties",
        {"some": "ties", "where": {"fact": "tie.kind", "eq": "visiting_at"}},
        False,
        True,
    ),
    (
        "some ties false",
        {"some": "ties", "where": {"fact": "tie.kind", "eq": "patent"}},
        False,
        False,
    ),
    ("no ties", {"no": "ties", "where": {"fact": "tie.kind", "eq": "patent"}}, False, True),
    (
        "every key_people",
        {"every": "key_people", "where": {"fact": "role.is_key", "eq": True}},
        False,
        True,
    ),
    ("some people", {"some": "people", "where": {"fact": "role.role", "eq": "pi"}}, False, True),
    ("key_ties", {"some": "key_ties", "where": {"fact": "org.country", "eq": "CN"}}, False, True),
    ("project_ties none", {"some": "project_ties", "where": {"always": True}}, False, False),
    (
        "person_ties",
        {
            "some": "people",
            "where": {"some": "person_ties", "where": {"fact": "tie.compensated", "eq": True}},
        },
        False,
        True,
    ),
    ("some matches", {"some": "matches", "where": {"fact": "match.score", "ge": 0.9}}, True, True),
    ("tie.disclosed", {"fact": "tie.disclosed", "eq": True}, True, True),
    (
        "tie.disclosed_in contains",
        {"fact": "tie.disclosed_in", "contains": "biosketch"},
        True,
        True,
    ),
    ("tie.ongoing", {"fact": "tie.ongoing", "eq": False}, True, True),
    ("tie.project_scoped", {"fact": "tie.project_scoped", "eq": False}, True, True),
    ("tie_within 5", {"tie_within": {"years": {"param": "lookback"}}}, True, True),
    ("tie_within 3", {"tie_within": {"years": 3}}, True, False),
    ("listed", {"listed": {"lists": {"param": "lists"}, "when": "now"}}, True, True),
    ("listed other list", {"listed": {"lists": ["SDN"]}}, True, False),
    ("listed min_score", {"listed": {"lists": ["DOD1286"], "min_score": 0.99}}, True, False),
]


@pytest.mark.parametrize(
    ("condition", "bind_tie", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_operator(condition: dict[str, Any], bind_tie: bool, expected: bool) -> None:
    scope = Scope.TIE if bind_tie else Scope.PROJECT
    assert run(condition, scope, bind_tie) is expected


def test_every_operator_is_covered() -> None:
    from rules.engine import OPERATORS

    used = {op for _n, c, _b, _e in CASES for op in _ops(c)}
    assert set(OPERATORS) <= used


def _ops(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        if "fact" in node:
            found |= set(node) - {"fact"}
        for value in node.values():
            found |= _ops(value)
    elif isinstance(node, list):
        for value in node:
            found |= _ops(value)
    return found


def test_trace_names_the_condition_and_the_value() -> None:
    env = Env(facts(ties=[tie(matches=[match()])]), TODAY, PARAMS)
    cond = {
        "some": "ties",
        "where": {
            "all": [
                {"fact": "tie.kind", "in": ["visiting_at"]},
                {"listed": {"lists": ["DOD1286"], "when": "either"}},
                {"tie_within": {"years": 5}},
            ]
        },
    }
    assert Compiler(PARAMS).compile(cond)(env)
    text = "\n".join(env.trace)
    assert "tie.kind in [visiting_at]: 'visiting_at'" in text
    assert (
        "matches DOD1286 entry 'Harbin Institute of Technology' (score 0.98 via alias 'HIT'" in text
    )
    assert "2022-09-01 to 2023-06-30 is within the 5-year look-back ending 2026-11-28" in text


def test_failed_branches_leave_no_trace() -> None:
    env = Env(facts(), TODAY, PARAMS)
    cond = {
        "any": [
            {
                "all": [
                    {"fact": "project.sponsor", "eq": "DOD"},
                    {"fact": "project.status", "eq": "closed"},
                ]
            },
            {"fact": "project.fundamental_research", "eq": True},
        ]
    }
    assert Compiler(PARAMS).compile(cond)(env)
    assert env.trace == ["project.fundamental_research eq True: True"]


@pytest.mark.parametrize(
    ("when", "listed_on", "delisted_on", "expected"),
    [
        ("now", None, None, True),
        ("now", date(2024, 1, 31), date(2025, 1, 7), False),  # delisted before today
        ("during_tie", date(2024, 1, 31), date(2025, 1, 7), False),  # tie ended 2023-06-30
        ("during_tie", date(2021, 6, 3), date(2025, 1, 7), True),
        ("either", date(2021, 6, 3), date(2025, 1, 7), True),
        ("now", date(2027, 1, 1), None, False),  # listed only in the future
        ("during_tie", date(2024, 1, 1), None, False),  # listed after the tie ended
        ("either", date(2024, 1, 1), None, True),  # ... but listed now
    ],
)
def test_list_membership_is_time_aware(
    when: str, listed_on: date | None, delisted_on: date | None, expected: bool
) -> None:
    subject = tie(matches=[match(listed_on=listed_on, delisted_on=delisted_on)])
    env = Env(facts(ties=[subject]), TODAY, PARAMS)
    env.bind(subject)
    cond = {"listed": {"lists": ["DOD1286"], "when": when}}
    assert Compiler(PARAMS).compile(cond, scope=Scope.TIE)(env) is expected


@pytest.mark.parametrize(
    ("condition", "path", "message"),
    [
        ({"fact": "project.colour", "eq": "red"}, "condition.fact", "unknown fact"),
        ({"fact": "project.sponsor", "like": "D%"}, "condition", "unknown operator 'like'"),
        ({"fact": "project.sponsor", "lt": 3}, "condition", "does not apply to project.sponsor"),
        ({"fact": "project.amount_usd", "gt": "lots"}, "condition.gt", "expected number"),
        ({"fact": "project.start_date", "ge": "yesterday"}, "condition.ge", "expected a date"),
        (
            {"all": [{"fact": "project.sponsor", "eq": "DOD"}, {"fact": "tie.kind", "eq": "x"}]},
            "condition.all[1].fact",
            "only available inside a quantifier",
        ),
        ({"some": "friends", "where": {"always": True}}, "condition.some", "unknown domain"),
        (
            {"some": "ties", "where": {"fact": "tie.kind", "in": "visiting_at"}},
            "condition.where.in",
            "needs a list",
        ),
        (
            {"fact": "project.sponsor", "in": {"param": "missing"}},
            "condition.in.param",
            "unknown parameter",
        ),
        ({"listed": {"lists": ["EL"]}}, "condition", "only available in tie scope"),
        ({"eval": "__import__('os')"}, "condition", "unknown operator"),
        ({"fact": "project.amount_usd", "gt": True}, "condition.gt", "expected number"),
        ({"any": []}, "condition", "non-empty list"),
    ],
)
def test_invalid_conditions_are_refused_with_path(
    condition: dict[str, Any], path: str, message: str
) -> None:
    with pytest.raises(ConditionError) as exc:
        Compiler(PARAMS).compile(condition)
    assert exc.value.path == path
    assert message in exc.value.message


def test_docs_list_every_fact_operator_and_domain() -> None:
    from pathlib import Path

    from rules.engine import DOMAINS, FACTS, OPERATORS

    doc = (Path(__file__).resolve().parents[3] / "docs" / "rules.md").read_text(encoding="utf-8")
    for name in [*FACTS, *DOMAINS, *OPERATORS]:
        assert f"`{name}`" in doc, name
