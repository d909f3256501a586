"""A hook for auditing bulk writes (which send no model signals).

The compliance app registers the recorder at start-up; projects never imports it.
"""

from __future__ import annotations

import operator
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
    names, read = _readers(type(instance))
    plain = _PLAIN
    return {
        name: value if type(value) in plain else jsonable(value)
        for name, value in zip(names, read(instance), strict=True)
    }


_names: dict[type[models.Model], tuple[tuple[str, ...], Any]] = {}


def _readers(model: type[models.Model]) -> tuple[tuple[str, ...], Any]:
    """The audited attribute names of a model and one getter returning all their values (the
    re-check snapshots thousands of findings per chunk)."""
    found = _names.get(model)
    if found is None:
        names = tuple(
            f.attname for f in model._meta.concrete_fields if f.attname not in EXCLUDED_FIELDS
        )
        getter = operator.attrgetter(*names)
        read = getter if len(names) > 1 else (lambda obj: (getter(obj),))
        found = _names[model] = (names, read)
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
