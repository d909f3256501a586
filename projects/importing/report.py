"""The portfolio import report, with a bounded list of problems and their total count.

A file with hundreds of thousands of bad rows must not answer with a 100 MB report: only the
first ``GRANTCHECK_IMPORT_MAX_PROBLEMS`` problems are kept (in file order); the rest are counted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, SupportsIndex

from projects.importing.readers import ImportProblem

ENTITIES = ("projects", "people", "roles", "organisations", "ties")
DEFAULT_MAX_PROBLEMS = 200
MSG_MORE_PROBLEMS = "… and {count} more problem(s) not shown"


def max_problems() -> int:
    from django.conf import settings

    return int(getattr(settings, "GRANTCHECK_IMPORT_MAX_PROBLEMS", DEFAULT_MAX_PROBLEMS))


class ProblemLog(list[ImportProblem]):
    """A list that keeps the first ``limit`` problems; ``total`` counts every one added."""

    def __init__(self, items: Iterable[ImportProblem] = (), *, limit: int | None = None) -> None:
        super().__init__()
        self.limit = max_problems() if limit is None else limit
        self.total = 0
        self.extend(items)

    def append(self, problem: ImportProblem) -> None:
        self.total += 1
        if len(self) < self.limit:
            super().append(problem)

    def extend(self, problems: Iterable[ImportProblem]) -> None:
        items = list(problems) if not isinstance(problems, list) else problems
        hidden = problems.total - len(problems) if isinstance(problems, ProblemLog) else 0
        for problem in items:
            self.append(problem)
        self.total += hidden

    def insert(self, index: SupportsIndex, problem: ImportProblem) -> None:
        self.total += 1
        super().insert(index, problem)
        del self[self.limit :]

    @property
    def hidden(self) -> int:
        return self.total - len(self)


@dataclass
class ImportReport:
    problems: list[ImportProblem] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {e: {"created": 0, "changed": 0, "unchanged": 0} for e in ENTITIES}
    )
    dry_run: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.problems, ProblemLog):
            self.problems = ProblemLog(self.problems)

    @property
    def problem_count(self) -> int:
        problems = self.problems
        return problems.total if isinstance(problems, ProblemLog) else len(problems)

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "dry_run": self.dry_run,
            "written": self.ok and not self.dry_run,
            "problem_count": self.problem_count,
            "problems": [p.as_dict() for p in self.problems],
            "counts": self.counts,
        }

    def problem_lines(self) -> list[str]:
        """Every kept problem as text, and a last line counting those not shown."""
        lines = [str(p) for p in self.problems]
        hidden = self.problem_count - len(self.problems)
        if hidden:
            lines.append(MSG_MORE_PROBLEMS.format(count=hidden))
        return lines
