"""Uploaded list files held between the preview of an import and its confirmation.

The confirmation imports exactly the bytes that were previewed: the files stay in a
server-side folder named by a random token, bound to the user who uploaded them, checked
against the SHA-256 taken at upload, and dropped after ``STAGING_TTL`` seconds. Several web
servers need a shared folder (``LIST_IMPORT_STAGING_DIR``) or sticky sessions.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

STAGING_TTL = 3600
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
_META = "meta.json"
_FILES = "files"


@dataclass(frozen=True)
class StagedImport:
    token: str
    folder: Path
    fmt: str
    edition: str | None
    expected: str | None
    previous: dict[str, int | None]

    @property
    def path(self) -> Path:
        """What the importer reads: the folder for ofac-sdn, else the one file."""
        files = self.folder / _FILES
        if self.fmt == "ofac-sdn":
            return files
        return next(p for p in sorted(files.iterdir()) if p.is_file())


def staging_root() -> Path:
    configured = settings.LIST_IMPORT_STAGING_DIR
    root = Path(configured) if configured else Path(tempfile.gettempdir()) / "grantcheck-lists"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for file in sorted(p for p in folder.iterdir() if p.is_file()):
        digest.update(file.name.encode() + b"\0")
        with file.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _purge_expired(root: Path) -> None:
    cutoff = time.time() - STAGING_TTL
    for child in root.iterdir():
        try:
            if child.is_dir() and child.stat().st_mtime < cutoff:
                shutil.rmtree(child, ignore_errors=True)
        except OSError:
            continue


def staged_create(
    *, files: list[UploadedFile], user: Any, fmt: str, edition: str | None, expected: str | None
) -> StagedImport:
    """Write the uploads (in chunks) under a new token; returns the staged import."""
    root = staging_root()
    _purge_expired(root)
    token = secrets.token_urlsafe(32)
    folder = root / token
    target = folder / _FILES
    target.mkdir(parents=True)
    for upload in files:
        name = Path(upload.name or "upload").name
        if name in ("", ".", ".."):
            name = "upload"
        with (target / name).open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
    meta = {
        "user_id": user.pk,
        "fmt": fmt,
        "edition": edition,
        "expected": expected,
        "sha256": _digest(target),
        "previous": {},
        "created": time.time(),
    }
    (folder / _META).write_text(json.dumps(meta), encoding="utf-8")
    return StagedImport(token, folder, fmt, edition, expected, {})


def staged_remember_previous(staged: StagedImport, previous: dict[str, int | None]) -> None:
    """Record which edition of each list the preview was diffed against."""
    meta_path = staged.folder / _META
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["previous"] = previous
    meta_path.write_text(json.dumps(meta), encoding="utf-8")


def staged_get(token: str, *, user: Any) -> StagedImport | None:
    """The staged import for this token and user, unless expired, foreign or altered."""
    if not _TOKEN_RE.match(token or ""):
        return None
    folder = staging_root() / token
    try:
        meta = json.loads((folder / _META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if meta.get("user_id") != user.pk or time.time() - meta.get("created", 0) > STAGING_TTL:
        return None
    if _digest(folder / _FILES) != meta.get("sha256"):
        return None
    return StagedImport(
        token,
        folder,
        meta["fmt"],
        meta.get("edition"),
        meta.get("expected"),
        dict(meta.get("previous") or {}),
    )


def staged_discard(staged: StagedImport) -> None:
    shutil.rmtree(staged.folder, ignore_errors=True)
