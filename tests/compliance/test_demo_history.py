"""A demo with a past: the portfolio evaluated at dates over the last six months, so the
dashboard's "findings over time" shows a history, and as-of reports see what was known."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from django.core.management import call_command

from compliance.models import AuditEvent, Finding
from compliance.portal.dashboard import findings_per_week
from compliance.services.demo_history import demo_history_evaluate, history_dates
from rules.models import Scenario
from tests.factories import TieFactory

TODAY = date(2026, 11, 28)


def test_history_dates_step_back_six_months_oldest_first() -> None:
    days = history_dates(today=TODAY, months=6, steps=6)
    assert len(days) == 6 and days == sorted(days)
    assert days[0] == date(2026, 6, 14) and days[-1] == date(2026, 11, 13)
    assert len(set(days)) == 6


@pytest.mark.django_db
def test_findings_are_first_seen_on_past_dates_as_departments_come_on_board(
    portfolio: dict[str, Any], auditor: Any
) -> None:
    # the climate project (on board second) gets a finding too: a co-author at a listed university
    TieFactory.create(
        person=portfolio["co_pi"],
        organisation=portfolio["hit"],
        kind="coauthorship",
        start_date=date(2024, 3, 1),
        end_date=date(2024, 3, 1),
    )
    steps = demo_history_evaluate(today=TODAY, months=6, steps=2)
    assert [s.projects for s in steps] == [1, 1]  # one department, then the other
    first_seen = {f.first_seen.date() for f in Finding.objects.all()}
    assert first_seen == {s.day for s in steps}
    climate = Finding.objects.filter(project=portfolio["climate"])
    assert climate.exists() and {f.first_seen.date() for f in climate} == {steps[1].day}
    assert all(f.last_confirmed == f.first_seen for f in Finding.objects.all())
    # the history rows and audit events carry the same past dates (as-of reports use them)
    assert {h.history_date.date() for h in Finding.history.all()} <= {s.day for s in steps}
    created = AuditEvent.objects.filter(object_type="compliance.finding", action="create")
    assert created.exists() and {e.at.date() for e in created} <= {s.day for s in steps}
    _weeks, series = findings_per_week(
        user=auditor, scenarios=list(Scenario.objects.all()), today=TODAY
    )
    busy_weeks = {i for _name, counts in series for i, n in enumerate(counts) if n}
    assert len(busy_weeks) == 2  # a history, not one spike


@pytest.mark.django_db
def test_demo_history_command_writes_once(portfolio: dict[str, Any]) -> None:
    out = io.StringIO()
    call_command("demo_history", "--steps", "2", stdout=out)
    assert "projects came on board" in out.getvalue()
    count = Finding.objects.count()
    assert count > 0
    again = io.StringIO()
    call_command("demo_history", stdout=again)
    assert "no demo history written" in again.getvalue()
    assert Finding.objects.count() == count
