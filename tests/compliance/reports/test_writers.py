"""Report writers: CSV / XLSX / PDF round-trips, formula neutralisation, manifest, streaming.

Pure tests: no database, no Django request cycle.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tracemalloc
import zipfile
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.cell.cell import Cell
from pypdf import PdfReader

from compliance.reports import (
    Column,
    Manifest,
    Section,
    coerce,
    csv_chunks,
    neutralise,
    sha256_chunks,
    sha256_file,
    transliterate,
    write_csv,
    write_pdf,
    write_xlsx,
    xlsx_writer,
)
from compliance.reports.pdf_fonts import ReportFonts

HYPERLINK = '=HYPERLINK("http://x","y")'
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

COLUMNS = [
    Column("scenario", "Scenario"),
    Column("organisation", "Organisation"),
    Column("person", "Person"),
    Column("amount", "Amount (USD)", "money"),
    Column("score", "Match score", "float"),
    Column("hits", "Hits", "int"),
    Column("first_seen", "First seen", "date"),
    Column("last_confirmed", "Last confirmed", "datetime"),
    Column("explanation", "Explanation", width=40),
]


def finding(index: int, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "scenario": "Foreign talent programme",
        "organisation": f"Org {index}",
        "person": f"Person {index}",
        "amount": Decimal("1234.50") + index,
        "score": 0.875,
        "hits": index,
        "first_seen": date(2026, 1, 2),
        "last_confirmed": datetime(2026, 11, 28, 10, 30, tzinfo=UTC),
        "explanation": f"Row {index} explanation",
    }
    row.update(overrides)
    return row


def section(rows: list[dict[str, Any]] | Iterator[Mapping[str, Any]], **kw: Any) -> Section:
    return Section(
        name=kw.get("name", "findings"),
        title=kw.get("title", "Findings register"),
        columns=kw.get("columns", COLUMNS),
        rows=rows,
    )


def read_csv(data: bytes, *, encoding: str = "utf-8") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(encoding), newline="")))


# --------------------------------------------------------------------------- neutralise


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (HYPERLINK, "'" + HYPERLINK),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Acme = Corp", "Acme = Corp"),
        ("'=already quoted", "'=already quoted"),
        ("", ""),
        ("王伟", "王伟"),
    ],
)
def test_neutralise(value: str, expected: str) -> None:
    assert neutralise(value) == expected


def test_column_kind_is_validated() -> None:
    with pytest.raises(ValueError, match="unknown column kind"):
        Column("x", "X", "currency")
    with pytest.raises(ValueError, match="duplicate"):
        Section("s", "S", [Column("a", "A"), Column("a", "B")], [])


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (Decimal("-2.5"), "money", Decimal("-2.5")),
        ("-2.50", "money", Decimal("-2.50")),
        ("=1+1", "money", "=1+1"),
        ("1,5", "int", "1,5"),
        (-2, "int", -2),
        (Decimal("3"), "int", 3),
        (float("nan"), "float", "nan"),
        ("2026-01-02", "date", date(2026, 1, 2)),
        ("n/a", "date", "n/a"),
        (datetime(2026, 1, 2, 12, tzinfo=timezone(timedelta(hours=-5))), "datetime", None),
        (True, "int", "true"),
        (None, "money", None),
    ],
)
def test_coerce(value: Any, kind: str, expected: Any) -> None:
    if kind == "datetime":
        assert coerce(value, kind) == datetime(2026, 1, 2, 17, tzinfo=UTC)
    else:
        assert coerce(value, kind) == expected


# --------------------------------------------------------------------------- CSV


def test_csv_round_trip_quotes_commas_newlines_unicode() -> None:
    rows = [
        finding(1, organisation='Acme, "Global" Ltd', explanation="line one\nline two\r\nthree"),
        finding(2, person="王伟", organisation="Université Côte d\u2019Azur"),
        finding(3, amount=None, score=None, first_seen=None, explanation=""),
    ]
    out = io.BytesIO()
    assert write_csv(section(rows), out) == 3
    data = out.getvalue()
    assert not data.startswith(b"\xef\xbb\xbf")
    assert data.endswith(b"\r\n")
    parsed = read_csv(data)
    assert parsed[0] == [column.title for column in COLUMNS]
    assert parsed[1][1] == 'Acme, "Global" Ltd'
    assert parsed[1][8] == "line one\nline two\r\nthree"
    assert parsed[1][3:8] == ["1235.50", "0.875", "1", "2026-01-02", "2026-11-28T10:30:00+00:00"]
    assert parsed[2][1:3] == ["Université Côte d\u2019Azur", "王伟"]
    assert parsed[3][3:5] == ["", ""]
    assert parsed[3][6] == ""
    assert len(parsed) == 4


def test_csv_bom_option() -> None:
    out = io.BytesIO()
    write_csv(section([finding(1, person="李娜")]), out, bom=True)
    data = out.getvalue()
    assert data.startswith(b"\xef\xbb\xbf")
    parsed = read_csv(data, encoding="utf-8-sig")
    assert parsed[0][0] == "Scenario"
    assert parsed[1][2] == "李娜"


def test_csv_neutralises_text_but_not_numbers() -> None:
    rows = [
        finding(
            1,
            organisation=HYPERLINK,
            person="+1",
            scenario="-2",
            explanation="@SUM(A1)",
            amount=Decimal("-2.50"),
            hits=-2,
            score=-0.5,
        ),
        finding(2, organisation="\tTabbed", person="\rReturn", amount="=1+1", hits="-3"),
    ]
    out = io.BytesIO()
    write_csv(section(rows), out)
    parsed = read_csv(out.getvalue())
    first, second = parsed[1], parsed[2]
    assert first[:3] == ["'-2", "'" + HYPERLINK, "'+1"]
    assert first[8] == "'@SUM(A1)"
    assert first[3:6] == ["-2.50", "-0.5", "-2"]  # typed numbers are never prefixed
    assert second[1:3] == ["'\tTabbed", "'\rReturn"]
    assert second[3] == "'=1+1"  # not a number: falls back to neutralised text
    assert second[5] == "-3"  # a string that is a valid int is written as the number


def test_csv_header_titles_are_neutralised() -> None:
    columns = [Column("a", "=cmd|' /C calc'!A0"), Column("b", "Amount", "money")]
    out = io.BytesIO()
    write_csv(Section("s", "S", columns, [{"a": "x", "b": 1}]), out)
    assert read_csv(out.getvalue())[0] == ["'=cmd|' /C calc'!A0", "Amount"]


def test_csv_chunks_match_write_csv_and_split_large_output() -> None:
    rows = [finding(i) for i in range(5_000)]
    chunks = list(csv_chunks(section(iter(rows)), bom=True))
    out = io.BytesIO()
    assert write_csv(section(iter(rows)), out, bom=True) == 5_000
    assert b"".join(chunks) == out.getvalue()
    assert len(chunks) > 3
    assert all(len(chunk) < 200_000 for chunk in chunks)
    assert sha256_chunks(chunks) == hashlib.sha256(out.getvalue()).hexdigest()


def test_csv_chunks_consume_rows_lazily() -> None:
    consumed = 0

    def rows() -> Iterator[dict[str, Any]]:
        nonlocal consumed
        for index in range(100_000):
            consumed += 1
            yield finding(index)

    chunks = csv_chunks(section(rows()))
    first = next(chunks)
    assert first.startswith(b"Scenario,")
    assert consumed < 5_000  # the first chunk went out long before the last row was read
    chunks.close()


def test_csv_streaming_memory_stays_flat() -> None:
    columns = [COLUMNS[1], COLUMNS[2], COLUMNS[3], COLUMNS[5]]

    def rows() -> Iterator[dict[str, Any]]:
        for index in range(200_000):
            yield {
                "organisation": f"Organisation number {index}",
                "person": "王伟",
                "amount": Decimal(index) / 100,
                "hits": index,
            }

    total = 0
    tracemalloc.start()
    try:
        for chunk in csv_chunks(Section("big", "Big", columns, rows())):
            total += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total > 9_000_000  # ~9.5 MB went through...
    assert peak < 3 * 1024 * 1024  # ...while never holding more than a few chunks


# --------------------------------------------------------------------------- XLSX


def as_cell(cell: object) -> Cell:
    assert isinstance(cell, Cell)
    return cell


def xlsx_book(*sections: Section) -> tuple[openpyxl.Workbook, dict[str, int]]:
    out = io.BytesIO()
    counts = write_xlsx(list(sections), out)
    out.seek(0)
    return openpyxl.load_workbook(out), counts


def test_xlsx_typed_cells_frozen_header_autofilter_one_sheet_per_section() -> None:
    decisions = Section(
        "decisions",
        "Decisions log",
        [Column("decided_on", "Decided on", "date"), Column("note", "Note")],
        iter([{"decided_on": date(2026, 3, 4), "note": "cleared"}]),
    )
    rows = [finding(1, person="王伟", amount=Decimal("-2.50"), hits=-2), finding(2)]
    wb, counts = xlsx_book(section(rows), decisions)
    assert counts == {"findings": 2, "decisions": 1}
    assert wb.sheetnames == ["Findings register", "Decisions log"]
    ws = wb["Findings register"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:I3"
    assert [cell.value for cell in ws[1]] == [column.title for column in COLUMNS]
    assert all(cell.font.b for cell in ws[1])
    row = {column.key: as_cell(cell) for column, cell in zip(COLUMNS, ws[2], strict=True)}
    assert row["person"].value == "王伟"
    assert row["amount"].data_type == "n"
    assert row["amount"].value == pytest.approx(-2.5)
    assert "$" in row["amount"].number_format and "0.00" in row["amount"].number_format
    assert row["hits"].value == -2 and isinstance(row["hits"].value, int)
    assert row["score"].value == pytest.approx(0.875)
    first_seen = row["first_seen"].value
    assert row["first_seen"].is_date and isinstance(first_seen, datetime)
    assert first_seen.date() == date(2026, 1, 2)
    assert row["last_confirmed"].is_date
    assert row["last_confirmed"].value == datetime(2026, 11, 28, 10, 30)  # naive UTC
    other = wb["Decisions log"]
    assert other.freeze_panes == "A2"
    assert other.auto_filter.ref == "A1:B2"
    assert as_cell(other["A2"]).is_date


def test_xlsx_formula_text_is_literal_text_never_a_formula() -> None:
    rows = [
        finding(1, organisation=HYPERLINK, person="+1", scenario="-2", explanation="@SUM(A1)"),
        finding(2, organisation="\tTabbed", amount="=1+1"),
    ]
    wb, _ = xlsx_book(section(rows))
    ws = wb.active
    assert ws is not None
    cells = [ws["B2"], ws["C2"], ws["A2"], ws["I2"], ws["B3"], ws["D3"]]
    expected = [HYPERLINK, "+1", "-2", "@SUM(A1)", "\tTabbed", "=1+1"]
    assert [cell.value for cell in cells] == expected
    for cell in cells:
        assert cell.data_type == "s"  # not "f"
        assert cell.quotePrefix  # Excel's own "typed with a leading '" marker
    assert ws["B3"].value == "\tTabbed"
    assert ws["E2"].value == pytest.approx(0.875)  # numbers are untouched


def test_xlsx_formula_not_in_sheet_xml() -> None:
    out = io.BytesIO()
    write_xlsx([section([finding(1, organisation=HYPERLINK)])], out)
    with zipfile.ZipFile(out) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet
    assert '<t>=HYPERLINK("http://x","y")</t>' in sheet  # an inline string


def test_xlsx_cleans_illegal_characters_and_sheet_names() -> None:
    first = section(
        [finding(1, explanation="bell\x07 and nul\x00")], title="Exposure: by [sponsor]?"
    )
    second = section([finding(2)], name="again", title="Exposure: by [sponsor]?")
    wb, counts = xlsx_book(first, second)
    assert counts == {"findings": 1, "again": 1}
    assert wb.sheetnames == ["Exposure_ by _sponsor__", "Exposure_ by _sponsor__ (2)"]
    assert wb.worksheets[0]["I2"].value == "bell\ufffd and nul\ufffd"


def test_xlsx_rows_beyond_sheet_limit_continue_on_next_sheet(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(xlsx_writer, "MAX_DATA_ROWS", 3)
    wb, counts = xlsx_book(section(iter([finding(i) for i in range(7)])))
    assert counts == {"findings": 7}
    assert wb.sheetnames == ["Findings register", "Findings register (2)", "Findings register (3)"]
    assert [ws.max_row for ws in wb.worksheets] == [4, 4, 2]
    assert wb.worksheets[2]["B2"].value == "Org 6"
    assert all(ws.freeze_panes == "A2" for ws in wb.worksheets)


def test_xlsx_empty_section_has_header_only() -> None:
    wb, counts = xlsx_book(section([]))
    assert counts == {"findings": 0}
    ws = wb.active
    assert ws is not None
    assert ws.max_row == 1
    assert ws.auto_filter.ref == "A1:I1"


# --------------------------------------------------------------------------- PDF


def pdf_text(data: bytes) -> tuple[str, list[str]]:
    reader = PdfReader(io.BytesIO(data))
    pages = [_extracted(page.extract_text()) for page in reader.pages]
    return "\n".join(pages), pages


def _extracted(text: str) -> str:
    # pypdf reads the CJK font's two-byte codes as a NUL and the character (pdftotext doesn't)
    return text.replace("\x00", "")


def make_manifest(**overrides: Any) -> Manifest:
    values: dict[str, Any] = {
        "kind": "findings",
        "format": "pdf",
        "filters": {"sponsor": "NIH", "department": ["Physics", "Chemistry"]},
        "as_of": "2026-11-28",
        "generated_by": "auditor@univ.edu",
        "generated_at": "2026-11-28T09:15:00+00:00",
        "files": {"findings.csv": "a" * 64},
    }
    values.update(overrides)
    return Manifest(**values)


EXPOSURE = [
    ("Foreign talent programme", Decimal("1234567.89")),
    ("Undisclosed appointment", Decimal("250000")),
]


def test_pdf_cover_manifest_chart_and_rows() -> None:
    rows = [
        finding(1, organisation="Acme Research Institute", amount=Decimal("-2.50")),
        finding(2, person="王伟"),
        finding(3, person="Иванов Пётр", organisation="Łódź University of Technology"),
    ]
    out = io.BytesIO()
    counts = write_pdf(
        title="Findings register",
        manifest=make_manifest(),
        sections=[section(rows)],
        exposure=EXPOSURE,
        stream=out,
    )
    assert counts == {"findings": 3}
    data = out.getvalue()
    assert data.startswith(b"%PDF-")
    text, pages = pdf_text(data)
    cover = pages[0]
    for expected in (
        "Findings register",
        "Manifest",
        "auditor@univ.edu",
        "2026-11-28T09:15:00+00:00",
        "As of",
        "sponsor",
        "NIH",
        "Physics, Chemistry",
        "Row counts",
        "findings.csv",
        "a" * 64,
    ):
        assert expected in cover, expected
    assert "Exposure by scenario" in pages[1]
    assert "Foreign talent programme" in pages[1]
    assert "$1,234,567.89" in pages[1]
    assert "Acme Research Institute" in text
    assert "-$2.50" in text
    # the embedded Noto fonts print every one of these names as written
    assert "王伟" in text
    assert "Иванов Пётр" in text
    assert "Łódź University of" in text
    assert "3 rows." in text
    assert "Row 3 explanation" in text


def test_pdf_cover_counts_rows_read_and_caps_rendered_rows() -> None:
    out = io.BytesIO()
    counts = write_pdf(
        title="Audit log",
        manifest=make_manifest(kind="audit", files={}),
        sections=[section(iter([finding(i) for i in range(30)]))],
        exposure=[],
        stream=out,
        max_rows_per_section=10,
    )
    assert counts == {"findings": 30}
    text, pages = pdf_text(out.getvalue())
    assert "30 (first 10 shown in this PDF)" in pages[0]
    assert "Showing the first 10 of 30 rows" in text
    assert "Org 9" in text and "Org 10" not in text
    assert "No exposure recorded." in text


def test_pdf_cover_spanning_several_pages_keeps_order_and_page_numbers() -> None:
    files = {f"file{index:02d}.csv": f"{index:02d}" * 32 for index in range(80)}
    out = io.BytesIO()
    write_pdf(
        title="Findings register",
        manifest=make_manifest(files=files),
        sections=[section([finding(1)])],
        exposure=EXPOSURE,
        stream=out,
    )
    text, pages = pdf_text(out.getvalue())
    for name, digest in files.items():
        assert f"{name} {digest}" in text
    assert all(f"Page {number}" in page for number, page in enumerate(pages, start=1))
    assert "Exposure by scenario" not in "".join(pages[:2])
    assert "Exposure by scenario" in pages[-2]
    assert "Org 1" in pages[-1]


def test_pdf_long_tables_repeat_headers_and_wrap_long_text() -> None:
    rows = [finding(i, explanation="very long explanation " * 200) for i in range(60)]
    out = io.BytesIO()
    write_pdf(
        title="Findings register",
        manifest=make_manifest(),
        sections=[section(rows)],
        exposure=EXPOSURE,
        stream=out,
    )
    _, pages = pdf_text(out.getvalue())
    table_pages = pages[2:]
    assert len(table_pages) > 3
    for page in table_pages:
        assert "Organisation" in page and "Last confirmed" in page
    assert "Findings register (continued)" in table_pages[1]
    assert "..." in table_pages[0]  # 4,400 characters cut to a bounded number of lines
    assert table_pages[0].count("very long explanation") < 400


def test_pdf_odd_text_does_not_crash() -> None:
    rows = [
        finding(1, person="😀 \u200b\u202eRTL", organisation="a\x00b\tc", explanation="x" * 5000),
        finding(2, person="محمد", organisation="Ελληνικό Ίδρυμα", explanation=None),
    ]
    out = io.BytesIO()
    write_pdf(
        title="Résumé — “special” 报告",
        manifest=make_manifest(filters={"person": "王伟", "since": date(2026, 1, 1)}),
        sections=[section(rows)],
        exposure=[("情景 scenario", Decimal(5)), ("Negative", Decimal(-3))],
        stream=out,
    )
    text, _ = pdf_text(out.getvalue())
    assert "Ελληνικό" in text and "王伟" in text and "报告" in text
    assert "[Arabic text]" in text  # no bundled font has Arabic: named, never a box
    assert "2026-01-01" in text


def test_pdf_core_font_mode_romanises_and_names_scripts() -> None:
    rows = [finding(1, person="Иванов Пётр 王伟", organisation="Łódź University of Technology")]
    out = io.BytesIO()
    write_pdf(
        title="Findings register",
        manifest=make_manifest(),
        sections=[section(rows)],
        exposure=EXPOSURE,
        stream=out,
        fonts=None,
    )
    text, _ = pdf_text(out.getvalue())
    assert "Ivanov Petr [Chinese text]" in text
    assert "Lódz University of" in text  # ó is in Windows-1252, ź is not
    assert "Helvetica core font" in " ".join(text.split())


@pytest.mark.skipif(not DEJAVU.exists(), reason="DejaVu Sans is not installed")
def test_pdf_with_embedded_unicode_font_keeps_text() -> None:
    out = io.BytesIO()
    write_pdf(
        title="Findings register",
        manifest=make_manifest(),
        sections=[section([finding(1, person="Иванов Пётр", organisation="Łódź Politechnika")])],
        exposure=EXPOSURE,
        stream=out,
        fonts=ReportFonts(regular=DEJAVU),
    )
    text, _ = pdf_text(out.getvalue())
    assert "Иванов Пётр" in text
    assert "Łódź Politechnika" in text
    assert "romanised" not in text and "Helvetica" not in text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Łukasz Dvořák", "Lukasz Dvorák"),
        ("Иванов Щукин", "Ivanov Shchukin"),
        ("Nguyễn Thị", "Nguyen Thi"),
        ("王伟 (Wang Wei)", "[Chinese text] (Wang Wei)"),
        ("\u201cquoted\u201d \u2013 \u20ac5 \u2026", "\u201cquoted\u201d \u2013 \u20ac5 \u2026"),
        ("a\u200bb\tc\x00d\ne", "ab cd\ne"),
        ("ﬁ №5 x → y", "fi No5 x -> y"),
    ],
)
def test_transliterate(value: str, expected: str) -> None:
    assert transliterate(value) == expected
    transliterate(value).encode("cp1252")


# --------------------------------------------------------------------------- manifest


def test_manifest_sha256_matches_file_bytes(tmp_path: Path) -> None:
    csv_path = tmp_path / "findings.csv"
    xlsx_path = tmp_path / "findings.xlsx"
    with csv_path.open("wb") as handle:
        csv_rows = write_csv(section([finding(i) for i in range(50)]), handle, bom=True)
    with xlsx_path.open("wb") as handle:
        xlsx_rows = write_xlsx([section([finding(i) for i in range(50)])], handle)
    manifest = Manifest(
        kind="findings",
        format="zip",
        filters={"as_of": date(2026, 11, 28), "min_amount": Decimal("1000.00"), "ids": {3, 1}},
        as_of="2026-11-28",
        generated_by="auditor@univ.edu",
        generated_at="2026-11-28T09:15:00+00:00",
        row_counts={"findings": csv_rows},
    )
    manifest.add_file(csv_path)
    manifest.add_file(xlsx_path)
    assert xlsx_rows == {"findings": 50}
    assert manifest.files == {
        "findings.csv": hashlib.sha256(csv_path.read_bytes()).hexdigest(),
        "findings.xlsx": hashlib.sha256(xlsx_path.read_bytes()).hexdigest(),
    }
    assert sha256_file(csv_path) == manifest.files["findings.csv"]

    data = json.loads(manifest.to_json())
    assert data["row_counts"] == {"findings": 50}
    assert data["filters"] == {"as_of": "2026-11-28", "min_amount": "1000.00", "ids": [1, 3]}
    assert data["generated_by"] == "auditor@univ.edu"
    again = Manifest.from_json(manifest.to_json())
    assert again.files == manifest.files
    assert again.row_counts == manifest.row_counts
    assert again.to_json() == manifest.to_json()

    pdf_path = tmp_path / "findings.pdf"
    with pdf_path.open("wb") as handle:
        write_pdf(
            title="Findings register",
            manifest=manifest,
            sections=[section([finding(1)])],
            exposure=EXPOSURE,
            stream=handle,
        )
    cover = pdf_text(pdf_path.read_bytes())[1][0]
    assert manifest.files["findings.xlsx"] in cover
    assert manifest.files["findings.csv"] in cover


def test_manifest_defaults() -> None:
    manifest = Manifest(kind="exposure", format="csv")
    assert manifest.generated_at.endswith("+00:00")
    assert manifest.to_dict()["filters"] == {}
