"""``grantcheck-yaml``: our own format for curated lists and the alias table (seeds/lists/).

A **list file** holds one list::

    format: grantcheck-list/1          # optional
    list:
      code: DOD1286                    # required, [A-Z0-9_-]+
      title: ...                       # required
      publisher: ...                   # required
      legal_basis: ...                 # required
      url: https://...                 # required
      edition: 2026-06-08              # optional date (null when unknown)
      edition_label: FY2025            # optional
      notes: ...                       # optional
    entries:
      - name: Beihang University       # required, exactly as the publisher printed it
        id: beihang-university         # optional; default: slug of the name (see below)
        country: CN                    # ISO 3166 alpha-2 or ""
        entity_type: institution       # entity|individual|vessel|aircraft|institution|
                                       # talent_programme|company|country
        listed_on: 2021-06-03          # optional date
        delisted_on: null              # optional date
        source: DoD ...                # required citation
        note: ...                      # optional
        earlier_edition: true          # optional flag (1260H asterisk)
        aliases:                       # optional
          - {name: BUAA, kind: abbreviation, source: ...}

External ids default to the slug of the name. When a list repeats a name (the 1260H file
holds every edition's rows), the earliest ``listed_on`` keeps the bare slug and later rows get
``<slug>--<listed_on>``: keys stay stable when a new edition is appended.

An **alias table** (``aliases.yaml``) adds curated aliases to entries of other files::

    format: grantcheck-aliases/1       # optional
    aliases:
      - list: DOD1286                  # list code
        name: Beihang University       # the entry's primary name, exactly (or a list of
                                       # names: one entity printed differently per edition)
        aliases:
          - {name: 北京航空航天大学, kind: native, source: ...}

``parse_list("grantcheck-yaml", list_file)`` merges the rows of ``aliases.yaml`` beside the
file that target its list; a row naming an entry that does not exist is an error (with the
alias file's line). A directory parses every list file in it and merges its alias tables.
Parsing an alias table alone validates it and returns no entries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from rules.lists.parsers.base import (
    ALIAS_KINDS,
    ENTITY_TYPES,
    ListFormatError,
    ListMeta,
    ParsedAlias,
    ParsedEntry,
    ParseResult,
    clean,
    read_text,
    slugify,
)
from rules.lists.parsers.countries import COUNTRY_CODES

ALIAS_FILE_NAME = "aliases.yaml"
LIST_FORMAT = "grantcheck-list/1"
ALIAS_FORMAT = "grantcheck-aliases/1"
_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]*$")
_LIST_KEYS = {"code", "title", "publisher", "legal_basis", "url", "edition", "edition_label"}
_LIST_KEYS |= {"notes"}
_ENTRY_KEYS = {
    "name",
    "id",
    "country",
    "entity_type",
    "listed_on",
    "delisted_on",
    "source",
    "note",
    "earlier_edition",
    "aliases",
}
_ALIAS_KEYS = {"name", "kind", "source", "note"}
_TABLE_ROW_KEYS = {"list", "name", "aliases", "note"}


# --------------------------------------------------------------------- line-aware YAML


class _Map(dict[str, Any]):
    """A YAML mapping that remembers its own line and each key's value line (1-based)."""

    line: int = 0
    key_lines: dict[str, int]


class _Seq(list[Any]):
    line: int = 0
    item_lines: list[int]


class _Loader(yaml.SafeLoader):
    pass


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> _Map:
    data = _Map()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            raise ListFormatError(
                loader.name, key_node.start_mark.line + 1, str(key), "keys must be strings"
            )
        if key in data:
            raise ListFormatError(loader.name, key_node.start_mark.line + 1, key, "duplicate key")
        try:
            data[key] = loader.construct_object(value_node, deep=True)
        except ValueError as exc:  # e.g. a timestamp such as 2020-13-01
            raise ListFormatError(
                loader.name, value_node.start_mark.line + 1, key, f"invalid value: {exc}"
            ) from exc
        data.key_lines[key] = value_node.start_mark.line + 1
    return data


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> _Seq:
    data = _Seq(loader.construct_object(child, deep=True) for child in node.value)
    data.line = node.start_mark.line + 1
    data.item_lines = [child.start_mark.line + 1 for child in node.value]
    return data


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_seq)


def _load(path: Path) -> _Map:
    text = read_text(path)
    loader = _Loader(text)
    loader.name = str(path)
    try:
        doc = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        mark_line = mark.line + 1 if mark else None
        raise ListFormatError(path, mark_line, None, f"YAML syntax error: {exc.problem}") from exc
    except yaml.YAMLError as exc:
        raise ListFormatError(path, None, None, f"YAML error: {exc}") from exc
    finally:
        loader.dispose()
    if not isinstance(doc, _Map):
        raise ListFormatError(path, 1, None, "top level must be a mapping")
    return doc


