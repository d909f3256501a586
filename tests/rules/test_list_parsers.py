"""List parsers: CSL CSV/JSON, OFAC SDN legacy CSV, grantcheck-yaml seeds and alias table.

Pure Python, no database. Tests that read ../shared/data skip when it is absent, except
under CI=true, where a missing data folder fails (see ``shared_data``).
"""

from __future__ import annotations

import csv
import json
import os
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from rules.lists.parsers import (
    CSL_SOURCES,
    PARSERS,
    ListFormatError,
    ListMeta,
    ParsedEntry,
    apply_alias_table,
    load_alias_table,
    parse_list,
    source_code,
)

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "data" / "lists"
SEEDS = REPO / "seeds" / "lists"
SHARED = Path(os.environ.get("GRANTCHECK_SHARED_DATA", REPO.parent / "shared" / "data"))


def shared_data(relative: str) -> Path:
    """Path inside ../shared/data; skip when missing, but fail under CI=true."""
    path = SHARED / relative
    if not path.exists():
        message = f"shared data not found: {path}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {message}", pytrace=False)
        pytest.skip(message)
    return path


def by_name(entries: list[ParsedEntry], name: str) -> ParsedEntry:
    return next(e for e in entries if e.primary_name == name)


# ------------------------------------------------------------------------- registry


def test_registry_has_the_five_formats() -> None:
    assert set(PARSERS) == {"csl-csv", "csl-json", "ofac-sdn", "grantcheck-yaml", "advisory-csv"}


def test_unknown_format_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"csl-csv.*grantcheck-yaml"):
        parse_list("xlsx", FIXTURES / "csl_small.csv")


def test_error_str_reads_path_line_field_message() -> None:
    err = ListFormatError(Path("a/b.csv"), 7, "name", "missing name")
    assert str(err) == "a/b.csv:7: name: missing name"
    assert (err.path, err.line, err.field, err.message) == ("a/b.csv", 7, "name", "missing name")
    assert str(ListFormatError("x.yaml", None, None, "empty")) == "x.yaml: empty"


# ---------------------------------------------------------------------------- CSL


def test_source_codes() -> None:
    assert source_code("Entity List (EL) - Bureau of Industry and Security") == "EL"
    assert source_code("Non-SDN Menu-Based Sanctions List (NS-MBS List) - Treasury") == "MBS"
    assert source_code("Capta List (CAP) - Treasury Department") == "CAP"
    assert source_code("SDN") == "SDN"
    assert CSL_SOURCES["EL"].legal_basis.startswith("Export Administration Regulations")


def test_csl_csv_fixture() -> None:
    result = parse_list("csl-csv", FIXTURES / "csl_small.csv")
    counts = Counter(e.list_code for e in result.entries)
    assert counts == {"EL": 2, "SDN": 1, "MBS": 1, "UVL": 1, "DTC": 1}  # header row skipped
    assert set(result.lists) == set(counts)
    assert isinstance(result.lists["EL"], ListMeta)
    assert result.lists["EL"].url.startswith("https://")
    buaa = by_name(result.entries, "Beijing University of Aeronautics and Astronautics (BUAA)")
    assert buaa.external_id == "el-1"
    assert buaa.country == "CN"
    assert buaa.listed_on == date(2001, 5, 14)
    assert [a.name for a in buaa.aliases] == [
        "Beihang University",
        "Beihang University Hangzhou Innovation Institute",
        "Beijing Beihang Science & Technology Co.",  # leading "and " removed
    ]
    assert {a.kind for a in buaa.aliases} == {"aka"}
    assert "66 FR 24266" in buaa.source_citation
    nudt = by_name(result.entries, "National University of Defense Technology (NUDT)")  # trimmed
    assert nudt.entity_type == "entity"
    person = by_name(result.entries, "HAMMAD, Fathi Ahmad Mohammad")
    assert (person.entity_type, person.country, person.external_id) == ("individual", "PS", "9659")
    json.dumps([e.raw for e in result.entries])


def test_csl_csv_wrong_columns_names_line_and_field() -> None:
    with pytest.raises(ListFormatError) as info:
        parse_list("csl-csv", FIXTURES / "csl_bad_columns.csv")
    assert info.value.line == 5
    assert info.value.field == "places_of_birth"  # the first column the record lacks
    assert "expected 29 columns, found 26" in str(info.value)
    assert str(info.value).startswith(f"{FIXTURES / 'csl_bad_columns.csv'}:5: ")


