"""Read the four portfolio tables from a folder of CSV files or one XLSX workbook.

Readers never raise on bad content: every problem becomes an ImportProblem so
that the whole report can be shown at once.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from projects.textcodec import TextEncodingError, TextLines

SHEETS = ("projects", "people", "roles", "ties")


@dataclass(frozen=True)
class ImportProblem:
    file: str
    row: int | None
    column: str | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "row": self.row, "column": self.column, "reason": self.reason}

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.reason}"


@dataclass
class Table:
    name: str
    file: str
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(Decimal(repr(value))) if not value.is_integer() else str(int(value))
    return str(value).strip()


def read_csv_stream(
    name: str, file: str, stream: BinaryIO
) -> tuple[Table | None, list[ImportProblem]]:
    """One CSV table read line by line: UTF-8 (BOM or not) or UTF-16 with a BOM."""
    from projects.importing.report import ProblemLog

    problems: list[ImportProblem] = ProblemLog()
    try:
        lines = TextLines(stream)
        reader = csv.reader(lines)
        header = next(reader, None)
        if header is None:
            return None, [ImportProblem(file, None, None, "file is empty (no header row)")]
        columns = [h.strip().lower() for h in header]
        table = Table(name=name, file=file, columns=columns)
        for values in reader:
            row_no = reader.line_num  # 1-based line of the row's last line; header is line 1
            if not any(v.strip() for v in values):
                continue
            if len(values) > len(columns):
                reason = f"row has {len(values)} fields but the header has {len(columns)}"
                problems.append(ImportProblem(file, row_no, None, reason))
                continue
            padded = values + [""] * (len(columns) - len(values))
            table.rows.append(
                (row_no, {c: v.strip() for c, v in zip(columns, padded, strict=True)})
            )
    except TextEncodingError as exc:
        return None, [ImportProblem(file, exc.line, None, exc.message)]
    except csv.Error as exc:
        problems.append(ImportProblem(file, reader.line_num, None, f"malformed CSV: {exc}"))
    return table, problems


def read_csv_bytes(name: str, file: str, data: bytes) -> tuple[Table | None, list[ImportProblem]]:
    return read_csv_stream(name, file, io.BytesIO(data))


def read_folder(path: Path) -> tuple[dict[str, Table], list[ImportProblem]]:
    tables: dict[str, Table] = {}
    problems: list[ImportProblem] = []
    for name in SHEETS:
        csv_path = path / f"{name}.csv"
        if not csv_path.exists():
            continue
        with csv_path.open("rb") as stream:
            table, found = read_csv_stream(name, csv_path.name, stream)
        problems.extend(found)
        if table is not None:
            tables[name] = table
    if not tables and not problems:
        problems.append(
            ImportProblem(
                str(path), None, None, f"no {', '.join(s + '.csv' for s in SHEETS)} in this folder"
            )
        )
    return tables, problems


def read_source(path: Path) -> tuple[dict[str, Table], list[ImportProblem]]:
    if path.is_dir():
        return read_folder(path)
    if path.suffix.lower() == ".xlsx" and path.is_file():
        from projects.importing.xlsx import read_xlsx

        return read_xlsx(path, path.name)
    return {}, [
        ImportProblem(str(path), None, None, "expected a folder of CSV files or an .xlsx file")
    ]
