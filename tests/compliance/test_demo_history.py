"""A demo with a past: the demo portfolio brought on board department by department over
the last six months, each batch re-checked on its date, so "findings over time" shows a
history and as-of reports see what was known then."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from compliance.models import AuditEvent, Finding, RecheckRun
from compliance.portal.dashboard import findings_per_week
from compliance.services.demo_history import (
    demo_history_load,
    history_dates,
    tables_in_batches,
)
from projects.demo import build_demo_tables
from projects.models import Project
from rules.models import Scenario
from rules.services.lists import list_import
from rules.services.rulepacks import rules_load

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 28)


def test_history_dates_fall_within_the_last_six_months_oldest_first() -> None:
    days = history_dates(today=TODAY, months=6, steps=6)
    assert days == sorted(days) and len(set(days)) == 6
    assert days[0] == date(2026, 6, 14) and days[-1] == date(2026, 11, 13)


def test_batches_hold_every_row_once_and_each_is_importable_after_the_earlier_ones() -> None:
    tables = build_demo_tables(projects=40, seed=7)
    batches = tables_in_batches(tables, 4)
    assert len(batches) == 4
    for name, table in tables.items():
        rows = [n for b in batches for n, _r in b[name].rows]
        assert sorted(rows) == sorted(n for n, _r in table.rows), name
    people: set[str] = set()
    awards: set[str] = set()
    for batch in batches:
        people |= {r["email"] for _n, r in batch["people"].rows}
        awards |= {r["award_number"] for _n, r in batch["projects"].rows}
        assert {r["email"] for _n, r in batch["roles"].rows} <= people
        assert {r["award_number"] for _n, r in batch["roles"].rows} <= awards
        assert {r["email"] for _n, r in batch["ties"].rows} <= people
        assert {r["award_number"] for _n, r in batch["ties"].rows if r["award_number"]} <= awards


@pytest.mark.django_db(transaction=True)
def test_findings_runs_and_audit_events_carry_the_dates_departments_came_on_board(
    eager_celery: None, auditor: Any
) -> None:
    list_import(fmt="grantcheck-yaml", path=ROOT / "seeds" / "lists")
    list_import(
        fmt="csl-csv", path=ROOT / "seeds" / "lists" / "csl" / "csl_demo_sample_2023-11-30.csv"
    )
    rules_load(directory=ROOT / "seeds" / "rules")
    report, history = demo_history_load(today=TODAY, projects=60, seed=2026, steps=3)
    assert report.ok and len(history) == 3
    days = {s.day for s in history}
    assert sum(s.projects for s in history) == Project.objects.count() == 60
    first_seen = {f.first_seen.date() for f in Finding.objects.all()}
    assert first_seen and first_seen <= days and len(first_seen) >= 2
    assert {h.history_date.date() for h in Finding.history.all()} <= days
    created = AuditEvent.objects.filter(object_type="compliance.finding", action="create")
    assert created.exists() and {e.at.date() for e in created} <= days
    imports = RecheckRun.objects.filter(trigger="portfolio import")
    assert imports.count() == 3 and {r.created_at.date() for r in imports} == days
    _weeks, series = findings_per_week(
        user=auditor, scenarios=list(Scenario.objects.all()), today=TODAY
    )
    busy = {i for _name, counts in series for i, n in enumerate(counts) if n}
    assert len(busy) >= 2  # a history, not one spike
    # again: the portfolio exists, nothing is back-dated
    count = Finding.objects.count()
    out = io.StringIO()
    call_command("demo_history", "--projects", "60", stdout=out)
    assert "no history" in out.getvalue()
    assert Finding.objects.count() == count


@pytest.mark.django_db(transaction=True)
def test_the_demo_loads_every_list_the_rules_read_and_exercises_every_rule(
    eager_celery: None,
) -> None:
    """`make demo`: seed lists, the CSL demo sample, the rules, the demo with its history."""
    from compliance.services.evaluation import portfolio_evaluate
    from rules.coverage import rule_lists
    from rules.models import Rule, RuleVersion

    list_import(fmt="grantcheck-yaml", path=ROOT / "seeds" / "lists")
    list_import(
        fmt="csl-csv", path=ROOT / "seeds" / "lists" / "csl" / "csl_demo_sample_2023-11-30.csv"
    )
    list_import(fmt="advisory-csv", path=ROOT / "seeds" / "demo" / "advisory_demo_2026-06-01.csv")
    rules_load(directory=ROOT / "seeds" / "rules")
    coverage = rule_lists()
    assert all(not r.missing for r in coverage.values()), [
        r for r in coverage.values() if r.missing
    ]
    report, _history = demo_history_load(today=TODAY, projects=300, seed=2026, steps=6)
    assert report.ok
    for scenario in Scenario.objects.all():
        portfolio_evaluate(scenario=scenario, today=TODAY)
    # a modifier (R21) raises the severity of other findings: it has none of its own
    modifiers = {
        v.rule.key
        for v in RuleVersion.objects.filter(status="published").select_related("rule")
        if v.content.get("kind") == "modifier"
    }
    assert modifiers == {"R21"}
    fired = set(Finding.objects.values_list("rule__key", flat=True))
    assert set(Rule.objects.values_list("key", flat=True)) - modifiers - fired == set()
