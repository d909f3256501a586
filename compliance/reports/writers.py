"""Shared contract of the report writers: columns, sections, value coercion, neutralisation.

Every writer (CSV, XLSX, PDF) consumes the same :class:`Section` objects and goes through
:func:`coerce` so a value is typed the same way whatever the output format.

Typing policy (one rule for every format):

* A column's ``kind`` says what the values *should* be. :func:`coerce` turns a value into that
  type when it is unambiguous (``Decimal("-2.50")`` or the string ``"-2.50"`` in a ``money``
  column, a ``date`` or an ISO string in a ``date`` column, ...).
* A value that cannot be read as its column's kind (``"=1+1"`` in a ``money`` column, ``"n/a"``
  in a ``date`` column) is **not** dropped: it falls back to text, and text is always
  neutralised against formula injection.
* Typed numbers are never neutralised: ``-2`` in an ``int`` column stays ``-2`` (a spreadsheet
  reads it as a number, never as a formula). Only text can carry a formula.
* Aware datetimes are converted to UTC. XLSX cannot store a time zone, so XLSX datetimes are
  naive UTC; CSV keeps the ``+00:00`` offset.

This module is pure: no Django, no ORM. Rows are any ``Mapping[str, Any]`` (dicts built from
``QuerySet.values()`` / ``.iterator()`` are the intended source).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import Enum
from typing import Any, Final, Protocol

__all__ = [
    "KINDS",
    "NUMERIC_KINDS",
    "TRIGGER_CHARS",
    "BytesSink",
    "Column",
    "Section",
    "coerce",
    "format_money",
    "needs_neutralising",
    "neutralise",
    "to_text",
]

#: Column kinds understood by every writer.
KINDS: Final = frozenset({"text", "int", "money", "float", "date", "datetime", "bool"})
#: Kinds written as numbers (right-aligned in the PDF, numeric cells in XLSX).
NUMERIC_KINDS: Final = frozenset({"int", "money", "float"})
#: First characters that make a spreadsheet treat a text cell as a formula (OWASP list).
TRIGGER_CHARS: Final = frozenset({"=", "+", "-", "@", "\t", "\r"})

_CENT: Final = Decimal("0.01")


class BytesSink(Protocol):
    """Anything with ``write(bytes)``: an open binary file, ``io.BytesIO``, an ``HttpResponse``."""

    def write(self, data: bytes, /) -> object: ...


@dataclass(frozen=True)
class Column:
    """One output column.

    ``key`` is looked up in each row mapping (missing keys give an empty cell), ``title`` is the
    header text, ``kind`` one of :data:`KINDS`. ``width`` is an optional width hint in
    characters: XLSX uses it as the column width, the PDF as a relative column weight.
    """

    key: str
    title: str
    kind: str = "text"
    width: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}; expected one of {sorted(KINDS)}")
        if self.width is not None and self.width <= 0:
            raise ValueError("column width must be positive")


@dataclass
class Section:
    """A named table of rows: one CSV file, one XLSX sheet, one PDF table.

    ``name`` is the machine key (used in row counts and manifests), ``title`` the human label
    (sheet name, PDF heading). ``rows`` may be a lazy iterator and is consumed **once**: give
    each writer its own Section (or a fresh iterator) when exporting several formats.
    """

    name: str
    title: str
    columns: list[Column]
    rows: Iterable[Mapping[str, Any]]

    def __post_init__(self) -> None:
        if not self.columns:
            raise ValueError(f"section {self.name!r} has no columns")
        keys = [c.key for c in self.columns]
        if len(set(keys)) != len(keys):
            raise ValueError(f"section {self.name!r} has duplicate column keys")


def needs_neutralising(value: str) -> bool:
    """True when ``value`` would be read as a formula by a spreadsheet application."""
    return bool(value) and value[0] in TRIGGER_CHARS


def neutralise(value: str) -> str:
    """Prefix a single quote to text a spreadsheet would evaluate as a formula.

    ``"=HYPERLINK(...)"`` becomes ``"'=HYPERLINK(...)"``; ``"+1"``, ``"-2"``, ``"@SUM(A1)"``,
    ``"\\tx"`` and ``"\\rx"`` likewise. Other text (including an already quoted ``"'=x"``) is
    returned unchanged. Only apply this to text: typed numbers must not go through it.
    """
    return "'" + value if needs_neutralising(value) else value


def _plain(value: Any) -> Any:
    """Unwrap enums (``TextChoices`` and plain ``Enum``) to their value."""
    return value.value if isinstance(value, Enum) else value


def to_text(value: Any) -> str:
    """Text form of any value (before neutralisation): ISO dates, plain decimals, enum values."""
    value = _plain(value)
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return _utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo is not None else value


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:  # strict: "1,5" and "$3" are not numbers, they stay text
            result = Decimal(value.strip())
        except InvalidOperation:
            return None
    else:
        return None
    return result if result.is_finite() else None


def coerce(value: Any, kind: str) -> Any:
    """Turn ``value`` into the Python type of ``kind``, or into text when it is not one.

    Returns ``None`` for ``None``; ``int`` for ``int``; ``Decimal`` (any precision) for
    ``money``; finite ``float`` for ``float``; ``date`` for ``date``; ``datetime`` (UTC when
    aware) for ``datetime``; ``bool`` for ``bool``; otherwise ``str`` (not yet neutralised).
    """
    value = _plain(value)
    if value is None:
        return None
    if kind == "int":
        number = _decimal(value)
        if number is not None and number == number.to_integral_value():
            return int(number)
    elif kind == "money":
        number = _decimal(value)
        if number is not None:
            return number
    elif kind == "float":
        number = _decimal(value)
        if number is not None:
            as_float = float(number)
            if math.isfinite(as_float):
                return as_float
    elif kind == "date":
        if isinstance(value, datetime):
            return _utc(value).date()
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
    elif kind == "datetime":
        if isinstance(value, datetime):
            return _utc(value)
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day)
        if isinstance(value, str):
            try:
                return _utc(datetime.fromisoformat(value.strip()))
            except ValueError:
                pass
    elif kind == "bool" and isinstance(value, bool):
        return value
    return to_text(value)


def format_money(value: Decimal, *, symbol: str = "") -> str:
    """``Decimal`` rounded half-up to cents, no thousands separator unless ``symbol`` is given.

    ``format_money(Decimal("-2"))`` is ``"-2.00"``; with ``symbol="$"`` it is ``"-$2.00"`` and
    thousands are grouped (``"$1,234.50"``), the form used in the PDF.
    """
    cents = value.quantize(_CENT, rounding=ROUND_HALF_UP)
    if cents == 0:
        cents = abs(cents)  # no "-0.00"
    if not symbol:
        return format(cents, "f")
    sign = "-" if cents < 0 else ""
    return f"{sign}{symbol}{abs(cents):,.2f}"
