"""Import list editions: one ListVersion per list with its diff; re-importing is a no-op."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from projects.errors import ApplicationError
from rules.lists.parsers import (
    ListFormatError,
    ParsedAlias,
    ParsedEntry,
    apply_alias_table,
    load_alias_table,
    parse_list,
)
from rules.models import ListEntry, ListVersion, ReferenceList
from rules.services import list_editions as editions

ALIAS_TABLE = Path(settings.BASE_DIR) / "seeds" / "lists" / "aliases.yaml"
STALE_PREVIEW = (
    "{code} has had another edition imported since this preview; nothing was imported. "
    "Preview the file again."
)


@dataclass
class ListImportOutcome:
    code: str
    status: str  # "created" | "unchanged"
    version_id: int
    entries: int
    added: int = 0
    removed: int = 0
    changed: int = 0
    aliases_added: int = 0
    aliases_dropped: int = 0
    previous_version_id: int | None = None
    diff: dict[str, Any] = field(default_factory=dict)


@dataclass
class ListImportReport:
    format: str
    source: str
    checksum: str
    lists: list[ListImportOutcome] = field(default_factory=list)
    dry_run: bool = False

    @property
    def created_versions(self) -> list[int]:
        return [o.version_id for o in self.lists if o.status == "created"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "source": self.source,
            "checksum": self.checksum,
            "dry_run": self.dry_run,
            "lists": [o.__dict__ for o in self.lists],
        }


def source_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def _content_hash(hashes: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for external_id in sorted(hashes):
        digest.update(f"{external_id}\0{hashes[external_id]}\n".encode())
    return digest.hexdigest()


class _DryRun(Exception):
    """Raised inside the import transaction to roll a preview back."""


def list_import(
    *,
    fmt: str,
    path: Path,
    edition: date | None = None,
    user: Any = None,
    dry_run: bool = False,
    expected_previous: Mapping[str, int | None] | None = None,
) -> ListImportReport:
    """Parse a list file; write a new version for each list whose content changed.

    A malformed file raises ApplicationError naming the line and field; nothing is written.
    Curated aliases of an entry carry over to its new edition (see ``list_editions``).
    ``dry_run`` computes the same report and diff and rolls everything back (a preview).
    ``expected_previous`` (list code -> the version id a preview was diffed against) refuses
    the import when a list has had another edition since.
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
    report = ListImportReport(format=fmt, source=path.name, checksum=checksum, dry_run=dry_run)
    by_list: dict[str, list[ParsedEntry]] = {}
    for entry in parsed.entries:
        by_list.setdefault(entry.list_code, []).append(entry)
    try:
        with transaction.atomic():
            for code, entries in sorted(by_list.items()):
                meta = parsed.lists.get(code)
                outcome = _import_one(
                    code=code,
                    meta=meta,
                    entries=entries,
                    fmt=fmt,
                    source=path.name,
                    checksum=checksum,
                    edition=edition or parsed.edition,
                    user=user,
                )
                if expected_previous is not None and (
                    expected_previous.get(code) != outcome.previous_version_id
                ):
                    raise ApplicationError(STALE_PREVIEW.format(code=code))
                report.lists.append(outcome)
            if dry_run:
                raise _DryRun
    except _DryRun:
        return report
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
    unique: dict[str, ParsedEntry] = {}
    for entry in entries:
        if entry.external_id in unique:
            raise ApplicationError(
                f"{source}: {code} entry id {entry.external_id!r} appears twice "
                f"({unique[entry.external_id].primary_name!r} and {entry.primary_name!r})"
            )
        unique[entry.external_id] = entry
    incoming = editions.curated_from_file(unique)
    editions.curated_store_update(ref=ref, incoming=incoming)
    unique = editions.with_curated(unique, editions.curated_store(ref))
    contents = {ext: editions.content_of_parsed(e) for ext, e in unique.items()}
    hashes = {ext: editions.entry_hash(c) for ext, c in contents.items()}
    content = _content_hash(hashes)
    previous = ref.current_version
    previous_id = previous.pk if previous is not None else None
    if previous is not None and previous.content_hash == content:
        return ListImportOutcome(
            code, "unchanged", previous.pk, previous.entry_count, previous_version_id=previous_id
        )
    diff: dict[str, Any] = {"initial": True}
    if previous is not None:
        diff = editions.edition_diff(editions.previous_contents(previous.pk), contents)
        if editions.diff_is_empty(diff):
            # Same entries (e.g. hashed under an older formula): nothing to store.
            return ListImportOutcome(
                code,
                "unchanged",
                previous.pk,
                previous.entry_count,
                previous_version_id=previous_id,
                diff=diff,
            )
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
                aliases=[_alias_json(a) for a in e.aliases],
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
    summary = diff.get("summary", {})
    return ListImportOutcome(
        code,
        "created",
        version.pk,
        len(unique),
        added=summary.get("added", 0) if previous else len(unique),
        removed=summary.get("removed", 0),
        changed=summary.get("changed", 0),
        aliases_added=summary.get("aliases_added", 0),
        aliases_dropped=summary.get("aliases_dropped", 0),
        previous_version_id=previous_id,
        diff=diff,
    )


def _alias_json(alias: ParsedAlias) -> dict[str, Any]:
    out: dict[str, Any] = {"name": alias.name, "kind": alias.kind, "source": alias.source}
    if alias.curated:
        out["curated"] = True
    return out
