"""Rule-scoped re-checks (a rule or parameter change) touch only the changed rules' findings,
and chunks keep projects that share people together."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date
from typing import Any

import pytest

from compliance.models import Finding, RecheckRun
from compliance.services.recheck import recheck_request
from compliance.services.recheck_compile import scenarios_compiled
from compliance.services.recheck_plan import chunks_plan
from rules.models import PackParameter, RuleVersion
from rules.services.rulepacks import pack_parameter_set, rule_version_retire
from tests.compliance.conftest import TODAY
from tests.factories import (
    OrganisationFactory,
    PersonFactory,
    ProjectFactory,
    RoleFactory,
    TieFactory,
)

CONTENT = (
    *("scenario__code", "rule__key", "project_id", "subject", "status", "severity"),
    *("explanation", "trace", "person_id", "tie_id", "list_entry_id", "amount_usd"),
)


def _content() -> list[tuple[Any, ...]]:
    return sorted(Finding.objects.values_list(*CONTENT))


def _others(keys: set[str]) -> list[Any]:
    return list(Finding.objects.exclude(rule__key__in=keys).values().order_by("pk"))


def _history_of_others(keys: set[str]) -> int:
    ids = Finding.objects.exclude(rule__key__in=keys).values("pk")
    return int(Finding.history.filter(id__in=ids).count())


@pytest.fixture
def baseline(portfolio: dict[str, Any], eager_celery: None) -> dict[str, Any]:
    nsfc = OrganisationFactory.create(
        name="National Natural Science Foundation of China", country="CN"
    )
    TieFactory.create(
        person=portfolio["co_pi"], organisation=nsfc, kind="funding", start_date=date(2025, 1, 1)
    )
    RoleFactory.create(project=portfolio["dod"], person=portfolio["co_pi"], role="co_pi")
    recheck_request(trigger="baseline", scope_key="all", today=TODAY)
    return portfolio


@pytest.mark.django_db(transaction=True)
def test_a_parameter_change_rewrites_only_its_rules_findings(baseline: dict[str, Any]) -> None:
    dod = baseline["dod"]
    assert Finding.objects.filter(project=dod).exclude(rule__key="R07").exists()
    others, history = _others({"R07"}), _history_of_others({"R07"})

    pack_parameter_set(parameter=PackParameter.objects.get(name="r07_lookback_years"), value=3)

    run = RecheckRun.objects.order_by("-pk").first()
    assert run is not None and run.scope["rules"] == ["R07"] and run.status == "done"
    assert run.findings_resolved == Finding.objects.filter(resolved_by_run=run).count() > 0
    # Other rules' rows on the same projects keep last_confirmed, run and every other column,
    # and get no history row.
    assert _others({"R07"}) == others
    assert _history_of_others({"R07"}) == history
    scoped = _content()
    recheck_request(trigger="full", scope_key="all", today=TODAY)
    assert _content() == scoped  # the same findings as a full re-check


@pytest.mark.django_db(transaction=True)
def test_retiring_a_rule_resolves_its_findings_and_leaves_the_rest(
    baseline: dict[str, Any],
) -> None:
    assert Finding.objects.filter(rule__key="R07", status="open").exists()
    others = _others({"R07"})
    version = RuleVersion.objects.get(rule__key="R07", status=RuleVersion.Status.PUBLISHED)

    rule_version_retire(version=version)

    assert not Finding.objects.filter(rule__key="R07", status="open").exists()
    assert _others({"R07"}) == others
    scoped = _content()
    recheck_request(trigger="full", scope_key="all", today=TODAY)
    assert _content() == scoped


@pytest.mark.django_db
def test_a_rule_scoped_compile_keeps_only_those_rules_and_their_tie_guards(
    portfolio: dict[str, Any],
) -> None:
    codes = ["current", "current_safe"]
    _s, full, full_filter = scenarios_compiled(codes)
    _s, only, only_filter = scenarios_compiled(codes, ["R07"])
    assert all({r.key for r in c.rules} <= {"R07"} for c, _v in only)
    assert any(r.key == "R07" for c, _v in only for r in c.rules)
    assert sum(len(c.rules) for c, _v in full) > sum(len(c.rules) for c, _v in only)
    assert only_filter is not None
    assert full_filter is None or len(only_filter.guards) < len(full_filter.guards)


@pytest.mark.django_db
def test_chunks_put_projects_of_a_shared_person_together(rules_loaded: None) -> None:
    busy, other = PersonFactory.create(), PersonFactory.create()
    projects = [ProjectFactory.create() for _ in range(12)]
    for i, project in enumerate(projects):
        RoleFactory.create(project=project, person=busy if i % 3 == 0 else other)
    ids = [p.pk for p in projects]

    chunks = chunks_plan(ids, 4)

    assert sorted(pk for c in chunks for pk in c) == sorted(ids) and len(chunks) == 3
    assert all(len(c) <= 4 for c in chunks)
    busy_ids = {p.pk for i, p in enumerate(projects) if i % 3 == 0}
    assert busy_ids in [set(c) for c in chunks]  # the 4 projects of one person share a chunk
    assert chunks_plan(ids, 4, every=True) == chunks  # a full run reads every role unfiltered
    assert chunks_plan(ids[:3], 4) == [sorted(ids[:3])] and chunks_plan([], 4) == []


@pytest.mark.parametrize(
    ("n", "size", "parallelism", "expected"),
    [
        (0, 1000, 2, 0),
        (1, 1000, 2, 1),  # one project: never split
        (80, 1000, 2, 1),  # below two chunks of MIN_CHUNK: one chunk
        (1948, 1000, 2, 2),  # one-rule change: both workers busy
        (2500, 1000, 2, 4),  # 3 chunks would leave one worker alone for the last round
        (100_000, 1000, 2, 100),
        (12, 4, 1, 3),  # chunks never exceed the size, whatever MIN_CHUNK says
    ],
)
def test_chunk_count_is_balanced_over_the_workers(
    n: int, size: int, parallelism: int, expected: int
) -> None:
    from compliance.services.recheck_plan import chunks_count

    assert chunks_count(n, size, parallelism) == expected


@pytest.mark.django_db
def test_chunks_are_equal_and_never_above_the_size(rules_loaded: None) -> None:
    projects = [ProjectFactory.create() for _ in range(130)]
    ids = [p.pk for p in projects]

    chunks = chunks_plan(ids, 100, 2)

    assert [len(c) for c in chunks] == [65, 65]
    assert sorted(pk for c in chunks for pk in c) == sorted(ids)
    assert all(len(c) <= 40 for c in chunks_plan(ids, 40, 2))


@pytest.mark.django_db
def test_list_matches_come_in_a_fixed_order_whatever_the_chunk(portfolio: dict[str, Any]) -> None:
    """Equal-score matches: the first is reported, so their order must not depend on which
    projects share a chunk (PostgreSQL returns an unordered scan's rows in any order)."""
    from rules.facts import matches_qs, project_facts_build

    orgs = [portfolio["hit"].pk, portfolio["megvii"].pk]
    assert matches_qs(orgs).query.order_by == ("pk",)
    dod = portfolio["dod"].pk
    alone = project_facts_build([dod])
    together = [
        f for f in project_facts_build([portfolio["climate"].pk, dod]) if f.project["id"] == dod
    ]
    assert any(t.matches for t in alone[0].ties)
    assert [t.matches for t in alone[0].ties] == [t.matches for t in together[0].ties]


def test_plan_order_sorts_by_people_busiest_first_then_id() -> None:
    """plan_order's flat integer keys give the order its docstring states, checked against
    that order spelled out with nested tuples on a random portfolio (people on many
    projects, people sharing projects, projects without anyone, duplicate roles)."""
    from compliance.services.recheck_plan import plan_order

    rng = random.Random(7)
    ids = list(range(1, 400))
    roles = [
        (project, rng.choice([rng.randint(1, 15), rng.randint(1, 300)]))
        for project in ids[:350]  # the last 49 projects have no one
        for _ in range(rng.randint(1, 4))
    ]
    load = Counter(person for _project, person in roles)
    people: dict[int, set[int]] = {}
    for project, person in roles:
        people.setdefault(project, set()).add(person)

    def spelled_out(pk: int) -> tuple[tuple[tuple[int, int], ...], int]:
        mine = sorted(people.get(pk, ()), key=lambda p: (-load[p], p))
        return tuple((-load[p], p) for p in mine), pk

    assert plan_order(ids, roles) == sorted(ids, key=spelled_out)
    assert plan_order(ids, []) == ids
    busiest = min(load, key=lambda p: (-load[p], p))
    first = plan_order(ids, roles)[49]  # after the projects without anyone
    assert busiest in people[first]