def test_csl_csv_bad_date() -> None:
    with pytest.raises(ListFormatError) as info:
        parse_list("csl-csv", FIXTURES / "csl_bad_date.csv")
    assert (info.value.line, info.value.field) == (3, "start_date")
    assert "02/18/2015" in info.value.message


def test_csl_csv_missing_name() -> None:
    with pytest.raises(ListFormatError) as info:
        parse_list("csl-csv", FIXTURES / "csl_missing_name.csv")
    assert (info.value.line, info.value.field) == (7, "name")


def test_csl_csv_bad_encoding() -> None:
    with pytest.raises(ListFormatError) as info:
        parse_list("csl-csv", FIXTURES / "csl_bad_encoding.csv")
    # the whole file is decoded first: the error names the line and the byte, not the column
    assert info.value.line == 8
    assert "is not UTF-8" in info.value.message and "byte 0x" in info.value.message


def test_csl_csv_missing_column(tmp_path: Path) -> None:
    bad = tmp_path / "no_name.csv"
    bad.write_text('"_id","source","alt_names","addresses"\n"1","Entity List (EL)","",""\n')
    with pytest.raises(ListFormatError) as info:
        parse_list("csl-csv", bad)
    assert (info.value.line, info.value.field) == (1, "name")


def test_csl_csv_duplicate_id(tmp_path: Path) -> None:
    text = (FIXTURES / "csl_small.csv").read_text(encoding="utf-8")
    bad = tmp_path / "dup.csv"
    bad.write_text(text.replace('"el-2"', '"el-1"'), encoding="utf-8")
    with pytest.raises(ListFormatError) as info:
        parse_list("csl-csv", bad)
    assert (info.value.line, info.value.field) == (3, "_id")


def test_csl_csv_cut_off_final_record_is_imported_with_a_warning(tmp_path: Path) -> None:
    text = (FIXTURES / "csl_small.csv").read_text(encoding="utf-8").rstrip("\n")
    cut = tmp_path / "cut.csv"
    cut.write_text(text[: text.rindex('"77 FR')] + '"77 FR 434', encoding="utf-8")
    result = parse_list("csl-csv", cut)
    assert by_name(result.entries, "Kue Sang Chun").raw["source_list_url"] == ""
    assert len(result.warnings) == 1 and "cut off" in result.warnings[0]


def test_csl_json_fixture() -> None:
    result = parse_list("csl-json", FIXTURES / "csl_small.json")
    assert [e.list_code for e in result.entries] == ["EL", "SDN"]
    nwpu = result.entries[0]
    assert (nwpu.external_id, nwpu.country, nwpu.listed_on) == ("e1b0a2", "CN", date(2001, 5, 14))
    assert [a.name for a in nwpu.aliases] == [
        "Northwestern Polytechnic University",
        "Northwest Polytechnical University",
    ]
    assert result.entries[1].country == "IR"


def test_csl_json_errors(tmp_path: Path) -> None:
    with pytest.raises(ListFormatError) as info:
        parse_list("csl-json", FIXTURES / "csl_bad.json")
    assert (info.value.line, info.value.field) == (4, "results[1].name")
    broken = tmp_path / "broken.json"
    broken.write_text('{"results": [\n  {"id": 1,\n}')
    with pytest.raises(ListFormatError, match="invalid JSON") as info:
        parse_list("csl-json", broken)
    assert info.value.line == 3


# --------------------------------------------------------------------------- OFAC


def test_ofac_sdn_fixture() -> None:
    result = parse_list("ofac-sdn", FIXTURES / "ofac")
    assert set(result.lists) == {"SDN"}
    assert [e.external_id for e in result.entries] == ["36", "13152", "15541", "9999"]
    malek = by_name(result.entries, "MALEK ASHTAR UNIVERSITY OF TECHNOLOGY")
    assert [(a.name, a.kind) for a in malek.aliases] == [
        ("MALEK ASHTAR UNIVERSITY", "aka"),
        ("MALEK-E ASHTAR UNIVERSITY", "former"),  # fka
        ("MUT", "aka"),
    ]
    assert malek.country == "IR"
    assert malek.raw["addresses"][0]["address"] == "Lavizan"
    assert malek.raw["Title"] == ""  # -0- is null
    assert by_name(result.entries, "JALILI, Rasool").entity_type == "individual"
    vessel = by_name(result.entries, "OCEAN STAR")
    assert (vessel.entity_type, vessel.country, vessel.raw["Call_Sign"]) == ("vessel", "", "9BQ1")
    json.dumps([e.raw for e in result.entries])


