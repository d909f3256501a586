"""The rules on person records (R16, R17, R20), R22 and R24 beyond their positive and
negative cases: missing records, DOE's 30 days of joining, ratings, trip scope."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from rules.engine import ProjectFacts, evaluate_project
from rules.engine.conditions import Compiler, ConditionError
from rules.engine.types import Scope
from tests.rules.engine.helpers import TODAY, facts, match, person, role, tie
from tests.rules.engine.seed_cases_people import (
    LOADED,
    NSF_2024,
    certified,
    trained,
    trip,
    with_people,
)
from tests.rules.engine.test_seed_rules import ALL


def _hits(project: ProjectFacts, rule: str) -> list[Any]:
    return [f for f in evaluate_project(ALL, project, TODAY) if f.rule_key == rule]


def test_r16_no_certification_counts_only_where_certifications_are_kept() -> None:
    kept = with_people(person(), certified(None), **NSF_2024)
    [finding] = _hits(kept, "R16")
    assert finding.subject == "person:10" and finding.severity == "medium"
    assert "latest MFTRP certification on record: none;" in finding.explanation
    assert _hits(with_people(person(), certified(None), records={}, **NSF_2024), "R16") == []


def test_r16_covers_pi_and_co_pi_on_nsf_awards_from_may_2024_only() -> None:
    old = date(2025, 1, 1)
    assert _hits(with_people(person(), certified(old, "senior_key"), **NSF_2024), "R16") == []
    assert _hits(with_people(person(), certified(old, "co_pi"), **NSF_2024), "R16")
    before: dict[str, Any] = {"sponsor": "NSF", "start_date": date(2024, 5, 19)}
    assert _hits(with_people(person(), certified(old), **before), "R16") == []
    # a new award is not overdue before its first year is out, certified or not
    recent: dict[str, Any] = {"sponsor": "NSF", "start_date": TODAY - timedelta(days=100)}
    assert _hits(with_people(person(), certified(None), **recent), "R16") == []


def test_r17_missing_training_counts_only_where_training_is_kept() -> None:
    nobody = {**person(), "training_on": None, "training_course": ""}
    [finding] = _hits(with_people(nobody, role("pi"), sponsor="NIH"), "R17")
    assert "latest research-security training on record: none;" in finding.explanation
    assert _hits(with_people(nobody, role("pi"), records={}, sponsor="NIH"), "R17") == []


def test_r17_covered_roles_are_a_parameter() -> None:
    stale = trained(date(2024, 1, 1))
    assert _hits(with_people(stale, role("other"), sponsor="NSF"), "R17") == []
    assert _hits(with_people(stale, role("senior_key"), sponsor="NSF"), "R17")


def test_r17_doe_newcomer_has_30_days_of_grace() -> None:
    nobody = {**person(), "training_on": None, "training_course": ""}
    joined_recently = {**role("pi"), "joined_on": TODAY - timedelta(days=10)}
    joined_long_ago = {**role("pi"), "joined_on": TODAY - timedelta(days=31)}
    assert _hits(with_people(nobody, joined_recently, sponsor="DOE"), "R17") == []
    assert _hits(with_people(nobody, joined_long_ago, sponsor="DOE"), "R17")
    # the grace is DOE's: NSF has no such clause
    assert _hits(with_people(nobody, joined_recently, sponsor="NSF"), "R17")


def test_r20_explains_the_trip_and_ignores_old_or_non_fcoc_trips() -> None:
    traveller = {**person(), "trips": [trip()]}
    [finding] = _hits(with_people(traveller, role("pi"), sponsor="NSF"), "R20")
    assert "to CN on 2026-06-01 (travel record 7)" in finding.explanation
    for other in (trip(country="DE"), trip(departed=date(2024, 6, 1))):
        assert _hits(with_people({**person(), "trips": [other]}, role("pi")), "R20") == []
    planned = {**person(), "trips": [trip(departed=TODAY + timedelta(days=30))]}
    assert _hits(with_people(planned, role("co_pi"), sponsor="DOD"), "R20")


def test_r22_fires_on_a_restricted_party_or_a_disclosure_gap_too() -> None:
    el = match("EL", entry_name="Beihang University")
    listed = tie(kind="joint_research", start=date(2024, 1, 1), end=None, country="", matches=[el])
    assert _hits(facts([listed], tags=frozenset({"ai"}), sponsor="NSF"), "R22")
    gap = tie(kind="funding", country="DE", org_name="DFG", start=date(2026, 1, 1), end=None)
    [finding] = _hits(facts([gap], tags=frozenset({"quantum"}), sponsor="NSF"), "R22")
    assert finding.subject == "project" and "quantum" in finding.explanation
    assert _hits(facts([gap], tags=frozenset({"quantum"}), sponsor="NIH"), "R22") == []


def test_r24_severity_follows_the_rating() -> None:
    high = match("ADVISORY", rating="High")
    very_high = match("ADVISORY", rating="Very high")
    [low] = _hits(facts([tie(kind="coauthorship", matches=[high])]), "R24")
    [medium] = _hits(facts([tie(kind="coauthorship", matches=[very_high])]), "R24")
    assert (low.severity, medium.severity) == ("low", "medium")
    assert "rated 'High' on ADVISORY" in low.explanation
    old = tie(kind="coauthorship", matches=[high], start=date(2015, 1, 1), end=date(2018, 1, 1))
    assert _hits(facts([old]), "R24") == []


@pytest.mark.parametrize(
    ("condition", "scope"),
    [
        ({"fact": "trip.country", "eq": "CN"}, Scope.PERSON),
        ({"fact": "trip.country", "eq": "CN"}, Scope.TIE),
        ({"fact": "tie.kind", "eq": "travel"}, Scope.TRIP),
        ({"some": "person_trips", "where": {"always": True}}, Scope.PROJECT),
    ],
)
def test_trip_facts_exist_only_inside_a_trip_quantifier(
    condition: dict[str, Any], scope: Scope
) -> None:
    with pytest.raises(ConditionError):
        Compiler({}).compile(condition, "c", scope)


def test_loaded_records_reach_the_condition_language() -> None:
    compiled = Compiler({}).compile({"fact": "records.training", "eq": True})
    project = facts()
    project.records = dict(LOADED)
    from rules.engine.env import Env

    assert compiled(Env(project, TODAY, {}))
    project.records = {}
    assert not compiled(Env(project, TODAY, {}))


def test_the_new_rules_fetch_no_tie_the_other_rules_do_not() -> None:
    """R22's branches name their tie kinds or lists: the re-check's tie narrowing (the SQL
    filter on kinds and lists) is the same with or without the new rules."""
    from rules.engine.prefilter import TieFilter
    from tests.rules.engine.test_seed_rules import _scenario

    new = {"R16", "R17", "R20", "R22", "R24"}
    full = _scenario("current", "fields")
    without = _scenario("current", "fields")
    without.rules = [r for r in without.rules if r.key not in new]
    with_new, old = TieFilter.for_scenarios([full]), TieFilter.for_scenarios([without])
    assert with_new is not None and old is not None
    assert with_new.narrowing is not None and old.narrowing is not None
    assert with_new.narrowing.kinds == old.narrowing.kinds
    assert with_new.narrowing.lists == old.narrowing.lists | {"ADVISORY"}