# --------------------------------------------------------------------------- checks


def _line(mapping: _Map, key: str) -> int:
    return mapping.key_lines.get(key, mapping.line)


def _check_keys(path: Path, mapping: _Map, allowed: set[str], where: str) -> None:
    for key in mapping:
        if key not in allowed:
            raise ListFormatError(
                path,
                _line(mapping, key),
                key,
                f"unknown key in {where} (allowed: {', '.join(sorted(allowed))})",
            )


def _string(path: Path, mapping: _Map, key: str, *, required: bool = True, where: str = "") -> str:
    value = mapping.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            label = f" in {where}" if where else ""
            raise ListFormatError(path, _line(mapping, key), key, f"missing value{label}")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ListFormatError(
            path, _line(mapping, key), key, f"expected text, got {type(value).__name__}"
        )
    return clean(str(value))


def _date(path: Path, mapping: _Map, key: str) -> date | None:
    value = mapping.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ListFormatError(
        path, _line(mapping, key), key, f"expected a YYYY-MM-DD date, got {value!r}"
    )


def _mapping(path: Path, value: Any, line: int, field: str) -> _Map:
    if not isinstance(value, _Map):
        raise ListFormatError(path, line, field, "expected a mapping")
    return value


def _sequence(path: Path, value: Any, line: int, field: str) -> _Seq:
    if value is None:
        empty = _Seq()
        empty.line = line
        empty.item_lines = []
        return empty
    if not isinstance(value, _Seq):
        raise ListFormatError(path, line, field, "expected a list")
    return value


def _aliases(path: Path, value: Any, line: int, default_source: str) -> list[ParsedAlias]:
    out: list[ParsedAlias] = []
    items = _sequence(path, value, line, "aliases")
    for item, item_line in zip(items, items.item_lines, strict=True):
        alias = _mapping(path, item, item_line, "aliases")
        _check_keys(path, alias, _ALIAS_KEYS, "alias")
        name = _string(path, alias, "name", where="alias")
        kind = _string(path, alias, "kind", where="alias")
        if kind not in ALIAS_KINDS:
            raise ListFormatError(
                path,
                _line(alias, "kind"),
                "kind",
                f"unknown alias kind {kind!r} (allowed: {', '.join(sorted(ALIAS_KINDS))})",
            )
        source = _string(path, alias, "source", required=not default_source, where="alias")
        out.append(ParsedAlias(name, kind, source or default_source))
    return out


def _is_alias_table(doc: _Map) -> bool:
    return "list" not in doc and "aliases" in doc


def _check_format(path: Path, doc: _Map, expected: str) -> None:
    if "format" in doc and doc["format"] != expected:
        raise ListFormatError(
            path, _line(doc, "format"), "format", f"expected {expected!r}, got {doc['format']!r}"
        )


# ------------------------------------------------------------------------ list files


