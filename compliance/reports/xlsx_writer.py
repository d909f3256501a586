"""XLSX export with openpyxl in write-only mode (rows go to a temp file; memory stays flat).

One sheet per section, bold header row, frozen header (``A2``), autofilter over the data,
typed cells:

* ``int`` -> integer cell (integers beyond 15 digits, which Excel cannot hold exactly, are
  written as text); ``float`` -> number; ``money`` -> number with the ``"$"#,##0.00`` format;
  ``date`` -> date cell (``yyyy-mm-dd``); ``datetime`` -> date-time cell
  (``yyyy-mm-dd hh:mm:ss``, naive UTC since Excel has no time zones); ``bool`` -> boolean.
* Text is always an explicit string cell, never a formula. Text a spreadsheet would evaluate
  (first character ``= + - @``, tab, CR) keeps its exact value and gets Excel's own
  "quote prefix" style (what Excel records when a user types ``'=...``): openpyxl reads it
  back as the literal text, Excel shows the text and keeps it text when the cell is edited.
  This is the XLSX form of :func:`neutralise`; no visible apostrophe is added to the data.
* Characters XML cannot carry (C0 controls other than tab/LF/CR, lone surrogates) become
  U+FFFD, and text longer than Excel's 32,767-character cell limit is truncated with a marker.

Sheets are named from the section titles (Excel rules: 31 characters, no ``[]:*?/\\``,
unique). A section with more rows than an Excel sheet holds continues on ``"<title> (2)"``...
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any, Final

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from compliance.reports.writers import Column, Section, coerce, needs_neutralising, to_text

__all__ = ["MAX_DATA_ROWS", "MONEY_FORMAT", "write_xlsx", "xlsx_sheet_title"]

#: Data rows per sheet: Excel's 1,048,576 rows minus the header.
MAX_DATA_ROWS: int = 1_048_575
MONEY_FORMAT: Final = '"$"#,##0.00'
DATE_FORMAT: Final = "yyyy-mm-dd"
DATETIME_FORMAT: Final = "yyyy-mm-dd hh:mm:ss"
_MAX_CELL_CHARS: Final = 32_767
_TRUNCATED: Final = " [truncated]"
_MAX_EXACT_INT: Final = 10**15
_ILLEGAL_XML: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_BAD_SHEET_CHARS: Final = re.compile(r"[\[\]:*?/\\]")
_DEFAULT_WIDTH: Final = {
    "text": 24.0,
    "int": 10.0,
    "money": 16.0,
    "float": 10.0,
    "date": 12.0,
    "datetime": 20.0,
    "bool": 8.0,
}
_HEADER_FONT: Final = Font(name="Calibri", size=11, bold=True)


def xlsx_sheet_title(title: str, taken: set[str]) -> str:
    """A valid sheet name for ``title``, unique (case-insensitively) among ``taken``."""
    base = _BAD_SHEET_CHARS.sub("_", _ILLEGAL_XML.sub("", title)).strip().strip("'") or "Sheet"
    base = base[:31]
    candidate, number = base, 1
    while candidate.lower() in taken:
        number += 1
        suffix = f" ({number})"
        candidate = base[: 31 - len(suffix)] + suffix
    taken.add(candidate.lower())
    return candidate


def _clean_text(text: str) -> str:
    text = _ILLEGAL_XML.sub("\ufffd", text)
    if len(text) > _MAX_CELL_CHARS:
        text = text[: _MAX_CELL_CHARS - len(_TRUNCATED)] + _TRUNCATED
    return text


def _text_cell(ws: WriteOnlyWorksheet, text: str, *, bold: bool = False) -> Any:
    text = _clean_text(text)
    if not bold and not needs_neutralising(text):
        return text  # plain string value: openpyxl writes it as a string cell
    cell = WriteOnlyCell(ws)
    cell.value = text
    cell.data_type = "s"  # never "f", even when the text starts with "="
    if needs_neutralising(text):
        cell.quotePrefix = True
    if bold:
        cell.font = _HEADER_FONT
    return cell


def _styled(ws: WriteOnlyWorksheet, value: Any, number_format: str) -> Cell:
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = number_format
    return cell


def _cell(ws: WriteOnlyWorksheet, value: Any, kind: str) -> Any:
    typed = coerce(value, kind)
    if typed is None or isinstance(typed, bool | float):
        return typed
    if isinstance(typed, int):
        return typed if abs(typed) < _MAX_EXACT_INT else _text_cell(ws, str(typed))
    if isinstance(typed, Decimal):
        return _styled(ws, typed, MONEY_FORMAT)
    if isinstance(typed, datetime):
        return _styled(ws, typed.replace(tzinfo=None), DATETIME_FORMAT)
    if isinstance(typed, date):
        return _styled(ws, typed, DATE_FORMAT)
    return _text_cell(ws, to_text(typed))


def _new_sheet(wb: Workbook, title: str, columns: Sequence[Column]) -> WriteOnlyWorksheet:
    ws = wb.create_sheet(title=title)
    assert isinstance(ws, WriteOnlyWorksheet)
    for index, column in enumerate(columns, start=1):
        width = column.width or max(_DEFAULT_WIDTH[column.kind], min(len(column.title) + 2, 40))
        # column_dimensions/auto_filter exist at runtime (Worksheet._setup) but not in the stubs
        ws.column_dimensions[get_column_letter(index)].width = width  # type: ignore[attr-defined]
    ws.freeze_panes = "A2"  # must be set before the first row is written
    ws.append([_text_cell(ws, column.title, bold=True) for column in columns])
    return ws


def _finish(ws: WriteOnlyWorksheet, columns: Sequence[Column], data_rows: int) -> None:
    last = get_column_letter(len(columns))
    ws.auto_filter.ref = f"A1:{last}{data_rows + 1}"  # type: ignore[attr-defined]


def _sheet_titles(base: str, taken: set[str]) -> Iterator[str]:
    yield xlsx_sheet_title(base, taken)
    part = 1
    while True:
        part += 1
        yield xlsx_sheet_title(f"{base[:24]} ({part})", taken)


def write_xlsx(sections: Sequence[Section], stream: IO[bytes]) -> dict[str, int]:
    """Write one sheet per section to ``stream``; return the number of data rows per section.

    Rows are consumed lazily and streamed to openpyxl's temporary sheet files, so memory does
    not grow with the number of rows.
    """
    if not sections:
        raise ValueError("an XLSX export needs at least one section")
    wb = Workbook(write_only=True)
    taken: set[str] = set()
    counts: dict[str, int] = {}
    for section in sections:
        columns = list(section.columns)
        keys = [(column.key, column.kind) for column in columns]
        titles = _sheet_titles(section.title, taken)
        ws = _new_sheet(wb, next(titles), columns)
        total = on_sheet = 0
        for row in section.rows:
            if on_sheet == MAX_DATA_ROWS:
                _finish(ws, columns, on_sheet)
                ws = _new_sheet(wb, next(titles), columns)
                on_sheet = 0
            ws.append([_cell(ws, row.get(key), kind) for key, kind in keys])
            on_sheet += 1
            total += 1
        _finish(ws, columns, on_sheet)
        counts[section.name] = counts.get(section.name, 0) + total
    wb.save(stream)
    return counts
