"""Read the four portfolio tables from a folder of CSV files or one XLSX workbook.

Readers never raise on bad content: every problem becomes an ImportProblem so
that the whole report can be shown at once.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from projects.importing.sheet_names import EXTRA_SHEET_NAMES
from projects.textcodec import TextEncodingError, TextLines

SHEETS = (
    "projects",
    "people",
    "roles",
    "ties",
    "training",
    "travel",
    "certifications",
    *EXTRA_SHEET_NAMES,
)


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
    # in memory (XLSX, demo data) or read again from the file on each pass (CSV)
    rows: Iterable[tuple[int, dict[str, str]]] = field(default_factory=list)


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


Row = tuple[int, dict[str, str]]


def _csv_records(stream: BinaryIO) -> Iterator[tuple[int, list[str]]]:
    """(line, fields) of every non-blank record, the header first; decoding as it goes."""
    reader = csv.reader(TextLines(stream))
    for values in reader:
        if any(v.strip() for v in values):
            yield reader.line_num, values  # 1-based line of the record's last line


class CsvRows:
    """A CSV table's data rows, read again from the file on each pass, never held in memory.

    The first pass (``read_csv_stream``) reported every problem; later passes skip the rows
    it refused and stop where it stopped.
    """

    def __init__(self, reopen: Callable[[], AbstractContextManager[BinaryIO]]) -> None:
        self._reopen = reopen

    def __iter__(self) -> Iterator[Row]:
        with self._reopen() as stream:
            records = _csv_records(stream)
            try:
                _line, header = next(records)
                columns = [h.strip().lower() for h in header]
                for row_no, values in records:
                    if len(values) <= len(columns):
                        padded = values + [""] * (len(columns) - len(values))
                        yield row_no, {c: v.strip() for c, v in zip(columns, padded, strict=True)}
            except (StopIteration, TextEncodingError, csv.Error):
                return


def _rewound(stream: BinaryIO) -> AbstractContextManager[BinaryIO]:
    stream.seek(0)
    return nullcontext(stream)


def read_csv_stream(
    name: str,
    file: str,
    stream: BinaryIO,
    reopen: Callable[[], AbstractContextManager[BinaryIO]] | None = None,
) -> tuple[Table | None, list[ImportProblem]]:
    """One CSV table (UTF-8, BOM or not, or UTF-16 with a BOM), checked in one streaming pass.

    The table's rows are read again from the file when the importer iterates them
    (``reopen``; by default the same stream, rewound), so a large file is never held whole.
    """
    from projects.importing.report import ProblemLog

    problems: list[ImportProblem] = ProblemLog()
    records = _csv_records(stream)
    line = 1
    try:
        first = next(records, None)
        if first is None:
            return None, [ImportProblem(file, None, None, "file is empty (no header row)")]
        columns = [h.strip().lower() for h in first[1]]
        for line, values in records:
            if len(values) > len(columns):
                reason = f"row has {len(values)} fields but the header has {len(columns)}"
                problems.append(ImportProblem(file, line, None, reason))
    except TextEncodingError as exc:
        return None, [ImportProblem(file, exc.line, None, exc.message)]
    except csv.Error as exc:
        problems.append(ImportProblem(file, line + 1, None, f"malformed CSV: {exc}"))
    rows = CsvRows(reopen or (lambda: _rewound(stream)))
    return Table(name=name, file=file, columns=columns, rows=rows), problems


def read_csv_bytes(name: str, file: str, data: bytes) -> tuple[Table | None, list[ImportProblem]]:
    return read_csv_stream(name, file, io.BytesIO(data))


def _opener(path: Path) -> Callable[[], AbstractContextManager[BinaryIO]]:
    def reopen() -> AbstractContextManager[BinaryIO]:
        return path.open("rb")

    return reopen


def read_folder(path: Path) -> tuple[dict[str, Table], list[ImportProblem]]:
    tables: dict[str, Table] = {}
    problems: list[ImportProblem] = []
    for name in SHEETS:
        csv_path = path / f"{name}.csv"
        if not csv_path.exists():
            continue
        with csv_path.open("rb") as stream:
            table, found = read_csv_stream(name, csv_path.name, stream, reopen=_opener(csv_path))
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
