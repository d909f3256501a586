"""PDF tables wrap between words, never inside one that fits the page; scenarios are never
added up on the chart; text with no Latin form is named, never a silent "?" (issue 21 §7)."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pypdf import PdfReader

from compliance.reports import Column, Manifest, Section, transliterate, write_pdf
from compliance.reports.pdf_fonts import BUNDLED, FONTS_DIR, printable_with
from compliance.reports.pdf_grid import column_widths
from compliance.services.report_rows import FINDING_COLUMNS

WORDS = (
    "Northwestern Polytechnical University",
    "Nanjing University of Aeronautics and Astronautics",
    "communications_networking",
    "Electromagnetics",
    "Interdisciplinary",
    "Counterintelligence",
)


def _manifest() -> Manifest:
    return Manifest(
        kind="findings",
        format="pdf",
        filters={},
        as_of=None,
        generated_by="auditor",
        generated_at="2026-11-28T09:15:00+00:00",
    )


def _pdf(section: Section, exposure: list[tuple[str, Decimal]] | None = None) -> list[str]:
    out = io.BytesIO()
    write_pdf(
        title="Findings register",
        manifest=_manifest(),
        sections=[section],
        exposure=exposure,
        stream=out,
    )
    pages = PdfReader(io.BytesIO(out.getvalue())).pages
    # pypdf reads the CJK font's two-byte codes as a NUL and the character (pdftotext doesn't)
    return [page.extract_text().replace("\x00", "") for page in pages]


def test_a_crowded_table_wraps_between_words_only() -> None:
    # the findings register's seventeen columns, with long words in narrow columns
    row = {
        "id": 123456,
        "scenario": "Current obligations + S.4525 / H.R. 8901",
        "rule": "R27",
        "rule_version": "R27@v3",
        "severity": "block",
        "status": "open",
        "review_status": "Mitigation required",
        "award_number": "W911NF-24-1-0042",
        "sponsor": "Department of Defense",
        "department": "Electrical and Computer Engineering",
        "person": "Alexandra Konstantinopoulou",
        "organisation": WORDS[1],
        "list_entry": WORDS[0],
        "match_score": 0.9312,
        "amount_usd": Decimal("5862000"),
        "first_seen": datetime(2026, 11, 28, 9, 15, tzinfo=UTC),
        "explanation": f"Tie 4411: joint research with {WORDS[0]} ({' '.join(WORDS[2:])}).",
    }
    pages = _pdf(Section("findings", "Findings register", FINDING_COLUMNS, [row] * 40))
    tables = "\n".join(pages[1:])
    tokens = set(tables.split())
    whole = {t.strip("().,") for t in tokens}
    for value in row.values():
        for word in value.split() if isinstance(value, str) else []:
            assert word.strip("().,") in whole, word
    for piece in ("Engineerin", "Konstantinopoulo", "Northwester", "Polytechnic", "obligation"):
        assert piece not in tokens, piece
    assert "$5,862,000.00" in tokens and "W911NF-24-1-0042" in tokens


def test_column_widths_fit_the_longest_word_and_share_the_rest_by_weight() -> None:
    widths = column_widths(100.0, [1, 1, 2], [10.0, 40.0, 0.0])
    assert widths[1] == 40.0  # grown to its longest word
    assert widths[0] == pytest.approx(20.0) and widths[2] == pytest.approx(40.0)
    assert sum(widths) == pytest.approx(100.0)
    squeezed = column_widths(50.0, [1, 1], [60.0, 40.0])  # words wider than the page
    assert squeezed == pytest.approx([30.0, 20.0])


def test_the_chart_shows_each_scenario_and_no_total_across_them() -> None:
    exposure = [
        ("Current obligations", Decimal("1250000")),
        ("If SAFE Research Act passes", Decimal("1850000")),
    ]
    section = Section("findings:current", "Current obligations", [Column("id", "#", "int")], [])
    pages = _pdf(section, exposure)
    chart = pages[1]
    assert "$1,250,000.00" in chart and "$1,850,000.00" in chart
    assert "$3,100,000" not in chart and "Total" not in chart
    assert "never added up across scenarios" in chart


def test_no_chart_when_the_report_has_no_dollars() -> None:
    section = Section("audit", "Audit log", [Column("seq", "#", "int")], [{"seq": 1}])
    pages = _pdf(section, None)
    assert "Exposure by scenario" not in "\n".join(pages)
    assert "Audit log" in pages[1]  # the table follows the cover directly: no blank page
    assert len(pages) == 2


@pytest.mark.parametrize(
    ("name", "printed"),
    [
        ("北京航空航天大学", "[Chinese text]"),
        ("北京航空航天大学 (Beihang University)", "[Chinese text] (Beihang University)"),
        ("王 伟", "[Chinese text]"),
        ("서울대학교", "[Korean text]"),
        ("東京大学 とうきょう", "[Chinese text] [Japanese text]"),
    ],
)
def test_names_with_no_latin_form_are_named_never_a_silent_question_mark(
    name: str, printed: str
) -> None:
    assert transliterate(name) == printed
    assert "?" not in transliterate(name)


def test_chinese_names_are_printed_and_other_scripts_named_with_a_note_on_the_cover() -> None:
    names = ["王伟", "哈尔滨工业大学", "國立臺灣大學", "서울대학교"]
    section = Section("people", "People", [Column("name", "Name")], [{"name": n} for n in names])
    pages = _pdf(section)
    for name in names[:3]:  # simplified and traditional Chinese, in the CJK fallback font
        assert name in pages[1]
    assert "[Korean text]" in pages[1]
    assert "the CSV and XLSX exports carry the exact text" in " ".join(pages[0].split())


def test_committed_fonts_match_their_build_record_and_cover_what_reports_print() -> None:
    record = json.loads((FONTS_DIR / "fonts.json").read_text())
    assert {FONTS_DIR / name for name in record} == set(BUNDLED.paths)
    for name, entry in record.items():
        digest = hashlib.sha256((FONTS_DIR / name).read_bytes()).hexdigest()
        assert digest == entry["sha256"], f"{name} differs from fonts.json: rebuild it"
        assert entry["licence"] == "OFL-1.1"
    clean = printable_with(BUNDLED.paths)
    for text in ("Łódź Иванов Ελληνικό Nguyễn €5 “x” \u2013", "北京航空航天大学", "國立臺灣大學"):
        assert clean(text) == text