def _parse_list_doc(path: Path, doc: _Map) -> ParseResult:
    _check_format(path, doc, LIST_FORMAT)
    _check_keys(path, doc, {"format", "list", "entries"}, "list file")
    header = _mapping(path, doc.get("list"), _line(doc, "list"), "list")
    _check_keys(path, header, _LIST_KEYS, "list header")
    code = _string(path, header, "code", where="list header")
    if not _CODE_RE.match(code):
        raise ListFormatError(path, _line(header, "code"), "code", f"invalid list code {code!r}")
    meta = ListMeta(
        code=code,
        title=_string(path, header, "title", where="list header"),
        publisher=_string(path, header, "publisher", where="list header"),
        legal_basis=_string(path, header, "legal_basis", where="list header"),
        url=_string(path, header, "url", where="list header"),
    )
    edition = _date(path, header, "edition")
    if "entries" not in doc:
        raise ListFormatError(path, doc.line, "entries", "missing entries")
    items = _sequence(path, doc["entries"], _line(doc, "entries"), "entries")

    drafts: list[tuple[int, str | None, dict[str, Any]]] = []
    for item, item_line in zip(items, items.item_lines, strict=True):
        entry = _mapping(path, item, item_line, "entries")
        _check_keys(path, entry, _ENTRY_KEYS, "entry")
        name = _string(path, entry, "name", where="entry")
        country = _string(path, entry, "country", required=False)
        if country and country not in COUNTRY_CODES:
            raise ListFormatError(
                path,
                _line(entry, "country"),
                "country",
                f"not an ISO 3166 alpha-2 code: {country!r}",
            )
        entity_type = _string(path, entry, "entity_type", where="entry")
        if entity_type not in ENTITY_TYPES:
            raise ListFormatError(
                path,
                _line(entry, "entity_type"),
                "entity_type",
                f"unknown entity type {entity_type!r} (allowed: {', '.join(sorted(ENTITY_TYPES))})",
            )
        listed_on = _date(path, entry, "listed_on")
        delisted_on = _date(path, entry, "delisted_on")
        if listed_on and delisted_on and delisted_on < listed_on:
            raise ListFormatError(
                path, _line(entry, "delisted_on"), "delisted_on", "delisted before listed"
            )
        source = _string(path, entry, "source", where="entry")
        flag = entry.get("earlier_edition", False)
        if not isinstance(flag, bool):
            raise ListFormatError(
                path, _line(entry, "earlier_edition"), "earlier_edition", "expected true or false"
            )
        aliases = _aliases(path, entry.get("aliases"), _line(entry, "aliases"), "")
        explicit_id = _string(path, entry, "id", required=False) or None
        raw = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in entry.items()}
        raw["aliases"] = [{"name": a.name, "kind": a.kind, "source": a.source} for a in aliases]
        raw["_line"] = entry.line
        drafts.append(
            (
                entry.line,
                explicit_id,
                {
                    "name": name,
                    "country": country,
                    "entity_type": entity_type,
                    "listed_on": listed_on,
                    "delisted_on": delisted_on,
                    "source": source,
                    "aliases": tuple(aliases),
                    "raw": _plain(raw),
                },
            )
        )

    ids = _assign_ids(path, drafts)
    entries = [
        ParsedEntry(
            list_code=code,
            external_id=ext_id,
            primary_name=d["name"],
            aliases=d["aliases"],
            country=d["country"],
            entity_type=d["entity_type"],
            listed_on=d["listed_on"],
            delisted_on=d["delisted_on"],
            source_citation=d["source"],
            raw=d["raw"],
        )
        for ext_id, (_, _, d) in zip(ids, drafts, strict=True)
    ]
    return ParseResult(lists={code: meta}, entries=entries, edition=edition)


def _assign_ids(path: Path, drafts: Sequence[tuple[int, str | None, dict[str, Any]]]) -> list[str]:
    by_slug: dict[str, list[int]] = {}
    for index, (_, explicit, draft) in enumerate(drafts):
        if explicit is None:
            by_slug.setdefault(slugify(draft["name"]), []).append(index)
    ids: list[str | None] = [explicit for _, explicit, _ in drafts]
    for slug, indexes in by_slug.items():
        ordered = sorted(indexes, key=lambda i: (drafts[i][2]["listed_on"] or date.min, i))
        ids[ordered[0]] = slug
        first_line = drafts[ordered[0]][0]
        for i in ordered[1:]:
            listed = drafts[i][2]["listed_on"]
            if listed is None:
                raise ListFormatError(
                    path,
                    drafts[i][0],
                    "name",
                    f"duplicate entry (same name as line {first_line}); give it an id or a "
                    "listed_on date",
                )
            ids[i] = f"{slug}--{listed.isoformat()}"
    seen: dict[str, int] = {}
    out: list[str] = []
    for (line, _, _), ext_id in zip(drafts, ids, strict=True):
        assert ext_id is not None
        if ext_id in seen:
            raise ListFormatError(
                path, line, "id", f"duplicate entry id {ext_id!r} (first at line {seen[ext_id]})"
            )
        seen[ext_id] = line
        out.append(ext_id)
    return out


