"""A hook for auditing bulk writes (which send no model signals).

The compliance app registers the recorder at start-up; projects never imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import models

EXCLUDED_FIELDS = {"password", "last_login", "trace", "updated_at"}


_PLAIN = frozenset({str, int, float, bool, type(None)})


def jsonable(value: Any) -> Any:
    if type(value) in _PLAIN:  # the common case first: audit snapshots are mostly plain
        return value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)  # Decimal, UUID, Country and other value objects


def snapshot(instance: models.Model) -> dict[str, Any]:
    """A model row as JSON-safe values, for before/after in the audit trail."""
    return {name: jsonable(getattr(instance, name)) for name in _snapshot_names(type(instance))}


_names: dict[type[models.Model], tuple[str, ...]] = {}


def _snapshot_names(model: type[models.Model]) -> tuple[str, ...]:
    found = _names.get(model)
    if found is None:
        found = _names[model] = tuple(
            f.attname for f in model._meta.concrete_fields if f.attname not in EXCLUDED_FIELDS
        )
    return found


@dataclass(frozen=True)
class BulkChange:
    action: str  # create | update
    instance: models.Model
    before: dict[str, Any] | None = None


_recorder: Callable[[list[BulkChange]], None] | None = None


def register(recorder: Callable[[list[BulkChange]], None]) -> None:
    global _recorder
    _recorder = recorder


def record(changes: list[BulkChange]) -> None:
    if _recorder is not None and changes:
        _recorder(changes)