def _copy_ofac(tmp_path: Path) -> Path:
    for name in ("sdn.csv", "alt.csv", "add.csv"):
        (tmp_path / name).write_bytes((FIXTURES / "ofac" / name).read_bytes())
    return tmp_path


def test_ofac_alias_for_unknown_entity(tmp_path: Path) -> None:
    folder = _copy_ofac(tmp_path)
    with (folder / "alt.csv").open("ab") as fh:
        fh.write(b'777,1,"aka","NOBODY",-0- \r\n')
    with pytest.raises(ListFormatError) as info:
        parse_list("ofac-sdn", folder)
    assert info.value.path.endswith("alt.csv")
    assert info.value.field == "ent_num"


def test_ofac_wrong_columns_and_missing_name(tmp_path: Path) -> None:
    folder = _copy_ofac(tmp_path)
    sdn = (folder / "sdn.csv").read_bytes()
    (folder / "sdn.csv").write_bytes(sdn.replace(b',"CUBA",-0- ,-0- ,', b',"CUBA",', 1))
    with pytest.raises(ListFormatError) as info:
        parse_list("ofac-sdn", folder)
    assert (info.value.line, info.value.field) == (1, "Vess_owner")  # first column it lacks
    (folder / "sdn.csv").write_bytes(sdn.replace(b'"AEROCARIBBEAN AIRLINES"', b"-0- "))
    with pytest.raises(ListFormatError) as info:
        parse_list("ofac-sdn", folder)
    assert (info.value.line, info.value.field) == (1, "SDN_Name")


def test_ofac_bad_ent_num_and_control_bytes(tmp_path: Path) -> None:
    folder = _copy_ofac(tmp_path)
    sdn = (folder / "sdn.csv").read_bytes()
    (folder / "sdn.csv").write_bytes(sdn.replace(b"15541,", b"15x41,"))
    with pytest.raises(ListFormatError) as info:
        parse_list("ofac-sdn", folder)
    assert (info.value.line, info.value.field) == (3, "ent_num")
    (folder / "sdn.csv").write_bytes(sdn.replace(b"OCEAN STAR", b"OCEAN\x00STAR"))
    with pytest.raises(ListFormatError) as info:
        parse_list("ofac-sdn", folder)
    assert (info.value.line, info.value.field) == (4, "SDN_Name")


def test_ofac_needs_sdn_csv(tmp_path: Path) -> None:
    with pytest.raises(ListFormatError, match="file not found"):
        parse_list("ofac-sdn", tmp_path)


# ------------------------------------------------------------------ grantcheck-yaml


def test_yaml_list_with_alias_table_beside_it() -> None:
    result = parse_list("grantcheck-yaml", FIXTURES / "yaml" / "demo_list.yaml")
    assert result.edition == date(2026, 6, 8)
    assert result.lists["DEMO"].title == "Demo list"
    ids = [e.external_id for e in result.entries]
    assert ids == [
        "aviation-industry-corporation-of-china-ltd-avic",  # earliest listing keeps the slug
        "aviation-industry-corporation-of-china-ltd-avic--2026-06-08",
        "beijing-megvii-technology-co-ltd-megvii",
        "thousand-talents-plan",
    ]
    first = result.entries[0]
    assert [(a.name, a.kind) for a in first.aliases] == [
        ("AVIC", "abbreviation"),
        ("中国航空工业集团有限公司", "native"),  # merged from aliases.yaml, AVIC not twice
    ]
    assert first.raw["earlier_edition"] is True
    megvii = result.entries[2]
    assert (megvii.listed_on, megvii.delisted_on) == (date(2024, 1, 31), date(2025, 1, 7))
    assert [a.name for a in result.entries[3].aliases] == ["千人计划"]
    json.dumps([e.raw for e in result.entries])


def test_yaml_alias_table_alone_and_directory() -> None:
    alone = parse_list("grantcheck-yaml", FIXTURES / "yaml" / "aliases.yaml")
    assert alone.entries == [] and alone.lists == {}
    folder = parse_list("grantcheck-yaml", FIXTURES / "yaml")
    assert set(folder.lists) == {"DEMO"}
    assert len(folder.entries) == 4


