"""Read the portfolio sheets of one XLSX workbook.

Formulas are read from the values Excel saved with them (``data_only``). A formula with no
saved value (a workbook written by a program that never calculated it) is refused naming its
cells, rather than read as an empty cell. A damaged file or one that is not a workbook is one
clear problem, never an exception.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from projects.importing.readers import SHEETS, ImportProblem, Table, cell_text
from projects.importing.report import ProblemLog

MSG_NOT_XLSX = "is not a readable XLSX workbook"
MSG_FORMULA_NO_VALUE = "hold formulas with no saved value"
FORMULA_HINT = (
    "open and save the workbook in Excel or LibreOffice (which stores the values), "
    "or paste the cells as values"
)
CELLS_NAMED = 20


def _open(source: BinaryIO | Path, *, data_only: bool) -> Any:
    from openpyxl import load_workbook

    if not isinstance(source, Path):
        source.seek(0)
    return load_workbook(source, read_only=True, data_only=data_only)


def _formula_cells(label: str, sheet: str, values: Any, formulas: Any) -> list[str]:
    """Cells (sheet!A1) holding a formula whose saved value is missing."""
    from openpyxl.utils import get_column_letter

    missing = []
    for row_no, (cached, written) in enumerate(
        zip(values.iter_rows(values_only=True), formulas.iter_rows(values_only=True), strict=False),
        start=1,
    ):
        for col_no, (value, formula) in enumerate(zip(cached, written, strict=False), start=1):
            if value is None and isinstance(formula, str) and formula.startswith("="):
                missing.append(f"{sheet}!{get_column_letter(col_no)}{row_no}")
    return missing


def _formula_problem(label: str, cells: list[str]) -> ImportProblem:
    named = ", ".join(cells[:CELLS_NAMED])
    more = f" and {len(cells) - CELLS_NAMED} more" if len(cells) > CELLS_NAMED else ""
    return ImportProblem(
        label, None, None, f"cells {named}{more} {MSG_FORMULA_NO_VALUE}; {FORMULA_HINT}"
    )


def _table(label: str, name: str, rows: Iterator[tuple[Any, ...]], problems: list[Any]) -> Table:
    header = next(rows, None)
    columns = [cell_text(h).lower() for h in header or ()]
    while columns and not columns[-1]:
        columns.pop()
    kept: list[tuple[int, dict[str, str]]] = []
    table = Table(name=name, file=label, columns=columns, rows=kept)
    for offset, values in enumerate(rows, start=2):
        texts = [cell_text(v) for v in values]
        if not any(texts):
            continue
        if any(texts[len(columns) :]):
            problems.append(ImportProblem(label, offset, None, "row has values beyond the header"))
            continue
        texts = texts[: len(columns)] + [""] * (len(columns) - len(texts))
        kept.append((offset, dict(zip(columns, texts, strict=True))))
    return table


def _read(source: BinaryIO | Path, file: str) -> tuple[dict[str, Table], list[ImportProblem]]:
    tables: dict[str, Table] = {}
    problems: list[ImportProblem] = ProblemLog()
    values = _open(source, data_only=True)
    formulas = _open(source, data_only=False)
    try:
        sheet_names = {s.strip().lower(): s for s in values.sheetnames}
        for name in SHEETS:
            if name not in sheet_names:
                continue
            title = sheet_names[name]
            label = f"{file}[{name}]"
            missing = _formula_cells(label, title, values[title], formulas[title])
            if missing:
                problems.append(_formula_problem(label, missing))
                continue  # its cells would read as empty: refuse, don't say "is required"
            rows = values[title].iter_rows(values_only=True)
            if (first := next(rows, None)) is None:
                problems.append(ImportProblem(label, None, None, "sheet is empty (no header row)"))
                continue
            tables[name] = _table(label, name, _chain(first, rows), problems)
    finally:
        values.close()
        formulas.close()
    if not tables and not problems:
        problems.append(
            ImportProblem(file, None, None, f"no sheet named any of {', '.join(SHEETS)}")
        )
    return tables, problems


def _chain(first: tuple[Any, ...], rest: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    yield first
    yield from rest


def read_xlsx(stream: BinaryIO | Path, file: str) -> tuple[dict[str, Table], list[ImportProblem]]:
    """The portfolio sheets of a workbook, and every problem found; never raises on content."""
    try:
        return _read(stream, file)
    except Exception as exc:
        reason = f"file {MSG_NOT_XLSX} (damaged, or another format renamed .xlsx): {exc}"
        return {}, [ImportProblem(file, None, None, reason)]
