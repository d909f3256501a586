"""Streaming RFC 4180 CSV (UTF-8, CRLF, optional BOM for Excel), formula-injection safe.

Cells are rendered by kind (see :mod:`compliance.reports.writers`):

* ``int`` -> ``-2``; ``money`` -> ``-2.00`` (half-up to cents, no symbol, no grouping);
  ``float`` -> shortest round-trip repr; ``date`` -> ``2026-11-28``; ``datetime`` ->
  ISO 8601 (UTC ``+00:00`` when aware); ``bool`` -> ``true``/``false``; ``None`` -> empty.
* Typed numbers are written as is and never prefixed: a spreadsheet parses ``-2.00`` as a
  number, not a formula.
* Everything else is text and goes through :func:`neutralise` (header titles included), so
  ``=HYPERLINK(...)``, ``+1``, ``-2`` *as text*, ``@SUM(A1)`` and tab/CR-led values get a
  leading ``'``. A value that does not parse as its column's kind is text too.

:func:`csv_chunks` yields encoded chunks of about 64 KiB (plug it into Django's
``StreamingHttpResponse``); nothing but the current chunk is held in memory.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Generator
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

from compliance.reports.writers import BytesSink, Section, coerce, format_money, neutralise

__all__ = ["CHUNK_SIZE", "csv_cell", "csv_chunks", "write_csv"]

#: Approximate size (characters) of each chunk yielded by :func:`csv_chunks`.
CHUNK_SIZE: Final = 64 * 1024
_BOM: Final = "\ufeff".encode()


def csv_cell(value: Any, kind: str) -> str:
    """The CSV text of one value of a column of ``kind`` (neutralised when it is text)."""
    # fast paths for the common exact types (same results as the general path below)
    value_type = type(value)
    if value is None:
        return ""
    if value_type is str and kind == "text":
        return neutralise(value)
    if value_type is int and kind == "int":
        return repr(value)
    if value_type is Decimal and kind == "money" and value.is_finite():
        return format_money(value)
    typed = coerce(value, kind)
    if typed is None:
        return ""
    if isinstance(typed, bool):
        return "true" if typed else "false"
    if isinstance(typed, int | float):
        return repr(typed)
    if isinstance(typed, Decimal):
        return format_money(typed)
    if isinstance(typed, datetime | date):
        return typed.isoformat()
    return neutralise(typed)


class _Counter:
    __slots__ = ("rows",)

    def __init__(self) -> None:
        self.rows = 0


def _chunks(section: Section, bom: bool, counter: _Counter) -> Generator[bytes, None, None]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    columns = [(column.key, column.kind) for column in section.columns]
    writer.writerow([neutralise(column.title) for column in section.columns])
    if bom:
        yield _BOM
    for row in section.rows:
        writer.writerow([csv_cell(row.get(key), kind) for key, kind in columns])
        counter.rows += 1
        if buffer.tell() >= CHUNK_SIZE:
            yield buffer.getvalue().encode("utf-8", errors="replace")
            buffer.seek(0)
            buffer.truncate(0)
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8", errors="replace")


def csv_chunks(section: Section, *, bom: bool = False) -> Generator[bytes, None, None]:
    """Yield the CSV (header first) as UTF-8 byte chunks, consuming ``section.rows`` lazily.

    ``bom=True`` starts the output with a UTF-8 byte-order mark so Excel detects the encoding.
    Lone surrogates (invalid UTF-8) are replaced with ``?``.
    """
    return _chunks(section, bom, _Counter())


def write_csv(section: Section, stream: BytesSink, *, bom: bool = False) -> int:
    """Write the CSV to ``stream`` chunk by chunk; return the number of data rows written."""
    counter = _Counter()
    for chunk in _chunks(section, bom, counter):
        stream.write(chunk)
    return counter.rows
