"""The tie prefilter drops ties no rule can use, and changes no finding."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command

from projects.models import Project, Role
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


@pytest.mark.django_db
def test_the_database_drops_the_ties_no_rule_can_use_and_nothing_else(rules_loaded: None) -> None:
    """A full re-check fetches only ties of kinds some rule reads without a list match, or to
    organisations matched on a list some rule reads: every tie the Python prefilter would keep
    is still fetched, and the findings are those of the unfiltered facts."""
    from compliance.services.recheck_compile import scenarios_compiled
    from rules.facts import KIND, ORG, matches_qs, ties_qs
    from rules.facts_ties import TieCache, matches_index

    call_command("load_demo", "--projects", "150", stdout=io.StringIO())
    call_command("screen_organisations", stdout=io.StringIO())
    ids = list(Project.objects.order_by("pk").values_list("pk", flat=True))
    codes = list(Scenario.objects.values_list("code", flat=True))
    _all, compiled, everything = scenarios_compiled(codes)
    assert everything is not None
    narrowing = everything.narrowing
    assert narrowing is not None
    assert {"talent_programme", "funding", "in_kind"} <= narrowing.kinds  # kind-only guards
    assert "coauthorship" not in narrowing.kinds  # co-authorships count only when listed
    assert {"DOD1286", "EL"} <= narrowing.lists

    people = list(Role.objects.filter(project_id__in=ids).values_list("person_id", flat=True))
    every = list(ties_qs(people, ids))
    fetched = {row[0] for row in ties_qs(people, ids, narrowing)}
    assert 0 < len(fetched) < len(every) * 0.8  # it drops many ties
    cache = TieCache()
    orgs = {row[ORG] for row in every}
    matches_index(matches_qs(orgs), orgs, cache)
    kept = {r[0] for r in every if everything.may_keep(r[KIND], cache.match_lists[r[ORG]])}
    assert kept <= fetched  # nothing the prefilter keeps is dropped
    listed = {r[0] for r in every if r[0] in fetched and r[KIND] not in narrowing.kinds}
    assert listed and all(
        cache.match_lists[r[ORG]] & narrowing.lists for r in every if r[0] in listed
    )
    narrowed = project_facts_build(ids, everything)
    full = project_facts_build(ids)
    for scenario, _versions in compiled:
        assert evaluate(scenario, narrowed, TODAY) == evaluate(scenario, full, TODAY)


@pytest.mark.django_db
def test_when_every_rule_needs_a_list_match_only_ties_to_matched_organisations_are_fetched(
    rules_loaded: None,
) -> None:
    from compliance.services.recheck_compile import scenarios_compiled
    from rules.facts import ties_qs

    call_command("load_demo", "--projects", "150", stdout=io.StringIO())
    call_command("screen_organisations", stdout=io.StringIO())
    ids = list(Project.objects.order_by("pk").values_list("pk", flat=True))
    codes = list(Scenario.objects.values_list("code", flat=True))
    _s, compiled, r07 = scenarios_compiled(codes, ["R07"])  # a change to R07 alone
    assert r07 is not None and r07.narrowing is not None
    assert r07.narrowing.kinds == frozenset() and "DOD1286" in r07.narrowing.lists

    people = list(Role.objects.filter(project_id__in=ids).values_list("person_id", flat=True))
    fetched, unfiltered = ties_qs(people, ids, r07.narrowing), ties_qs(people, ids)
    assert 0 < fetched.count() < unfiltered.count() / 5
    narrowed = project_facts_build(ids, r07)
    assert sum(len(f.ties) for f in narrowed) > 0
    full = project_facts_build(ids)
    found = 0
    for scenario, _versions in compiled:
        results = evaluate(scenario, narrowed, TODAY)
        assert results == evaluate(scenario, full, TODAY)
        found += sum(r.rule_key == "R07" for r in results)
    assert found > 0  # the demo portfolio does have R07 findings to compare


def test_no_narrowing_when_a_rule_may_read_ties_of_any_kind_without_a_list_match() -> None:
    from rules.engine.prefilter import TieGuard, TieNarrowing

    kinds = TieGuard(None, None, frozenset({"funding"}), None, None)
    listed = TieGuard(frozenset({"DOD"}), None, None, frozenset({"DOD1286"}), None)
    anything = TieGuard(frozenset({"NIH"}), None, None, None, None)
    assert TieFilter([kinds, listed]).narrowing == TieNarrowing(
        frozenset({"funding"}), frozenset({"DOD1286"})
    )
    assert TieFilter([kinds, listed, anything]).narrowing is None
    assert TieFilter([]).narrowing is None
