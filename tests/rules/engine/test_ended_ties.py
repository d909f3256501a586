"""A tie ended on its end date: on that day and after it is not ongoing, and R27's finding
(kept for a project-scoped tie) gives the tie's dates instead of saying "is ongoing"."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from rules.engine import evaluate_project
from tests.rules.engine.helpers import TODAY, facts, match, tie
from tests.rules.engine.test_seed_rules import ALL

EL = match("EL", entry_name="Beihang University", alias="BUAA")
START = TODAY.replace(year=TODAY.year - 2)


def _r27(**tie_fields: Any) -> list[Any]:
    project = facts([tie(kind="joint_research", matches=[EL], **tie_fields)], sponsor="NSF")
    return [f for f in evaluate_project(ALL, project, TODAY) if f.rule_key == "R27"]


@pytest.mark.parametrize(
    ("end", "ongoing"),
    [(None, True), (TODAY + timedelta(days=1), True), (TODAY, False), (START, False)],
    ids=["no end", "ends tomorrow", "ends today", "ended"],
)
def test_r27_fires_on_an_ongoing_tie_only(end: Any, ongoing: bool) -> None:
    assert bool(_r27(start=START, end=end)) is ongoing


def test_r27_on_a_project_tie_that_ends_today_does_not_say_it_is_ongoing() -> None:
    [finding] = _r27(start=START, end=TODAY, project_id=1)  # the project's own tie
    assert "ongoing" not in finding.explanation
    assert f"from {START.isoformat()} to {TODAY.isoformat()}" in finding.explanation


def test_r27_on_an_open_ended_tie_says_so() -> None:
    [finding] = _r27(start=START, end=None)
    assert f"from {START.isoformat()} to ongoing" in finding.explanation
