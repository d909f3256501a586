"""A hook for auditing bulk writes (which send no model signals).

The compliance app registers the recorder at start-up; projects never imports it.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import models

EXCLUDED_FIELDS = {"password", "last_login", "trace", "updated_at"}


_PLAIN = frozenset({str, int, float, bool, type(None)})


def jsonable(value: Any) -> Any:
    kind = type(value)
    if kind in _PLAIN:  # the common case first: audit snapshots are mostly plain
        return value
    convert = _CONVERTERS.get(kind)
    if convert is None:
        convert = _CONVERTERS[kind] = _converter(kind)
    return convert(value)


def _as_is(value: Any) -> Any:
    return value


def _converter(kind: type) -> Callable[[Any], Any]:
    """How a value of this type becomes JSON-safe (looked up once per type: a re-check
    snapshots thousands of findings per chunk, each with dates, amounts and choices)."""
    if issubclass(kind, dict):
        return lambda value: {str(k): jsonable(v) for k, v in value.items()}
    if issubclass(kind, list | tuple | set | frozenset):
        return lambda value: [jsonable(v) for v in value]
    if issubclass(kind, datetime | date):
        return kind.isoformat
    if issubclass(kind, bool | int | float | str):  # choices (str enums) and the like
        return _as_is
    return str  # Decimal, UUID, Country and other value objects


_CONVERTERS: dict[type, Callable[[Any], Any]] = {}


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
        found = _names[model] = (names, attribute_reader(names))
    return found


def attribute_reader(names: Sequence[str]) -> Any:
    """A function obj -> the tuple of these attributes' values, read from the instance's
    __dict__ (a foreign key's id otherwise goes through its descriptor's Python __get__); an
    attribute not loaded (deferred) is read the usual way."""
    from_dict = operator.itemgetter(*names)
    by_attr = operator.attrgetter(*names)
    single = len(names) == 1

    def read(obj: Any) -> tuple[Any, ...]:
        try:
            found = from_dict(obj.__dict__)
        except KeyError:
            found = by_attr(obj)
        return (found,) if single else found

    return read


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
