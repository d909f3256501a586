"""The import's extra sheets: each declares its columns, checks its rows into the plan
(row-level problems, as the core sheets) and writes them once every core sheet is written.

The service (projects.importing.service) calls `extras_plan` after planning its four core
sheets and `extras_apply` after writing them, in the same transaction: all rows or none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from projects.importing.readers import Table


@dataclass
class Context:
    """What an extra sheet's writer gets from the service."""

    dry_run: bool
    counts: dict[str, dict[str, int]]
    write: Callable[[Any, list[Any], list[Any], Any], None]  # bulk writes with history/audit
    diff: Callable[[Any, dict[str, Any]], bool]  # apply values, True when something changed
    touched: set[int] = field(default_factory=set)  # projects to re-check

    def tally(self, entity: str, created: int, changed: int, total: int) -> None:
        self.counts[entity] = {
            "created": created,
            "changed": changed,
            "unchanged": total - created - changed,
        }


@dataclass(frozen=True)
class Sheet:
    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    plan: Callable[[Any, Table], None]  # (the service's planner, the table)
    apply: Callable[[Any, Context], None]  # (the planner, the context)
    references: bool = False  # rows name projects (award_number) and people (email)


def registry() -> list[Sheet]:
    from projects.importing import sheets_institution, sheets_patents, sheets_projects

    return [*sheets_projects.SHEETS, *sheets_patents.SHEETS, *sheets_institution.SHEETS]


def extra_columns() -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    return {s.name: (s.required, s.optional) for s in registry()}


def extras_plan(planner: Any) -> None:
    for sheet in registry():
        table = planner.tables.get(sheet.name)
        if table is not None and planner.check_columns(table):
            sheet.plan(planner, table)


def extras_apply(planner: Any, context: Context) -> None:
    for sheet in registry():
        if planner.extras.get(sheet.name):
            sheet.apply(planner, context)
