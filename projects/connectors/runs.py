"""Record a connector run: counts, rejected items with reasons, success or failure."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from projects.importing.report import max_problems
from projects.models import ImportRun


@dataclass
class RunReport:
    """What a run did, filled in by the connector while it runs."""

    counts: dict[str, int] = field(default_factory=dict)
    problems: list[dict[str, str]] = field(default_factory=list)
    problems_total: int = 0
    run: ImportRun | None = None

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def reject(self, item: str, reason: str) -> None:
        """An item (a file, a record) was not imported, and why."""
        self.count("rejected")
        self.problems_total += 1
        if len(self.problems) < max_problems():
            self.problems.append({"item": item, "reason": reason})


@contextmanager
def record_run(connector: str, source: str, *, user: Any = None) -> Iterator[RunReport]:
    """Open an ``ImportRun``, yield its report, and close it as completed or failed.

    A failure is recorded with its message and re-raised, so the caller still sees it.
    """
    run = ImportRun.objects.create(
        connector=connector, source=str(source)[:500], started_by=user if user else None
    )
    report = RunReport(run=run)
    try:
        yield report
    except BaseException as exc:
        _close(run, report, ImportRun.Status.FAILED, error=f"{type(exc).__name__}: {exc}")
        raise
    _close(run, report, ImportRun.Status.COMPLETED)


def _close(run: ImportRun, report: RunReport, status: str, *, error: str = "") -> None:
    run.status = status
    run.finished_at = timezone.now()
    run.counts = dict(report.counts)
    run.problems = list(report.problems)
    run.problems_total = report.problems_total
    run.error = error[:2000]
    run.save()
