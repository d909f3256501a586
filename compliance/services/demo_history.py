"""A demo with a past: evaluate the demo portfolio at dates over the last months, as if the
research office had brought its departments on board one after another (each batch checked
on the day it came on board; `manage.py evaluate` then re-checks the whole portfolio today),
so "findings over time", first-seen dates, resolutions and as-of reports show a history
rather than one spike on the day the demo was built. Each project is evaluated once in the
past and once today: the history costs about one more evaluation of the portfolio.

Demo only (`make demo`): the clock (django.utils.timezone.now) is set to each past date while
it evaluates, so every timestamp written — first seen, last confirmed, resolved at, the
findings' history rows (as-of reports) and the audit events — carries that date. Never run
it on real data: it writes findings dated in the past.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from unittest import mock

from compliance.services.evaluation import EvaluationCounts, portfolio_evaluate
from projects.models import Project
from rules.models import Scenario

DAYS_PER_MONTH = 30.44


@dataclass(frozen=True)
class HistoryStep:
    day: date
    projects: int  # projects evaluated on that day (the departments coming on board)
    new: int
    resolved: int


def history_dates(*, today: date, months: int, steps: int) -> list[date]:
    """`steps` evenly spaced dates within the last `months` months, oldest first: the middle
    of each of `steps` equal periods (so all fall inside the dashboard's 26-week chart)."""
    span = months * DAYS_PER_MONTH
    return [today - timedelta(days=round(span * (steps - i - 0.5) / steps)) for i in range(steps)]


@contextmanager
def clock_at(day: date) -> Iterator[None]:
    """timezone.now() returns noon UTC of `day` inside the block."""
    moment = datetime.combine(day, time(12), tzinfo=UTC)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def _onboarding_batches(steps: int) -> list[list[int]]:
    """Project ids in `steps` batches, department by department (alphabetical)."""
    ids = list(Project.objects.order_by("department", "pk").values_list("pk", flat=True))
    size = -(-len(ids) // steps) if ids else 1
    return [ids[i * size : (i + 1) * size] for i in range(steps)]


def demo_history_evaluate(*, today: date, months: int = 6, steps: int = 6) -> list[HistoryStep]:
    """Evaluate every scenario at `steps` past dates; at step i the i-th batch of projects
    comes on board. The evaluation of today is left to `manage.py evaluate`."""
    if steps < 1 or months < 1:
        return []
    batches = _onboarding_batches(steps)
    scenarios = list(Scenario.objects.order_by("position"))
    out: list[HistoryStep] = []
    for i, day in enumerate(history_dates(today=today, months=months, steps=steps)):
        batch = batches[i]
        total = EvaluationCounts()
        with clock_at(day):
            for scenario in scenarios:
                total.add(portfolio_evaluate(scenario=scenario, project_ids=batch, today=day))
        out.append(HistoryStep(day, len(batch), total.new, total.resolved))
    return out
