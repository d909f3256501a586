"""A demo with a past: the demo portfolio is brought on board department by department over
the last months, each batch imported, field-tagged and re-checked on its own date, so
"findings over time", first-seen dates, re-check runs, resolutions and as-of reports show a
history rather than one spike on the day the demo was built. `manage.py evaluate` then
re-checks the whole portfolio today.

Demo only (`make demo`): the clock (django.utils.timezone.now) is set to each past date while
a batch is loaded, so every timestamp written then — created, first seen, last confirmed,
the findings' history rows (as-of reports), the audit events, the re-check runs — carries
that date. The re-checks the import and the tagging trigger run in-process (eager Celery,
the embedded default); with real workers they run later, at today's date, and the demo
simply has no past. Each project is evaluated about as often as without the history.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from unittest import mock

from django.db import transaction

from compliance.models import Finding
from projects.demo import build_demo_tables, demo_load, demo_users_ensure
from projects.importing import ImportReport, Table, portfolio_import_tables
from projects.models import Project
from rules.services.fields import projects_tag

DAYS_PER_MONTH = 30.44


@dataclass(frozen=True)
class HistoryStep:
    day: date
    departments: tuple[str, ...]
    projects: int  # projects that came on board that day
    findings: int  # findings first seen that day


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


def tables_in_batches(tables: dict[str, Table], steps: int) -> list[dict[str, Table]]:
    """The import tables split into `steps` batches by department (alphabetical), each batch
    importable once the earlier ones are in: a person comes with their first project, a
    role with its project, a tie with its person and (if project-scoped) its project;
    people on no project and their ties come last."""
    projects = [r for _n, r in tables["projects"].rows]
    departments = sorted({r.get("department", "") for r in projects})
    size = -(-len(departments) // steps) if departments else 1
    dept_batch = {d: i // size for i, d in enumerate(departments)}
    last = max(dept_batch.values(), default=0)
    award_batch = {r["award_number"]: dept_batch[r.get("department", "")] for r in projects}
    person_batch: dict[str, int] = {}
    for _n, r in tables["roles"].rows:
        b = award_batch.get(r["award_number"], last)
        person_batch[r["email"]] = min(person_batch.get(r["email"], b), b)

    def batch_of(name: str, row: dict[str, str]) -> int:
        if name in ("projects", "roles", "equipment", "foreign_components"):
            return award_batch.get(row["award_number"], last)
        if "email" not in row:  # our institution's facts: with the first batch
            return 0
        if name == "people":
            return person_batch.get(row["email"], last)
        person = person_batch.get(row["email"], last)
        return max(person, award_batch.get(row.get("award_number", ""), 0))

    out: list[dict[str, Table]] = []
    for i in range(last + 1):
        out.append(
            {
                name: Table(
                    name=t.name,
                    file=t.file,
                    columns=t.columns,
                    rows=[(n, r) for n, r in t.rows if batch_of(name, r) == i],
                )
                for name, t in tables.items()
            }
        )
    return out


def demo_history_load(
    *, today: date, projects: int = 300, seed: int = 2026, months: int = 6, steps: int = 6
) -> tuple[ImportReport, list[HistoryStep]]:
    """Load the demo portfolio (as load_demo does) with a history; a portfolio that exists
    already is loaded as load_demo would (today), with no history."""
    if Project.objects.exists() or steps < 1 or months < 1:
        return demo_load(projects=projects, seed=seed), []
    batches = tables_in_batches(build_demo_tables(projects=projects, seed=seed), steps)
    days = history_dates(today=today, months=months, steps=len(batches))
    history: list[HistoryStep] = []
    report = ImportReport()
    for day, batch in zip(days, batches, strict=True):
        with clock_at(day):
            with transaction.atomic():
                report = portfolio_import_tables(tables=batch)
                if not report.ok:
                    transaction.set_rollback(True)
                    return report, history
            ids = list(
                Project.objects.filter(
                    award_number__in=[r["award_number"] for _n, r in batch["projects"].rows]
                ).values_list("pk", flat=True)
            )
            projects_tag(project_ids=ids)
        departments = tuple(sorted({r.get("department", "") for _n, r in batch["projects"].rows}))
        seen = Finding.objects.filter(first_seen__date=day).count()
        history.append(HistoryStep(day, departments, len(ids), seen))
    demo_users_ensure()
    return report, history
