"""What changed between two editions of a list, and the curated aliases that carry across.

An entry's identity across editions is its external id. The diff compares entries by their
content — name, country, type, dates, citation, other source fields and aliases — never by
where they sit in the file, so adding one entry at the top changes nothing else.

Curated aliases (Chinese names, abbreviations, former names from ``aliases.yaml``) live in
:class:`~rules.models.CuratedAlias`, keyed by (list, external id). Every new edition of an
entry gets them, whether the uploaded file is the whole seed folder or one file.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from typing import Any

from django.utils import timezone

from rules.lists.parsers import ParsedAlias, ParsedEntry
from rules.models import CuratedAlias, ListEntry, ReferenceList

#: Source fields that depend on where an entry sits in its file, or are compared separately.
VOLATILE_RAW_KEYS = frozenset({"_line", "aliases"})
#: Raw keys already compared as named fields (their names in the grantcheck and CSL formats).
_RAW_SHADOWED = frozenset(
    {"name", "id", "_id", "country", "entity_type", "listed_on", "delisted_on", "source"}
    | {"alt_names", "start_date", "end_date", "source_list_url"}
)
FIELDS: tuple[str, ...] = (
    "primary_name",
    "country",
    "entity_type",
    "listed_on",
    "delisted_on",
    "source_citation",
)
SUMMARY_KEYS = ("added", "removed", "changed", "aliases_added", "aliases_dropped")


@dataclass(frozen=True)
class EntryContent:
    """An entry as the diff sees it: named fields, aliases by name, other source fields."""

    external_id: str
    fields: dict[str, str]
    aliases: dict[str, tuple[str, str, str]]  # casefolded name -> (name, kind, source)
    raw: dict[str, Any]

    @property
    def name(self) -> str:
        return self.fields["primary_name"]


def _stable_raw(raw: dict[str, Any]) -> dict[str, Any]:
    plain = json.loads(json.dumps(raw or {}, default=str))
    return {k: v for k, v in plain.items() if k not in VOLATILE_RAW_KEYS}


def _text(value: Any) -> str:
    return "" if value is None else (value.isoformat() if hasattr(value, "isoformat") else value)


def content_of_parsed(entry: ParsedEntry) -> EntryContent:
    return EntryContent(
        external_id=entry.external_id,
        fields={f: _text(getattr(entry, f)) for f in FIELDS},
        aliases={a.name.casefold(): (a.name, a.kind, a.source) for a in entry.aliases},
        raw=_stable_raw(entry.raw),
    )


def content_of_row(row: dict[str, Any]) -> EntryContent:
    """From ``ListEntry.objects.values(...)`` with FIELDS, external_id, aliases and raw."""
    return EntryContent(
        external_id=row["external_id"],
        fields={f: _text(row[f]) for f in FIELDS},
        aliases={
            a["name"].casefold(): (a["name"], a.get("kind", ""), a.get("source", ""))
            for a in row["aliases"] or []
        },
        raw=_stable_raw(row["raw"]),
    )


def previous_contents(version_id: int) -> dict[str, EntryContent]:
    rows = ListEntry.objects.filter(version_id=version_id).values(
        "external_id", "aliases", "raw", *FIELDS
    )
    return {row["external_id"]: content_of_row(row) for row in rows.iterator(chunk_size=2000)}


def entry_hash(content: EntryContent) -> str:
    payload = {
        "id": content.external_id,
        "fields": content.fields,
        "aliases": sorted(content.aliases.values()),
        "raw": content.raw,
    }
    text = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _entry_changes(old: EntryContent, new: EntryContent) -> dict[str, Any] | None:
    fields: dict[str, list[Any]] = {
        f: [old.fields[f], new.fields[f]] for f in FIELDS if old.fields[f] != new.fields[f]
    }
    for key in sorted((set(old.raw) | set(new.raw)) - _RAW_SHADOWED):
        if old.raw.get(key) != new.raw.get(key):
            fields[key] = [old.raw.get(key), new.raw.get(key)]
    added = [new.aliases[k][0] for k in sorted(set(new.aliases) - set(old.aliases))]
    dropped = [old.aliases[k][0] for k in sorted(set(old.aliases) - set(new.aliases))]
    amended = [
        new.aliases[k][0]
        for k in sorted(set(new.aliases) & set(old.aliases))
        if new.aliases[k] != old.aliases[k]
    ]
    if not (fields or added or dropped or amended):
        return None
    change: dict[str, Any] = {"id": new.external_id, "name": new.name, "fields": fields}
    change["aliases_added"] = added
    change["aliases_dropped"] = dropped
    if amended:
        change["aliases_amended"] = amended  # same alias, new kind or source
    return change


def edition_diff(
    previous: dict[str, EntryContent], current: dict[str, EntryContent]
) -> dict[str, Any]:
    """Entries added, removed and changed (with each field's old and new value and the
    aliases added or dropped), plus a ``summary`` of counts."""
    added = sorted(set(current) - set(previous))
    removed = sorted(set(previous) - set(current))
    changed = [
        change
        for key in sorted(set(current) & set(previous))
        if (change := _entry_changes(previous[key], current[key])) is not None
    ]
    summary = {
        "added": len(added),
        "removed": len(removed),
        "changed": len(changed),
        "aliases_added": sum(len(c["aliases_added"]) for c in changed),
        "aliases_dropped": sum(len(c["aliases_dropped"]) for c in changed),
    }
    return {
        "added": [{"id": k, "name": current[k].name} for k in added],
        "removed": [{"id": k, "name": previous[k].name} for k in removed],
        "changed": changed,
        "summary": summary,
    }


def diff_is_empty(diff: dict[str, Any]) -> bool:
    return not (diff.get("added") or diff.get("removed") or diff.get("changed"))


# ------------------------------------------------------------------ curated aliases


def curated_store(ref: ReferenceList | None) -> dict[str, dict[str, ParsedAlias]]:
    """external id -> {casefolded name: alias} for the list's curated aliases."""
    store: dict[str, dict[str, ParsedAlias]] = {}
    if ref is None or ref.pk is None:
        return store
    for ext, name, kind, source in CuratedAlias.objects.filter(reference_list=ref).values_list(
        "external_id", "name", "kind", "source"
    ):
        store.setdefault(ext, {})[name.casefold()] = ParsedAlias(name, kind, source, curated=True)
    return store


