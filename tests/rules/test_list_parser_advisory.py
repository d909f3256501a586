"""advisory-csv: name, aliases, rating, source and licence note; a bad row names its line and
column and nothing of the file is imported."""

from __future__ import annotations

from pathlib import Path

import pytest

from rules.lists.parsers import ListFormatError, parse_list

HEADER = "list,name,aliases,rating,source,licence_note,country\n"
ROW = (
    "ADVISORY,Harbin Engineering University,HEU;Harbin Gongcheng Daxue,very HIGH,Tracker,"
    "Licensed 2026,CN\n"
)
DEMO = Path(__file__).resolve().parents[2] / "seeds" / "demo" / "advisory_demo_2026-06-01.csv"


def _file(tmp_path: Path, text: str, name: str = "advisory_2026-05-01.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_entries_carry_rating_aliases_and_licence(tmp_path: Path) -> None:
    result = parse_list("advisory-csv", _file(tmp_path, HEADER + ROW))
    [entry] = result.entries
    assert (entry.list_code, entry.primary_name, entry.country) == (
        "ADVISORY",
        "Harbin Engineering University",
        "CN",
    )
    assert [a.name for a in entry.aliases] == ["HEU", "Harbin Gongcheng Daxue"]
    assert entry.raw == {"rating": "Very high", "licence_note": "Licensed 2026"}
    assert str(result.edition) == "2026-05-01"
    assert "Advisory, not a legal restriction" in result.lists["ADVISORY"].legal_basis


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (ROW.replace("very HIGH", "Extreme"), "rating", "unknown rating"),
        (ROW.replace("Licensed 2026", ""), "licence_note", "is required"),
        (ROW.replace(",CN\n", ",Atlantis\n"), "country", "unknown country"),
        (ROW.replace("Harbin Engineering University", ""), "name", "is required"),
    ],
)
def test_bad_row_names_line_and_field(tmp_path: Path, row: str, field: str, message: str) -> None:
    with pytest.raises(ListFormatError) as exc:
        parse_list("advisory-csv", _file(tmp_path, HEADER + ROW + row))
    assert (exc.value.line, exc.value.field) == (3, field)
    assert message in exc.value.message


def test_missing_column_and_duplicate(tmp_path: Path) -> None:
    with pytest.raises(ListFormatError) as exc:
        parse_list("advisory-csv", _file(tmp_path, "list,name,rating\nX,Y,High\n"))
    assert exc.value.field == "aliases"
    with pytest.raises(ListFormatError) as exc:
        parse_list("advisory-csv", _file(tmp_path, HEADER + ROW + ROW))
    assert "same counterpart as line 2" in exc.value.message


def test_the_demo_file_parses() -> None:
    result = parse_list("advisory-csv", DEMO)
    assert len(result.entries) == 6
    assert {e.raw["rating"] for e in result.entries} == {"Very high", "High"}