def _yaml_error(tmp_path: Path, text: str, name: str = "bad.yaml") -> ListFormatError:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ListFormatError) as info:
        parse_list("grantcheck-yaml", path)
    return info.value


HEADER = """list:
  code: T
  title: t
  publisher: p
  legal_basis: b
  url: u
entries:
"""


@pytest.mark.parametrize(
    ("body", "line", "field"),
    [
        (
            "  - name: X\n    entity_type: company\n    source: s\n    listed_om: 2020-01-01\n",
            11,
            "listed_om",
        ),
        (
            "  - name: X\n    entity_type: company\n    source: s\n    listed_on: 2020-13-01\n",
            11,
            "listed_on",
        ),
        ("  - name: X\n    entity_type: firm\n    source: s\n", 9, "entity_type"),
        (
            "  - name: X\n    entity_type: company\n    source: s\n    country: China\n",
            11,
            "country",
        ),
        ("  - name: X\n    entity_type: company\n", 8, "source"),
        ('  - name: ""\n    entity_type: company\n    source: s\n', 8, "name"),
        ("  - name: X\n    entity_type: company\n    source: s\n    name: Y\n", 11, "name"),
        (
            "  - name: X\n    entity_type: company\n    source: s\n"
            "    aliases:\n      - {name: Y, kind: nickname, source: s}\n",
            12,
            "kind",
        ),
        (
            "  - name: X\n    entity_type: company\n    source: s\n"
            "  - name: X\n    entity_type: company\n    source: s\n",
            11,
            "name",
        ),
        (
            "  - name: X\n    entity_type: company\n    source: s\n    id: a\n"
            "  - name: Y\n    entity_type: company\n    source: s\n    id: a\n",
            12,
            "id",
        ),
        ("  - just a string\n", 8, "entries"),
    ],
)
def test_yaml_format_errors(tmp_path: Path, body: str, line: int, field: str) -> None:
    err = _yaml_error(tmp_path, HEADER + body)
    assert (err.line, err.field) == (line, field), str(err)


def test_yaml_syntax_and_structure_errors(tmp_path: Path) -> None:
    err = _yaml_error(tmp_path, HEADER + "  - name: [unclosed\n")
    assert err.line is not None and "YAML syntax error" in err.message
    err = _yaml_error(tmp_path, "- a list\n- at top\n")
    assert err.line == 1 and "mapping" in err.message
    err = _yaml_error(tmp_path, HEADER.replace("  url: u\n", ""))
    assert err.field == "url"
    err = _yaml_error(tmp_path, HEADER.replace("code: T", "code: 'bad code'"))
    assert (err.line, err.field) == (2, "code")


def test_yaml_alias_table_must_name_existing_entries(tmp_path: Path) -> None:
    (tmp_path / "list.yaml").write_text(
        HEADER + "  - name: X\n    entity_type: company\n    source: s\n", encoding="utf-8"
    )
    (tmp_path / "aliases.yaml").write_text(
        "aliases:\n  - list: T\n    name: Y\n    aliases:\n"
        "      - {name: Z, kind: aka, source: s}\n",
        encoding="utf-8",
    )
    assert parse_list("grantcheck-yaml", tmp_path / "aliases.yaml").entries == []
    with pytest.raises(ListFormatError) as info:
        parse_list("grantcheck-yaml", tmp_path / "list.yaml")
    assert info.value.path.endswith("aliases.yaml")
    assert (info.value.line, info.value.field) == (3, "name")


def test_yaml_alias_table_errors(tmp_path: Path) -> None:
    err = _yaml_error(tmp_path, "aliases:\n  - list: T\n    name: Y\n", name="aliases.yaml")
    assert (err.line, err.field) == (2, "aliases")
    err = _yaml_error(
        tmp_path,
        "aliases:\n  - list: T\n    name: Y\n    aliases:\n      - {name: Z, kind: aka}\n",
        name="aliases.yaml",
    )
    assert (err.line, err.field) == (5, "source")


def test_apply_alias_table_to_other_lists() -> None:
    csl = parse_list("csl-csv", FIXTURES / "csl_small.csv").entries
    rows = load_alias_table(SEEDS / "aliases.yaml")
    merged = apply_alias_table(csl, rows, strict_lists=())
    buaa = by_name(merged, "Beijing University of Aeronautics and Astronautics (BUAA)")
    assert "北京航空航天大学" in {a.name for a in buaa.aliases}


# ------------------------------------------------------------------------ the seeds