def curated_from_file(entries: dict[str, ParsedEntry]) -> dict[str, dict[str, ParsedAlias]]:
    """The curated aliases an import brings (alias table rows merged by the parser)."""
    out: dict[str, dict[str, ParsedAlias]] = {}
    for ext, entry in entries.items():
        for alias in entry.aliases:
            if alias.curated:
                out.setdefault(ext, {})[alias.name.casefold()] = alias
    return out


def with_curated(
    entries: dict[str, ParsedEntry], store: dict[str, dict[str, ParsedAlias]]
) -> dict[str, ParsedEntry]:
    """Each entry with the stored curated aliases it does not already carry."""
    out: dict[str, ParsedEntry] = {}
    for ext, entry in entries.items():
        extra = store.get(ext)
        if not extra:
            out[ext] = entry
            continue
        seen = {entry.primary_name.casefold()} | {a.name.casefold() for a in entry.aliases}
        merged = list(entry.aliases)
        for key, alias in extra.items():
            if key not in seen:
                seen.add(key)
                merged.append(alias)
        out[ext] = replace(entry, aliases=tuple(merged))
    return out


def curated_store_update(*, ref: ReferenceList, incoming: dict[str, dict[str, ParsedAlias]]) -> int:
    """Add (or correct the kind/source of) the curated aliases an import brings.

    Never deletes: an edition file without the alias table must not drop them.
    """
    existing = {
        (ext, name.casefold()): (pk, kind, source)
        for pk, ext, name, kind, source in CuratedAlias.objects.filter(
            reference_list=ref
        ).values_list("pk", "external_id", "name", "kind", "source")
    }
    new_rows: list[CuratedAlias] = []
    written = 0
    for ext, aliases in incoming.items():
        for key, alias in aliases.items():
            found = existing.get((ext, key))
            if found is None:
                new_rows.append(
                    CuratedAlias(
                        reference_list=ref,
                        external_id=ext,
                        name=alias.name,
                        kind=alias.kind,
                        source=alias.source,
                    )
                )
            elif (found[1], found[2]) != (alias.kind, alias.source):
                CuratedAlias.objects.filter(pk=found[0]).update(
                    kind=alias.kind, source=alias.source, updated_at=timezone.now()
                )
                written += 1
    CuratedAlias.objects.bulk_create(new_rows, batch_size=1000)
    return written + len(new_rows)
