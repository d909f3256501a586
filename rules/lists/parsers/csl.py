"""trade.gov Consolidated Screening List (CSL): the CSV download and the JSON bulk file.

One ParsedEntry per CSL record; one list per CSL source (EL, MEU, UVL, DPL, SDN, ...).
The CSL ``id`` (``_id`` in the CSV) is the external id: ``entity_number`` is not unique
across sources (DOMAIN.md §4).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from rules.lists.parsers.base import (
    ListFormatError,
    ListMeta,
    ParsedAlias,
    ParsedEntry,
    ParseResult,
    clean,
    edition_from_filename,
    parse_iso_date,
    read_text,
)
from rules.lists.parsers.countries import country_code

_OFAC_NON_SDN = "https://ofac.treasury.gov/consolidated-sanctions-list-non-sdn-lists"
_BIS_LISTS = "https://www.bis.gov/lists-parties-concern"

#: Known CSL sources: code -> (title, publisher, legal basis, official URL).
CSL_SOURCES: dict[str, ListMeta] = {
    meta.code: meta
    for meta in (
        ListMeta(
            "EL",
            "Entity List",
            "US Department of Commerce, Bureau of Industry and Security (BIS)",
            "Export Administration Regulations, 15 CFR Part 744, Supplement No. 4",
            f"{_BIS_LISTS}/entity-list",
        ),
        ListMeta(
            "MEU",
            "Military End-User List",
            "US Department of Commerce, Bureau of Industry and Security (BIS)",
            "Export Administration Regulations, 15 CFR Part 744, Supplement No. 7",
            f"{_BIS_LISTS}/military-end-user-meu-list",
        ),
        ListMeta(
            "UVL",
            "Unverified List",
            "US Department of Commerce, Bureau of Industry and Security (BIS)",
            "Export Administration Regulations, 15 CFR Part 744, Supplement No. 6",
            f"{_BIS_LISTS}/unverified-list",
        ),
        ListMeta(
            "DPL",
            "Denied Persons List",
            "US Department of Commerce, Bureau of Industry and Security (BIS)",
            "Export Administration Regulations, 15 CFR Part 764 (denial orders)",
            f"{_BIS_LISTS}/denied-persons-list",
        ),
        ListMeta(
            "ISN",
            "Nonproliferation Sanctions",
            "US Department of State, Bureau of International Security and Nonproliferation",
            "Iran, North Korea, and Syria Nonproliferation Act (INKSNA); EO 12938; EO 13382; "
            "other nonproliferation sanctions authorities",
            "https://www.state.gov/key-topics-bureau-of-international-security-and-"
            "nonproliferation/nonproliferation-sanctions/",
        ),
        ListMeta(
            "DTC",
            "ITAR Debarred Parties",
            "US Department of State, Directorate of Defense Trade Controls (DDTC)",
            "Arms Export Control Act, 22 U.S.C. 2778; ITAR 22 CFR 127.7",
            "https://www.pmddtc.state.gov/ddtc_public?id=ddtc_kb_article_page"
            "&sys_id=c22d1833dbb8d300d0a370131f9619f0",
        ),
        ListMeta(
            "SDN",
            "Specially Designated Nationals and Blocked Persons List",
            "US Department of the Treasury, Office of Foreign Assets Control (OFAC)",
            "IEEPA (50 U.S.C. 1701 et seq.), TWEA and program executive orders; 31 CFR Chapter V",
            "https://ofac.treasury.gov/specially-designated-nationals-and-blocked-persons-list-"
            "sdn-human-readable-lists",
        ),
        ListMeta(
            "SSI",
            "Sectoral Sanctions Identifications List",
            "US Department of the Treasury, Office of Foreign Assets Control (OFAC)",
            "EO 13662 and its Directives; 31 CFR Part 589",
            f"{_OFAC_NON_SDN}/sectoral-sanctions-identifications-ssi-list",
        ),
        ListMeta(
            "FSE",
            "Foreign Sanctions Evaders List",
            "US Department of the Treasury, Office of Foreign Assets Control (OFAC)",
            "EO 13608",
            f"{_OFAC_NON_SDN}/foreign-sanctions-evaders-fse-list",
        ),
        ListMeta(
            "CAP",
            "Correspondent Account or Payable-Through Account Sanctions (CAPTA) List",
            "US Department of the Treasury, Office of Foreign Assets Control (OFAC)",
            "31 CFR Part 561 and related correspondent-account sanctions authorities",
            f"{_OFAC_NON_SDN}/list-of-foreign-financial-institutions-subject-to-correspondent-"
            "account-or-payable-through-account-sanctions-capta-list",
        ),
        ListMeta(
            "CMIC",
            "Non-SDN Chinese Military-Industrial Complex Companies List",
            "US Department of the Treasury, Office of Foreign Assets Control (OFAC)",
            "EO 13959 as amended by EO 14032",
            f"{_OFAC_NON_SDN}/ns-cmic-list",
        ),
        ListMeta(
            "MBS",
            "Non-SDN Menu-Based Sanctions List",
            "US Department of the Treasury, Office of Foreign Assets Control (OFAC)",
            "Menu-based sanctions authorities (e.g. CAATSA; EO 13846)",
            f"{_OFAC_NON_SDN}/non-sdn-menu-based-sanctions-list-ns-mbs-list",
        ),
        ListMeta(
            "PLC",
            "Non-SDN Palestinian Legislative Council List",
            "US Department of the Treasury, Office of Foreign Assets Control (OFAC)",
            "Global Terrorism Sanctions Regulations, 31 CFR Part 594",
            f"{_OFAC_NON_SDN}/non-sdn-palestinian-legislative-council-ns-plc-list",
        ),
    )
}

_CODE_IN_SOURCE_RE = re.compile(r"\(([A-Za-z][A-Za-z0-9 \-]*)\)")
_ENTITY_TYPES = {
    "entity": "entity",
    "individual": "individual",
    "vessel": "vessel",
    "aircraft": "aircraft",
}
#: The CSL CSV columns a file must have (others are kept in ``raw``).
REQUIRED_CSV_COLUMNS: tuple[str, ...] = ("_id", "source", "name", "alt_names", "addresses")
_OPTIONAL_DATES = ("start_date", "end_date")


def source_code(source: str) -> str:
    """'Entity List (EL) - Bureau of Industry and Security' -> 'EL'; '' if none found."""
    text = source.strip()
    if text.upper() in CSL_SOURCES:
        return text.upper()
    match = _CODE_IN_SOURCE_RE.search(text)
    if not match:
        return ""
    code = match.group(1).strip().upper()
    code = re.sub(r"\s+LIST$", "", code)
    code = code.removeprefix("NS-").replace(" ", "-")
    return code


def list_meta_for(source: str, code: str) -> ListMeta:
    """ListMeta of a known source code, else one built from the source string."""
    known = CSL_SOURCES.get(code)
    if known:
        return known
    title, _, publisher = source.partition(" - ")
    return ListMeta(code, title.strip() or code, publisher.strip(), "", "")


def split_multi(value: str | None) -> list[str]:
    """CSL multi-values are joined by '; ' (the last one sometimes prefixed by 'and ')."""
    out: list[str] = []
    for part in (value or "").split(";"):
        item = clean(part)
        if item.casefold().startswith("and "):
            item = item[4:].strip()
        if item:
            out.append(item)
    return out


def _entity_type(value: str) -> str:
    return _ENTITY_TYPES.get(value.strip().casefold(), "entity")


def _country_from_addresses(addresses: list[str]) -> str:
    for address in addresses:
        tail = address.rsplit(",", 1)[-1].strip()
        code = country_code(tail)
        if code:
            return code
    return ""


def _citation(code: str, record: Mapping[str, Any], edition: date | None) -> str:
    parts = [f"ITA Consolidated Screening List, source {code}"]
    if edition:
        parts.append(f"edition {edition.isoformat()}")
    frn = clean(str(record.get("federal_register_notice") or ""))
    if frn:
        parts.append(f"FR notice {frn}")
    url = clean(str(record.get("source_list_url") or ""))
    if url:
        parts.append(url)
    return "; ".join(parts)


def _build_entry(
    path: Path,
    line: int | None,
    record: Mapping[str, Any],
    alt_names: list[str],
    addresses: list[str],
    countries: list[str],
    edition: date | None,
) -> ParsedEntry:
    source = clean(str(record.get("source") or ""))
    if not source:
        raise ListFormatError(path, line, "source", "missing source")
    code = source_code(source)
    if not code:
        raise ListFormatError(path, line, "source", f"no list code in source {source!r}")
    name = clean(str(record.get("name") or ""))
    if not name:
        raise ListFormatError(path, line, "name", "missing name")
    ext_id = clean(str(record.get("_id") or record.get("id") or ""))
    if not ext_id:
        raise ListFormatError(path, line, "_id" if "_id" in record else "id", "missing id")
    listed_on = parse_iso_date(str(record.get("start_date") or ""), path, line, "start_date")
    delisted_on = parse_iso_date(str(record.get("end_date") or ""), path, line, "end_date")
    seen: set[str] = {name.casefold()}
    aliases: list[ParsedAlias] = []
    for alt in alt_names:
        if alt.casefold() not in seen:
            seen.add(alt.casefold())
            aliases.append(ParsedAlias(alt, "aka", f"CSL {code} alt_names"))
    country = _country_from_addresses(addresses)
    if not country:
        country = next((c for c in (country_code(x) for x in countries) if c), "")
    return ParsedEntry(
        list_code=code,
        external_id=ext_id,
        primary_name=name,
        aliases=tuple(aliases),
        country=country,
        entity_type=_entity_type(str(record.get("type") or "")),
        listed_on=listed_on,
        delisted_on=delisted_on,
        source_citation=_citation(code, record, edition),
        raw=dict(record),
    )


def _collect(
    path: Path, built: Iterator[tuple[int | None, ParsedEntry]], edition: date | None
) -> ParseResult:
    lists: dict[str, ListMeta] = {}
    entries: list[ParsedEntry] = []
    seen: dict[tuple[str, str], int | None] = {}
    for line, entry in built:
        key = (entry.list_code, entry.external_id)
        if key in seen:
            raise ListFormatError(
                path,
                line,
                "_id",
                f"duplicate id {entry.external_id!r} in list {entry.list_code} "
                f"(first at line {seen[key]})",
            )
        seen[key] = line
        if entry.list_code not in lists:
            lists[entry.list_code] = list_meta_for(
                str(entry.raw.get("source", "")), entry.list_code
            )
        entries.append(entry)
    return ParseResult(lists=lists, entries=entries, edition=edition)


# --------------------------------------------------------------------------- CSV


def parse_csl_csv(path: Path) -> ParseResult:
    """The CSL CSV download: header row, repeated header rows skipped, '; '-joined values."""
    text = read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[tuple[int, list[str]]] = []
    prev_end = 0
    try:
        for row in reader:
            records.append((prev_end + 1, row))
            prev_end = reader.line_num
    except csv.Error as exc:
        raise ListFormatError(path, prev_end + 1, None, f"CSV syntax error: {exc}") from exc
    if not records:
        raise ListFormatError(path, 1, None, "empty file")
    header = [h.strip() for h in records[0][1]]
    for column in REQUIRED_CSV_COLUMNS:
        if column not in header:
            raise ListFormatError(path, 1, column, f"missing column (header: {','.join(header)})")
    width = len(header)
    truncated_tail = not text.endswith(("\n", "\r"))
    edition = edition_from_filename(path)
    warnings: list[str] = []
    last = len(records) - 1

    def rows() -> Iterator[tuple[int | None, ParsedEntry]]:
        for index, (start, row) in enumerate(records[1:], start=1):
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) > 1 and row[1].strip() == "source":
                continue  # a repeated header row
            if len(row) != width:
                if index == last and truncated_tail and len(row) < width:
                    warnings.append(
                        f"{path}:{start}: final record is cut off at end of file "
                        f"({len(row)} of {width} columns); imported with the rest empty"
                    )
                    row = row + [""] * (width - len(row))
                else:
                    raise ListFormatError(
                        path,
                        start,
                        header[len(row)] if len(row) < width else f"column {width + 1}",
                        f"expected {width} columns, found {len(row)}",
                    )
            record: dict[str, Any] = dict(zip(header, row, strict=True))
            countries = split_multi(record.get("citizenships")) + split_multi(
                record.get("nationalities")
            )
            yield (
                start,
                _build_entry(
                    path,
                    start,
                    record,
                    split_multi(record.get("alt_names")),
                    split_multi(record.get("addresses")),
                    countries,
                    edition,
                ),
            )

    result = _collect(path, rows(), edition)
    result.warnings.extend(warnings)
    return result


# --------------------------------------------------------------------------- JSON


def _json_line(text: str, needle: str) -> int | None:
    pos = text.find(needle)
    return None if pos < 0 else text.count("\n", 0, pos) + 1


def _as_list(value: Any, path: Path, line: int | None, field_name: str) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        return split_multi(value)
    raise ListFormatError(path, line, field_name, f"expected a list, got {type(value).__name__}")


def parse_csl_json(path: Path) -> ParseResult:
    """The CSL JSON bulk file: ``{"results": [...]}`` (or a bare list of records)."""
    text = read_text(path)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ListFormatError(path, exc.lineno, None, f"invalid JSON: {exc.msg}") from exc
    if isinstance(doc, dict):
        if "results" not in doc:
            raise ListFormatError(path, 1, "results", "missing 'results' array")
        records = doc["results"]
    else:
        records = doc
    if not isinstance(records, list):
        raise ListFormatError(path, 1, "results", "expected an array of records")
    edition = edition_from_filename(path)
    line_of = _record_lines(text, len(records))

    def rows() -> Iterator[tuple[int | None, ParsedEntry]]:
        for index, record in enumerate(records):
            line = line_of[index] if index < len(line_of) else None
            if not isinstance(record, dict):
                raise ListFormatError(path, line, f"results[{index}]", "record is not an object")
            if "id" not in record and "_id" not in record:
                raise ListFormatError(path, line, f"results[{index}].id", "missing id")
            addresses: list[str] = []
            for address in _as_list(record.get("addresses"), path, line, "addresses"):
                if isinstance(address, dict):
                    country = clean(str(address.get("country") or ""))
                    parts = [
                        clean(str(address.get(k) or ""))
                        for k in ("address", "city", "state", "postal_code")
                    ]
                    addresses.append(", ".join([p for p in parts if p] + [country]))
                elif isinstance(address, str):
                    addresses.append(address)
                else:
                    raise ListFormatError(path, line, "addresses", "address must be an object")
            alt_names = [
                clean(str(a)) for a in _as_list(record.get("alt_names"), path, line, "alt_names")
            ]
            countries = [
                clean(str(c))
                for c in _as_list(record.get("citizenships"), path, line, "citizenships")
                + _as_list(record.get("nationalities"), path, line, "nationalities")
            ]
            try:
                entry = _build_entry(
                    path, line, record, [a for a in alt_names if a], addresses, countries, edition
                )
            except ListFormatError as exc:
                field_name = f"results[{index}].{exc.field}" if exc.field else None
                raise ListFormatError(path, line, field_name, exc.message) from exc
            yield line, entry

    return _collect(path, rows(), edition)


def _record_lines(text: str, count: int) -> list[int]:
    """Best-effort line numbers of each record in a JSON array (by each '"id"' key)."""
    lines: list[int] = []
    for match in re.finditer(r'"_?id"\s*:', text):
        lines.append(text.count("\n", 0, match.start()) + 1)
        if len(lines) >= count:
            break
    return lines
