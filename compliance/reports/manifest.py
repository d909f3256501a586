"""Export manifest: what was exported, for whom, when, how many rows, and the files' SHA-256."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path, PurePath
from typing import Any

__all__ = ["Manifest", "sha256_bytes", "sha256_chunks", "sha256_file", "utc_now_iso"]

_BLOCK = 1024 * 1024


def utc_now_iso() -> str:
    """Current UTC time as ISO 8601 with seconds precision, e.g. ``2026-11-28T10:00:00+00:00``."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks (memory stays flat for any size)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of an in-memory payload."""
    return hashlib.sha256(data).hexdigest()


def sha256_chunks(chunks: Iterable[bytes]) -> str:
    """Hex SHA-256 of a stream of chunks (e.g. :func:`csv_chunks`) without joining them."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


def _json_default(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")  # exact, never a float
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, PurePath):
        return str(value)
    return str(value)  # UUID, lazy translation strings, model choices...


@dataclass
class Manifest:
    """Describes one export.

    ``kind`` is the report (``"findings"``, ``"decisions"``, ``"exposure"``, ``"audit"``...),
    ``format`` the file format (``"csv"``, ``"xlsx"``, ``"pdf"``, ``"zip"``...). ``filters``
    holds the filters applied (values may be dates, decimals, enums: they are serialised to
    strings). ``as_of`` and ``generated_at`` are ISO 8601 strings. ``row_counts`` maps a
    section name to its row count, ``files`` a file name to its hex SHA-256.
    """

    kind: str
    format: str
    filters: dict[str, Any] = field(default_factory=dict)
    as_of: str | None = None
    generated_by: str = ""
    generated_at: str = field(default_factory=utc_now_iso)
    row_counts: dict[str, int] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)

    def add_file(self, path: Path, *, name: str | None = None) -> str:
        """Hash ``path`` and record it under ``name`` (default: the file name); return the hash."""
        digest = sha256_file(path)
        self.files[name or path.name] = digest
        return digest

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-compatible dict (filters serialised the same way as in :meth:`to_json`)."""
        data: dict[str, Any] = json.loads(self.to_json())
        return data

    def to_json(self, *, indent: int | None = 2) -> str:
        """Stable JSON (sorted keys, UTF-8 text kept as is) for storing next to the export."""
        return json.dumps(
            asdict(self), default=_json_default, sort_keys=True, ensure_ascii=False, indent=indent
        )

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        """Inverse of :meth:`to_json` (filter values come back as their JSON form)."""
        data = json.loads(text)
        return cls(
            kind=data["kind"],
            format=data["format"],
            filters=dict(data.get("filters") or {}),
            as_of=data.get("as_of"),
            generated_by=data.get("generated_by", ""),
            generated_at=data.get("generated_at", ""),
            row_counts={str(k): int(v) for k, v in (data.get("row_counts") or {}).items()},
            files={str(k): str(v) for k, v in (data.get("files") or {}).items()},
        )
