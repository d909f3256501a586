"""OFAC SDN legacy CSV set: sdn.csv + alt.csv + add.csv in one directory.

No header rows; Latin-1; ``-0-`` (often ``-0- `` with a trailing space) means null; the files
may end with a DOS end-of-file byte (0x1A). Columns (OFAC "SDN.CSV" documentation):

* sdn.csv: ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign, Vess_type, Tonnage, GRT,
  Vess_flag, Vess_owner, Remarks
* alt.csv: ent_num, alt_num, alt_type, alt_name, alt_remarks
* add.csv: ent_num, add_num, address, city_state_zip, country, add_remarks
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from projects.textcodec import TextEncodingError, decode_bytes, sniff_encoding
from rules.lists.parsers.base import (
    ListFormatError,
    ListMeta,
    ParsedAlias,
    ParsedEntry,
    ParseResult,
    clean,
    edition_from_filename,
)
from rules.lists.parsers.countries import country_code
from rules.lists.parsers.csl import CSL_SOURCES

SDN_COLUMNS: tuple[str, ...] = (
    "ent_num",
    "SDN_Name",
    "SDN_Type",
    "Program",
    "Title",
    "Call_Sign",
    "Vess_type",
    "Tonnage",
    "GRT",
    "Vess_flag",
    "Vess_owner",
    "Remarks",
)
ALT_COLUMNS: tuple[str, ...] = ("ent_num", "alt_num", "alt_type", "alt_name", "alt_remarks")
ADD_COLUMNS: tuple[str, ...] = (
    "ent_num",
    "add_num",
    "address",
    "city_state_zip",
    "country",
    "add_remarks",
)
_ALT_KINDS = {"aka": "aka", "fka": "former", "nka": "aka"}
_SDN_TYPES = {"individual": "individual", "vessel": "vessel", "aircraft": "aircraft"}
# Control characters never found in a well-formed Latin-1 legacy file (CR/LF/TAB allowed).
_BAD_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_INT_RE = re.compile(r"^\d+$")
OFAC_SDN_META: ListMeta = CSL_SOURCES["SDN"]


def _null(value: str) -> str:
    text = clean(value)
    return "" if text == "-0-" else text


def _read_rows(
    path: Path, columns: tuple[str, ...], required: bool = True
) -> Iterator[tuple[int, dict[str, str]]]:
    if not path.exists():
        if required:
            raise ListFormatError(path, None, None, "file not found")
        return
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ListFormatError(path, None, None, f"cannot read file: {exc}") from exc
    try:  # OFAC publishes Latin-1; a re-saved copy may carry a Unicode byte-order mark
        codec, _ = sniff_encoding(data[:4])
        text = decode_bytes(data) if codec != "utf-8" else data.decode("latin-1")
    except TextEncodingError as exc:
        raise ListFormatError(path, exc.line, None, exc.message) from exc
    text = text.rstrip("\x1a")  # a trailing DOS end-of-file byte
    reader = csv.reader(io.StringIO(text, newline=""))
    prev_end = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ListFormatError(path, prev_end + 1, None, f"CSV syntax error: {exc}") from exc
        start = prev_end + 1
        prev_end = reader.line_num
        if not row or (len(row) == 1 and not row[0].strip("\x1a \t")):
            continue
        if len(row) != len(columns):
            raise ListFormatError(
                path,
                start,
                columns[len(row)] if len(row) < len(columns) else f"column {len(columns) + 1}",
                f"expected {len(columns)} columns, found {len(row)}",
            )
        record = dict(zip(columns, row, strict=True))
        for column, value in record.items():
            if _BAD_CONTROL_RE.search(value):
                raise ListFormatError(
                    path, start, column, "control character in field (bad encoding?)"
                )
        if not _INT_RE.match(record["ent_num"].strip()):
            raise ListFormatError(
                path, start, "ent_num", f"expected an integer, got {record['ent_num']!r}"
            )
        yield start, record


def parse_ofac_sdn(path: Path) -> ParseResult:
    """Parse the directory holding sdn.csv, alt.csv and add.csv (alt/add optional)."""
    directory = path
    if path.is_file():
        directory = path.parent
    if not directory.is_dir():
        raise ListFormatError(path, None, None, "expected a directory holding sdn.csv")
    sdn_path = directory / "sdn.csv"
    rows: dict[str, dict[str, Any]] = {}
    lines: dict[str, int] = {}
    for line, record in _read_rows(sdn_path, SDN_COLUMNS):
        ent = record["ent_num"].strip()
        if ent in rows:
            raise ListFormatError(
                sdn_path, line, "ent_num", f"duplicate ent_num {ent} (first at line {lines[ent]})"
            )
        name = _null(record["SDN_Name"])
        if not name:
            raise ListFormatError(sdn_path, line, "SDN_Name", "missing name")
        rows[ent] = {k: _null(v) for k, v in record.items()}
        rows[ent]["aliases"] = []
        rows[ent]["addresses"] = []
        lines[ent] = line

    alt_path = directory / "alt.csv"
    for line, record in _read_rows(alt_path, ALT_COLUMNS, required=False):
        ent = record["ent_num"].strip()
        if ent not in rows:
            raise ListFormatError(alt_path, line, "ent_num", f"unknown ent_num {ent}")
        alt_name = _null(record["alt_name"])
        if not alt_name:
            raise ListFormatError(alt_path, line, "alt_name", "missing alias name")
        alt_type = _null(record["alt_type"]).casefold()
        if alt_type and alt_type not in _ALT_KINDS:
            raise ListFormatError(alt_path, line, "alt_type", f"unknown alias type {alt_type!r}")
        rows[ent]["aliases"].append(
            {
                "alt_num": _null(record["alt_num"]),
                "alt_type": alt_type or "aka",
                "alt_name": alt_name,
                "alt_remarks": _null(record["alt_remarks"]),
            }
        )

    add_path = directory / "add.csv"
    for line, record in _read_rows(add_path, ADD_COLUMNS, required=False):
        ent = record["ent_num"].strip()
        if ent not in rows:
            raise ListFormatError(add_path, line, "ent_num", f"unknown ent_num {ent}")
        rows[ent]["addresses"].append({k: _null(v) for k, v in record.items() if k != "ent_num"})

    entries: list[ParsedEntry] = []
    for ent, row in rows.items():
        seen = {row["SDN_Name"].casefold()}
        aliases: list[ParsedAlias] = []
        for alt in row["aliases"]:
            if alt["alt_name"].casefold() in seen:
                continue
            seen.add(alt["alt_name"].casefold())
            aliases.append(
                ParsedAlias(
                    alt["alt_name"],
                    _ALT_KINDS[alt["alt_type"]],
                    f"OFAC SDN alt.csv, ent_num {ent}, alt_num {alt['alt_num']} "
                    f"({alt['alt_type']})",
                )
            )
        country = next((c for c in (country_code(a["country"]) for a in row["addresses"]) if c), "")
        program = row["Program"]
        citation = f"US Treasury OFAC, SDN List (legacy CSV), ent_num {ent}"
        if program:
            citation += f", program [{program}]"
        entries.append(
            ParsedEntry(
                list_code="SDN",
                external_id=ent,
                primary_name=row["SDN_Name"],
                aliases=tuple(aliases),
                country=country,
                entity_type=_SDN_TYPES.get(row["SDN_Type"].casefold(), "entity"),
                listed_on=None,
                delisted_on=None,
                source_citation=citation,
                raw=row,
            )
        )
    return ParseResult(
        lists={"SDN": OFAC_SDN_META},
        entries=entries,
        edition=edition_from_filename(directory),
    )
