"""The tie prefilter drops ties no rule can use, and changes no finding."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command

from projects.models import Project
from rules.engine import evaluate, evaluate_scenarios
from rules.engine.prefilter import TieFilter
from rules.facts import project_facts_build
from rules.models import Scenario
from rules.services.rulepacks import scenario_compile
from tests.compliance.conftest import TODAY


@pytest.mark.django_db
def test_findings_with_and_without_the_prefilter_are_identical(rules_loaded: None) -> None:
    call_command("load_demo", "--projects", "150", stdout=io.StringIO())
    ids = list(Project.objects.order_by("pk").values_list("pk", flat=True))
    compiled = [scenario_compile(scenario=s)[0] for s in Scenario.objects.order_by("position")]
    tie_filter = TieFilter.for_scenarios(compiled)
    assert tie_filter is not None
    full = project_facts_build(ids)
    narrowed = project_facts_build(ids, tie_filter)
    kept = sum(len(f.ties) for f in narrowed)
    assert 0 < kept < sum(len(f.ties) for f in full)  # it really drops ties, and keeps some
    for today in (TODAY, date(2021, 6, 30)):  # look-back windows over other ties
        together = evaluate_scenarios(compiled, full, today)
        assert evaluate_scenarios(compiled, narrowed, today) == together
        assert sum(len(r) for r in together) > 50  # a portfolio with findings to compare
        for scenario in compiled:
            own = project_facts_build(ids, TieFilter.for_scenarios([scenario]))
            assert evaluate(scenario, own, today) == evaluate(scenario, full, today)