def test_seed_files_parse() -> None:
    result = parse_list("grantcheck-yaml", SEEDS)
    assert set(result.lists) == {"DOD1286", "DOD1260H", "FCOC"}
    counts = Counter(e.list_code for e in result.entries)
    assert counts == {"DOD1286": 156, "DOD1260H": 397, "FCOC": 4}
    dod1286 = [e for e in result.entries if e.list_code == "DOD1286"]
    assert Counter(e.entity_type for e in dod1286) == {"institution": 150, "talent_programme": 6}
    assert Counter(e.country for e in dod1286) == {"CN": 108, "RU": 33, "IR": 9, "": 6}
    beihang = by_name(dod1286, "Beihang University")
    assert {"北京航空航天大学", "BUAA", "Beijing University of Aeronautics and Astronautics"} <= {
        a.name for a in beihang.aliases
    }
    assert all(a.source for e in result.entries for a in e.aliases)
    dod1260h = [e for e in result.entries if e.list_code == "DOD1260H"]
    assert sum(1 for e in dod1260h if e.delisted_on is None) == 376
    assert not any("*" in e.primary_name for e in dod1260h)
    assert len({e.external_id for e in dod1260h}) == 397
    avic = [e for e in dod1260h if e.primary_name.startswith("Aviation Industry Corporation")]
    assert {a.name for a in avic[0].aliases} >= {"AVIC", "Aviation Industry Corporation of China"}
    assert avic[0].raw["earlier_edition"] is True
    fcoc = {e.country for e in result.entries if e.list_code == "FCOC"}
    assert fcoc == {"CN", "RU", "IR", "KP"}


def test_seeds_transcribe_every_dod_row() -> None:
    seeds = parse_list("grantcheck-yaml", SEEDS).entries
    with shared_data("dod-lists/section_1286_fy2025.csv").open(encoding="utf-8") as fh:
        rows_1286 = list(csv.DictReader(fh))
    names_1286 = [e.primary_name for e in seeds if e.list_code == "DOD1286"]
    assert names_1286 == [r["name_as_published"] for r in rows_1286]
    with shared_data("dod-lists/section_1260h.csv").open(encoding="utf-8") as fh:
        rows_1260h = list(csv.DictReader(fh))
    entries_1260h = [e for e in seeds if e.list_code == "DOD1260H"]
    assert [
        (e.primary_name, str(e.listed_on), str(e.delisted_on or "")) for e in entries_1260h
    ] == [
        (r["name_as_published"].rstrip("*").rstrip(), r["listed_on"], r["delisted_on"])
        for r in rows_1260h
    ]


# --------------------------------------------------------------- the shared data files


def test_csl_csv_imports_every_row() -> None:
    path = shared_data("trade-gov-csl/csl_2023-11-30.csv")
    with path.open(newline="", encoding="utf-8") as fh:
        raw = [row for row in csv.reader(fh) if row and row[1] != "source"]
    expected = Counter(source_code(row[1]) for row in raw)
    result = parse_list("csl-csv", path)
    assert Counter(e.list_code for e in result.entries) == expected
    assert len(result.entries) == 4227
    assert expected["EL"] == 919
    assert result.edition == date(2023, 11, 30)
    assert len({(e.list_code, e.external_id) for e in result.entries}) == 4227
    nudt = by_name(result.entries, "National University of Defense Technology (NUDT)")
    assert "Hunan Guofang Keji University" in {a.name for a in nudt.aliases}


def test_ofac_sdn_set_with_aliases_and_addresses() -> None:
    folder = shared_data("ofac-sdn")
    result = parse_list("ofac-sdn", folder)
    assert len(result.entries) == 8976
    with (folder / "alt.csv").open(encoding="latin-1") as fh:
        alt_rows = sum(1 for row in csv.reader(fh) if len(row) == 5)
    aliases = sum(len(e.aliases) for e in result.entries)
    assert alt_rows - 10 <= aliases <= alt_rows  # a few alt names repeat the primary name
    malek = by_name(result.entries, "MALEK ASHTAR UNIVERSITY OF TECHNOLOGY")
    assert "MALEK ASHTAR UNIVERSITY" in {a.name for a in malek.aliases}
    assert malek.country == "IR"
    with_address = sum(1 for e in result.entries if e.raw["addresses"])
    assert with_address > 6000
    assert Counter(e.entity_type for e in result.entries)["vessel"] == 406
