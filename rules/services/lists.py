"""Import list editions: one ListVersion per list with its diff; re-importing is a no-op."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from projects.errors import ApplicationError
from rules.lists.parsers import (
    ListFormatError,
    ParsedEntry,
    apply_alias_table,
    load_alias_table,
    parse_list,
)
from rules.models import ListEntry, ListVersion, ReferenceList

ALIAS_TABLE = Path(settings.BASE_DIR) / "seeds" / "lists" / "aliases.yaml"


@dataclass
class ListImportOutcome:
    code: str
    status: str  # "created" | "unchanged"
    version_id: int
    entries: int
    added: int = 0
    removed: int = 0
    changed: int = 0


@dataclass
class ListImportReport:
    format: str
    source: str
    checksum: str
    lists: list[ListImportOutcome] = field(default_factory=list)

    @property
    def created_versions(self) -> list[int]:
        return [o.version_id for o in self.lists if o.status == "created"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "source": self.source,
            "checksum": self.checksum,
            "lists": [o.__dict__ for o in self.lists],
        }


def source_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def entry_hash(entry: ParsedEntry) -> str:
    payload = {
        "id": entry.external_id,
        "name": entry.primary_name,
        "aliases": [(a.name, a.kind, a.source) for a in entry.aliases],
        "country": entry.country,
        "type": entry.entity_type,
        "listed_on": entry.listed_on,
        "delisted_on": entry.delisted_on,
        "citation": entry.source_citation,
        "raw": entry.raw,
    }
    text = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _content_hash(hashes: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for external_id in sorted(hashes):
        digest.update(f"{external_id}\0{hashes[external_id]}\n".encode())
    return digest.hexdigest()


def _diff(
    previous: dict[str, tuple[str, str]], current: dict[str, tuple[str, str]]
) -> dict[str, Any]:
    """previous/current: external_id -> (content hash, name)."""
    added = sorted(set(current) - set(previous))
    removed = sorted(set(previous) - set(current))
    changed = sorted(k for k in set(current) & set(previous) if current[k][0] != previous[k][0])
    return {
        "added": [{"id": k, "name": current[k][1]} for k in added],
        "removed": [{"id": k, "name": previous[k][1]} for k in removed],
        "changed": [{"id": k, "name": current[k][1]} for k in changed],
    }


def list_import(
    *, fmt: str, path: Path, edition: date | None = None, user: Any = None
) -> ListImportReport:
    """Parse a list file; write a new version for each list whose content changed.

    A malformed file raises ApplicationError naming the line and field; nothing is written.
    """
    if not path.exists():
        raise ApplicationError(f"{path} does not exist")
    try:
        parsed = parse_list(fmt, path)
    except ListFormatError as exc:
        raise ApplicationError(str(exc), extra={"line": exc.line, "field": exc.field}) from exc
    except ValueError as exc:
        raise ApplicationError(str(exc)) from exc
    if fmt in ("csl-csv", "csl-json") and ALIAS_TABLE.is_file():
        # Our curated aliases (Chinese names, former names) also apply to CSL entries.
        parsed.entries = apply_alias_table(
            parsed.entries, load_alias_table(ALIAS_TABLE), strict_lists=()
        )
    checksum = source_checksum(path)
    report = ListImportReport(format=fmt, source=path.name, checksum=checksum)
    by_list: dict[str, list[ParsedEntry]] = {}
    for entry in parsed.entries:
        by_list.setdefault(entry.list_code, []).append(entry)
    with transaction.atomic():
        for code, entries in sorted(by_list.items()):
            meta = parsed.lists.get(code)
            report.lists.append(
                _import_one(
                    code=code,
                    meta=meta,
                    entries=entries,
                    fmt=fmt,
                    source=path.name,
                    checksum=checksum,
                    edition=edition or parsed.edition,
                    user=user,
                )
            )
    if report.created_versions:
        from rules.signals import list_versions_imported

        transaction.on_commit(
            lambda: list_versions_imported.send(sender=ListVersion, ids=report.created_versions)
        )
    return report


def _import_one(
    *,
    code: str,
    meta: Any,
    entries: list[ParsedEntry],
    fmt: str,
    source: str,
    checksum: str,
    edition: date | None,
    user: Any,
) -> ListImportOutcome:
    ref, _ = ReferenceList.objects.get_or_create(
        code=code,
        defaults={
            "title": getattr(meta, "title", code),
            "publisher": getattr(meta, "publisher", ""),
            "legal_basis": getattr(meta, "legal_basis", ""),
            "url": getattr(meta, "url", ""),
        },
    )
    hashes: dict[str, str] = {}
    unique: dict[str, ParsedEntry] = {}
    for entry in entries:
        if entry.external_id in unique:
            raise ApplicationError(
                f"{source}: {code} entry id {entry.external_id!r} appears twice "
                f"({unique[entry.external_id].primary_name!r} and {entry.primary_name!r})"
            )
        unique[entry.external_id] = entry
        hashes[entry.external_id] = entry_hash(entry)
    content = _content_hash(hashes)
    previous = ref.current_version
    if previous is not None and previous.content_hash == content:
        return ListImportOutcome(code, "unchanged", previous.pk, previous.entry_count)
    prev_map: dict[str, tuple[str, str]] = {}
    if previous is not None:
        prev_map = {
            ext: (h, name)
            for ext, h, name in previous.entries.values_list(
                "external_id", "content_hash", "primary_name"
            )
        }
    cur_map = {ext: (hashes[ext], e.primary_name) for ext, e in unique.items()}
    diff: dict[str, Any] = _diff(prev_map, cur_map) if previous is not None else {"initial": True}
    added, removed, changed = (len(diff.get(k, [])) for k in ("added", "removed", "changed"))
    version = ListVersion.objects.create(
        reference_list=ref,
        edition=edition,
        format=fmt,
        source_name=source,
        checksum=checksum,
        content_hash=content,
        imported_by=user if getattr(user, "is_authenticated", False) else None,
        previous=previous,
        entry_count=len(unique),
        diff=diff,
    )
    ListEntry.objects.bulk_create(
        [
            ListEntry(
                version=version,
                external_id=e.external_id,
                primary_name=e.primary_name,
                aliases=[{"name": a.name, "kind": a.kind, "source": a.source} for a in e.aliases],
                country=e.country,
                entity_type=e.entity_type,
                listed_on=e.listed_on,
                delisted_on=e.delisted_on,
                source_citation=e.source_citation,
                raw=json.loads(json.dumps(e.raw, default=str)),
                content_hash=hashes[e.external_id],
            )
            for e in unique.values()
        ],
        batch_size=2000,
    )
    return ListImportOutcome(
        code,
        "created",
        version.pk,
        len(unique),
        added=added if previous else len(unique),
        removed=removed,
        changed=changed,
    )