def _plain(value: Any) -> Any:
    """JSON-serialisable copy (dates as ISO strings, _Map/_Seq as dict/list)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


# ------------------------------------------------------------------------ alias table


class AliasRow:
    """One row of an alias table: aliases for the entry (list_code, name)."""

    __slots__ = ("aliases", "line", "list_code", "name", "path")

    def __init__(
        self, path: Path, line: int, list_code: str, name: str, aliases: tuple[ParsedAlias, ...]
    ) -> None:
        self.path = path
        self.line = line
        self.list_code = list_code
        self.name = name
        self.aliases = aliases


def load_alias_table(path: Path) -> list[AliasRow]:
    """Read and validate an alias table file."""
    doc = _load(path)
    if not _is_alias_table(doc):
        raise ListFormatError(path, doc.line, "aliases", "not an alias table (no 'aliases' key)")
    return _parse_alias_doc(path, doc)


def _parse_alias_doc(path: Path, doc: _Map) -> list[AliasRow]:
    _check_format(path, doc, ALIAS_FORMAT)
    _check_keys(path, doc, {"format", "aliases"}, "alias table")
    items = _sequence(path, doc["aliases"], _line(doc, "aliases"), "aliases")
    rows: list[AliasRow] = []
    for item, item_line in zip(items, items.item_lines, strict=True):
        row = _mapping(path, item, item_line, "aliases")
        _check_keys(path, row, _TABLE_ROW_KEYS, "alias table row")
        code = _string(path, row, "list", where="alias table row")
        if "aliases" not in row:
            raise ListFormatError(path, row.line, "aliases", "missing aliases")
        aliases = tuple(_aliases(path, row["aliases"], _line(row, "aliases"), ""))
        value = row.get("name")
        if isinstance(value, _Seq):
            # One row may serve the same entity printed differently across editions.
            for name_value, name_line in zip(value, value.item_lines, strict=True):
                if not isinstance(name_value, str) or not name_value.strip():
                    raise ListFormatError(path, name_line, "name", "expected a non-empty name")
                rows.append(AliasRow(path, name_line, code, clean(name_value), aliases))
        else:
            name = _string(path, row, "name", where="alias table row")
            rows.append(AliasRow(path, _line(row, "name"), code, name, aliases))
    return rows


def apply_alias_table(
    entries: Iterable[ParsedEntry],
    rows: Iterable[AliasRow],
    *,
    strict_lists: Iterable[str] | None = None,
) -> list[ParsedEntry]:
    """Merge alias-table rows into entries with the same (list code, primary name).

    A row whose list is in ``strict_lists`` (default: every list present in ``entries``)
    but whose name matches no entry raises ListFormatError at the row's line.
    Aliases already present (same text, case-insensitive) are not added twice; the ones
    added are marked ``curated`` (the importer keeps them per entry across editions).
    """
    entry_list = list(entries)
    present = {e.list_code for e in entry_list}
    strict = present if strict_lists is None else set(strict_lists)
    names = {(e.list_code, e.primary_name.casefold()) for e in entry_list}
    by_key: dict[tuple[str, str], list[ParsedAlias]] = {}
    for row in rows:
        if row.list_code not in present:
            continue
        key = (row.list_code, row.name.casefold())
        by_key.setdefault(key, []).extend(row.aliases)
        if row.list_code in strict and key not in names:
            raise ListFormatError(
                row.path,
                row.line,
                "name",
                f"no entry named {row.name!r} in list {row.list_code}",
            )
    out: list[ParsedEntry] = []
    for entry in entry_list:
        extra = by_key.get((entry.list_code, entry.primary_name.casefold()))
        if not extra:
            out.append(entry)
            continue
        seen = {entry.primary_name.casefold()} | {a.name.casefold() for a in entry.aliases}
        merged = list(entry.aliases)
        for alias in extra:
            if alias.name.casefold() not in seen:
                seen.add(alias.name.casefold())
                merged.append(replace(alias, curated=True))
        out.append(replace(entry, aliases=tuple(merged)))
    return out


# ----------------------------------------------------------------------------- entry


def parse_grantcheck_yaml(path: Path) -> ParseResult:
    """A list file (+ aliases.yaml beside it), an alias table, or a directory of both."""
    if path.is_dir():
        return _parse_directory(path)
    doc = _load(path)
    if _is_alias_table(doc):
        _parse_alias_doc(path, doc)
        return ParseResult(lists={}, entries=[], edition=None)
    if "list" not in doc:
        raise ListFormatError(path, doc.line, "list", "missing list header")
    result = _parse_list_doc(path, doc)
    table = path.parent / ALIAS_FILE_NAME
    if table.is_file() and table.resolve() != path.resolve():
        result.entries = apply_alias_table(result.entries, load_alias_table(table))
    return result


def _parse_directory(directory: Path) -> ParseResult:
    files = sorted(p for p in directory.iterdir() if p.suffix in {".yaml", ".yml"} and p.is_file())
    lists: dict[str, ListMeta] = {}
    entries: list[ParsedEntry] = []
    tables: list[AliasRow] = []
    for file in files:
        doc = _load(file)
        if _is_alias_table(doc):
            tables.extend(_parse_alias_doc(file, doc))
            continue
        if "list" not in doc:
            raise ListFormatError(file, doc.line, "list", "missing list header")
        result = _parse_list_doc(file, doc)
        for code in result.lists:
            if code in lists:
                raise ListFormatError(file, doc.line, "code", f"list {code} defined twice")
        lists.update(result.lists)
        entries.extend(result.entries)
    return ParseResult(lists=lists, entries=apply_alias_table(entries, tables), edition=None)
