"""Item domains (equipment, components, patents, agreements): what a condition may read
where, and list matches on an item's organisation behave as a tie's do."""

from __future__ import annotations

from typing import Any

import pytest

from rules.engine import ConditionError, compile_rule, evaluate_project
from rules.engine.evaluate import compile_scenario
from tests.rules.engine.cases_items import equipment, with_items
from tests.rules.engine.helpers import TODAY, facts, match


def _rule(condition: Any, for_each: str = "project") -> dict[str, Any]:
    return {
        "id": "X1",
        "title": "test",
        "legal_basis": {"citation": "test"},
        "for_each": for_each,
        "condition": condition,
    }


@pytest.mark.parametrize(
    ("condition", "for_each", "message"),
    [
        ({"fact": "equipment.model", "eq": "X"}, "project", "only available inside"),
        ({"fact": "tie.kind", "eq": "patent"}, "equipment", "not available inside equipment"),
        ({"listed": {"lists": ["EL"]}}, "components", "listed is not available inside"),
        (
            {"some": "equipment", "where": {"fact": "component.kind", "eq": "subaward"}},
            "project",
            "not available inside equipment",
        ),
        ({"some": "ties", "where": {"always": True}}, "agreements", "no quantifier"),
        ({"tie_within": {"years": 5}}, "patents", "tie scope"),
    ],
)
def test_item_scope_is_checked_when_the_rule_is_compiled(
    condition: Any, for_each: str, message: str
) -> None:
    with pytest.raises(ConditionError) as error:
        compile_rule(_rule(condition, for_each), {})
    assert message in str(error.value)


def test_a_maker_matched_only_by_name_awaiting_review_is_held_at_info() -> None:
    rule = {
        **_rule({"listed": {"lists": ["DOD1260H"], "when": "now"}}, "equipment"),
        "severity": "block",
    }
    scenario = compile_scenario("t", [(rule, "v")], {})
    review = match("DOD1260H", decision="review", score=0.8)
    [held] = evaluate_project(
        scenario, with_items(facts(), {"equipment": [equipment(matches=[review])]}), TODAY
    )
    assert (held.severity, held.held_for_review, held.subject) == ("info", True, "equipment:1")
    [blocked] = evaluate_project(scenario, with_items(facts(), {"equipment": [equipment()]}), TODAY)
    assert blocked.severity == "block" and not blocked.held_for_review


def test_some_over_an_item_domain_binds_the_item_for_the_explanation() -> None:
    rule = {
        **_rule({"some": "equipment", "where": {"listed": {"lists": ["DOD1260H"]}}}),
        "explanation": "{equipment.description} by {org.name} ({match.list})",
    }
    scenario = compile_scenario("t", [(rule, "v")], {})
    [found] = evaluate_project(scenario, with_items(facts(), {"equipment": [equipment()]}), TODAY)
    assert found.explanation == "Network camera by Hikvision (DOD1260H)"
    assert evaluate_project(scenario, facts(), TODAY) == []
