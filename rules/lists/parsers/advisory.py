"""Advisory (non-governmental) counterpart ratings, e.g. a think-tank's university tracker.

Format ``advisory-csv``: a CSV file with a header row and the columns

* ``list``: the list code, e.g. ``ASPI`` (rules name it in a parameter, see R24);
* ``name``: the counterpart's name as the source writes it;
* ``aliases``: other names, ``;``-separated (may be empty);
* ``rating``: one of Very high, High, Medium, Low (any case);
* ``source``: where the rating comes from (URL or citation);
* ``licence_note``: the licence the institution holds to use it (required: advisory lists
  such as ASPI's are licensed, and must not be loaded without one);
* ``country`` (optional): ISO 3166 alpha-2 or a country name.

The edition is the YYYY-MM-DD date in the file name, if any. Any malformed row raises
ListFormatError with its line, so nothing of a bad file is imported.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from rules.lists.parsers.base import (
    ListFormatError,
    ListMeta,
    ParsedAlias,
    ParsedEntry,
    ParseResult,
    clean,
    edition_from_filename,
    read_text,
    slugify,
)
from rules.lists.parsers.countries import country_code

REQUIRED_COLUMNS = ("list", "name", "aliases", "rating", "source", "licence_note")
RATINGS = {r.casefold(): r for r in ("Very high", "High", "Medium", "Low")}


def parse_advisory_csv(path: Path) -> ParseResult:
    text = read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        records = list(reader)
    except csv.Error as exc:
        raise ListFormatError(path, reader.line_num, None, f"CSV syntax error: {exc}") from exc
    if not records:
        raise ListFormatError(path, 1, None, "empty file")
    header = [h.strip().lower() for h in records[0]]
    for column in REQUIRED_COLUMNS:
        if column not in header:
            raise ListFormatError(path, 1, column, f"missing column (header: {','.join(header)})")
    lists: dict[str, ListMeta] = {}
    entries: list[ParsedEntry] = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise ListFormatError(
                path, line, None, f"expected {len(header)} columns, found {len(row)}"
            )
        record = {h: clean(v) for h, v in zip(header, row, strict=True)}
        for column in ("list", "name", "rating", "source", "licence_note"):
            if not record[column]:
                raise ListFormatError(path, line, column, "is required")
        code = record["list"].upper()
        if not code.replace("_", "").isalnum() or len(code) > 32:
            raise ListFormatError(path, line, "list", f"bad list code {record['list']!r}")
        rating = RATINGS.get(record["rating"].casefold())
        if rating is None:
            raise ListFormatError(
                path,
                line,
                "rating",
                f"unknown rating {record['rating']!r}; expected one of "
                f"{', '.join(RATINGS.values())}",
            )
        country = ""
        if record.get("country"):
            country = country_code(record["country"])
            if not country:
                raise ListFormatError(
                    path, line, "country", f"unknown country {record['country']!r}"
                )
        external_id = slugify(record["name"])
        if (code, external_id) in seen:
            raise ListFormatError(
                path, line, "name", f"same counterpart as line {seen[(code, external_id)]}"
            )
        seen[(code, external_id)] = line
        aliases = tuple(
            ParsedAlias(name=a, kind="aka", source=record["source"])
            for a in (clean(part) for part in record["aliases"].split(";"))
            if a and a != record["name"]
        )
        lists.setdefault(
            code,
            ListMeta(
                code=code,
                title=f"{code} advisory counterpart ratings",
                publisher=record["source"],
                legal_basis=f"Advisory, not a legal restriction; licence: {record['licence_note']}",
                url="",
            ),
        )
        entries.append(
            ParsedEntry(
                list_code=code,
                external_id=external_id,
                primary_name=record["name"],
                aliases=aliases,
                country=country,
                entity_type="institution",
                listed_on=None,
                delisted_on=None,
                source_citation=record["source"],
                raw={"rating": rating, "licence_note": record["licence_note"]},
            )
        )
    if not entries:
        raise ListFormatError(path, None, None, "no rows")
    return ParseResult(lists=lists, entries=entries, edition=edition_from_filename(path))
