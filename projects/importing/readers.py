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


def _cell_text(value: Any) -> str:
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


def read_csv_bytes(name: str, file: str, data: bytes) -> tuple[Table | None, list[ImportProblem]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [
            ImportProblem(
                file,
                line,
                None,
                f"file is not UTF-8 (byte 0x{data[exc.start]:02x} at line {line}); "
                "save it as UTF-8 CSV",
            )
        ]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return None, [ImportProblem(file, None, None, "file is empty (no header row)")]
    columns = [h.strip().lower() for h in header]
    table = Table(name=name, file=file, columns=columns)
    problems: list[ImportProblem] = []
    try:
        for values in reader:
            row_no = reader.line_num  # 1-based line of the row's last line; header is line 1
            if not any(v.strip() for v in values):
                continue
            if len(values) > len(columns):
                problems.append(
                    ImportProblem(
                        file,
                        row_no,
                        None,
                        f"row has {len(values)} fields but the header has {len(columns)}",
                    )
                )
                continue
            padded = values + [""] * (len(columns) - len(values))
            table.rows.append(
                (row_no, {c: v.strip() for c, v in zip(columns, padded, strict=True)})
            )
    except csv.Error as exc:
        problems.append(ImportProblem(file, reader.line_num, None, f"malformed CSV: {exc}"))
    return table, problems


def read_folder(path: Path) -> tuple[dict[str, Table], list[ImportProblem]]:
    tables: dict[str, Table] = {}
    problems: list[ImportProblem] = []
    for name in SHEETS:
        csv_path = path / f"{name}.csv"
        if not csv_path.exists():
            continue
        table, found = read_csv_bytes(name, csv_path.name, csv_path.read_bytes())
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


def read_xlsx(stream: BinaryIO | Path, file: str) -> tuple[dict[str, Table], list[ImportProblem]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as exc:
        return {}, [ImportProblem(file, None, None, f"not a readable XLSX workbook: {exc}")]
    tables: dict[str, Table] = {}
    problems: list[ImportProblem] = []
    try:
        sheet_names = {s.strip().lower(): s for s in workbook.sheetnames}
        for name in SHEETS:
            if name not in sheet_names:
                continue
            sheet = workbook[sheet_names[name]]
            rows = sheet.iter_rows(values_only=True)
            header = next(rows, None)
            label = f"{file}[{name}]"
            if header is None:
                problems.append(ImportProblem(label, None, None, "sheet is empty (no header row)"))
                continue
            columns = [_cell_text(h).lower() for h in header]
            while columns and not columns[-1]:
                columns.pop()
            table = Table(name=name, file=label, columns=columns)
            for offset, values in enumerate(rows, start=2):
                texts = [_cell_text(v) for v in values]
                if not any(texts):
                    continue
                extra = [t for t in texts[len(columns) :] if t]
                if extra:
                    problems.append(
                        ImportProblem(label, offset, None, "row has values beyond the header")
                    )
                    continue
                texts = texts[: len(columns)] + [""] * (len(columns) - len(texts))
                table.rows.append((offset, dict(zip(columns, texts, strict=True))))
            tables[name] = table
    finally:
        workbook.close()
    if not tables and not problems:
        problems.append(
            ImportProblem(file, None, None, f"no sheet named any of {', '.join(SHEETS)}")
        )
    return tables, problems


def read_source(path: Path) -> tuple[dict[str, Table], list[ImportProblem]]:
    if path.is_dir():
        return read_folder(path)
    if path.suffix.lower() == ".xlsx" and path.is_file():
        return read_xlsx(path, path.name)
    return {}, [
        ImportProblem(str(path), None, None, "expected a folder of CSV files or an .xlsx file")
    ]
