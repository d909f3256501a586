"""A run's tie cache: each worker builds a person's ties once per run, the facts are the same
as without it, and a change requested mid-run empties it."""

from __future__ import annotations

import gc
import io
from datetime import date
from typing import Any

import pytest
from django.core.management import call_command

from compliance.models import Finding, RecheckChunk
from compliance.services import recheck
from compliance.services.recheck import recheck_chunk_execute
from projects.models import Organisation, Project
from rules import facts
from rules.engine import evaluate_scenarios
from rules.engine.prefilter import TieFilter
from rules.facts import project_facts_build
from rules.facts_ties import TieCache
from rules.models import Scenario
from rules.services.rulepacks import scenario_compile
from tests.compliance.conftest import TODAY, Driver
from tests.factories import (
    OrganisationFactory,
    PersonFactory,
    ProjectFactory,
    RoleFactory,
    TieFactory,
)


def _spy_ties(monkeypatch: pytest.MonkeyPatch) -> list[set[int]]:
    """The people whose ties each facts build asks the database for."""
    asked: list[set[int]] = []
    real = facts.ties_qs

    def spy(person_ids: Any, ids: Any, narrowing: Any = None) -> Any:
        asked.append(set(person_ids))
        return real(person_ids, ids, narrowing)

    monkeypatch.setattr(facts, "ties_qs", spy)
    return asked


@pytest.mark.django_db
def test_facts_built_chunk_by_chunk_with_a_cache_equal_the_facts_without(
    rules_loaded: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    call_command("load_demo", "--projects", "120", stdout=io.StringIO())
    ids = list(Project.objects.order_by("pk").values_list("pk", flat=True))
    # Someone on a project of the first chunk, with a tie scoped to a project of the last
    # chunk that they have no role on: the scoped tie must reach that project from the cache.
    first, last = Project.objects.get(pk=ids[0]), Project.objects.get(pk=ids[-1])
    traveller = PersonFactory.create(name="Zed Traveller")
    RoleFactory.create(project=first, person=traveller, role="co_pi")
    hit = Organisation.objects.get(name="Harbin Institute of Technology")  # listed (demo)
    scoped = TieFactory.create(
        person=traveller, organisation=hit, kind="visiting_at", project=last,
        start_date=date(2025, 1, 1), end_date=None,
    )  # fmt: skip
    call_command("screen_organisations", stdout=io.StringIO())
    compiled = [scenario_compile(scenario=s)[0] for s in Scenario.objects.order_by("position")]
    tie_filter = TieFilter.for_scenarios(compiled)
    chunks = [ids[i::3] for i in range(3)]  # interleaved: people recur across chunks
    asked = _spy_ties(monkeypatch)

    cache = TieCache().use(("run", 1), limit=1_000_000)
    cached = [project_facts_build(chunk, tie_filter, cache) for chunk in chunks]

    assert traveller.pk in cache.by_person and cache.size > len(cache.by_person)
    # Nobody's ties are asked for twice: later chunks ask only for people not yet cached.
    assert all(not (asked[i] & asked[j]) for i in range(3) for j in range(i))
    recurring = set().union(*asked[:2]) & {
        pid for chunk in chunks[2:] for f in project_facts_build(chunk) for pid in _people(f)
    }
    assert recurring  # the portfolio does have people on projects of several chunks
    for chunk, built in zip(chunks, cached, strict=True):
        assert built == project_facts_build(chunk, tie_filter)  # no cache: the same facts
        assert evaluate_scenarios(compiled, built, TODAY) == evaluate_scenarios(
            compiled, project_facts_build(chunk), TODAY
        )
    [last_facts] = [f for f in cached[(len(ids) - 1) % 3] if f.project["id"] == last.pk]
    assert scoped.pk in {t.tie["id"] for t in last_facts.ties}


def _people(project_facts: Any) -> set[int]:
    return {person["id"] for person, _role in project_facts.people}


@pytest.mark.django_db
def test_a_full_cache_keeps_nobody_more_and_the_facts_stay_the_same(
    rules_loaded: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    call_command("load_demo", "--projects", "60", stdout=io.StringIO())
    ids = list(Project.objects.order_by("pk").values_list("pk", flat=True))
    cache = TieCache().use(("run", 1), limit=5)
    asked = _spy_ties(monkeypatch)
    first = project_facts_build(ids[:30], None, cache)
    assert cache.size <= 5
    kept = set(cache.by_person)
    second = project_facts_build(ids[:30], None, cache)
    assert second == first == project_facts_build(ids[:30])
    assert asked[1] == asked[0] - kept  # the uncached are asked for again
    assert cache.use(("run", 2), limit=5).by_person == {}  # another run: emptied


@pytest.mark.django_db
def test_a_tie_changed_mid_run_is_not_served_from_the_cache(
    portfolio: dict[str, Any], driver: Driver, django_capture_on_commit_callbacks: Any
) -> None:
    pi = portfolio["pi"].person
    dod, visiting = portfolio["dod"], portfolio["visiting"]
    dod2 = ProjectFactory.create(sponsor="DOD", award_number="W911NF-25-1-0099")
    RoleFactory.create(project=dod2, person=pi, role="pi")
    run = driver.request(trigger="nightly", scope_key="all", today=TODAY, chunk_size=1)
    chunks = {c.project_ids[0]: c.pk for c in RecheckChunk.objects.filter(run=run)}

    recheck_chunk_execute(chunk_id=chunks[dod.pk])
    assert visiting.pk in _cached_ties(pi.pk)  # the PI's ties are cached for the run
    assert Finding.objects.filter(project=dod, rule__key="R07", status="open").exists()

    # The visiting appointment turns out to be at an unlisted university; the tie trigger
    # requests a re-check of the PI's projects (a newer run).
    sent = len(driver.sent)
    with django_capture_on_commit_callbacks(execute=True):
        visiting.organisation = OrganisationFactory.create(name="University of Toronto")
        visiting.save()
    assert len(driver.sent) > sent  # the newer run's chunks were enqueued (not run here)

    recheck_chunk_execute(chunk_id=chunks[dod2.pk])  # the older run goes on
    assert not Finding.objects.filter(project=dod2, rule__key="R07", status="open").exists()
    assert pi.pk in recheck.tie_cache().by_person  # cached again, from the changed tie,
    assert visiting.pk not in _cached_ties(pi.pk)  # which no rule can use any more


def _cached_ties(person_id: int) -> set[int]:
    return {entry[0]["id"] for entry in recheck.tie_cache().by_person.get(person_id, [])}


@pytest.mark.django_db
def test_the_chunk_task_pauses_the_collector_and_freezes_what_survives(
    portfolio: dict[str, Any], driver: Driver, monkeypatch: pytest.MonkeyPatch
) -> None:
    from compliance import tasks

    collector_on: list[bool] = []

    def execute(chunk_id: int, raise_transient: bool = False) -> str:
        collector_on.append(gc.isenabled())
        return recheck_chunk_execute(chunk_id=chunk_id, raise_transient=raise_transient)

    monkeypatch.setattr(tasks, "recheck_chunk_execute", execute)
    run = driver.request(trigger="nightly", scope_key="all", today=TODAY, chunk_size=1)
    try:
        assert tasks.recheck_chunk_task(driver.sent[0]) == "done"
        assert collector_on == [False] and gc.isenabled()  # paused during the chunk only
        assert gc.get_freeze_count() > 0  # the survivors (the tie cache) are frozen
        tie_filter = recheck.tie_cache().key[2]
        assert recheck._run_tie_cache(run, tie_filter).by_person  # the same run, the same cache
        assert gc.get_freeze_count() > 0  # the same run: still frozen
        newer = driver.request(trigger="tie changed", scope_key="person:1", today=TODAY)
        recheck._run_tie_cache(newer, None)
        assert gc.get_freeze_count() == 0  # a newer run: collectable again
    finally:
        gc.unfreeze()


def test_each_thread_has_its_own_tie_cache() -> None:
    """The embedded default runs chunks in request threads: one run's cache must not be
    emptied under another thread's build."""
    import threading

    other: list[TieCache] = []
    thread = threading.Thread(target=lambda: other.append(recheck.tie_cache()))
    thread.start()
    thread.join()
    assert recheck.tie_cache() is recheck.tie_cache()
    assert other and other[0] is not recheck.tie_cache()
