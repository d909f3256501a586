"""Uploaded list files, shared by the list-import API and portal page.

Uploads are copied to a temporary folder in chunks (never read whole into memory) and the
parser reads them from disk; errors name the uploaded file, never the temporary path.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from projects.errors import ApplicationError
from rules.lists.parsers import ListFormatError

CHUNK = 256 * 1024


def _copy(stream: BinaryIO, target: Path) -> None:
    chunks = getattr(stream, "chunks", None)
    with target.open("wb") as out:
        if chunks is not None:  # Django's UploadedFile
            for chunk in chunks(CHUNK):
                out.write(chunk)
            return
        while block := stream.read(CHUNK):
            out.write(block)


@contextmanager
def saved_uploads(files: Iterable[tuple[str, BinaryIO]]) -> Iterator[list[Path]]:
    """Copy (name, stream) uploads into a temporary folder; paths in upload order."""
    with tempfile.TemporaryDirectory(prefix="grantcheck-list-") as tmp:
        folder = Path(tmp) / "upload"
        folder.mkdir()
        paths = []
        for name, stream in files:
            target = folder / (Path(name or "upload").name or "upload")
            _copy(stream, target)
            paths.append(target)
        yield paths


def list_import_error_text(exc: ApplicationError) -> str:
    """The parser's error as the uploader sees it: file name, line, field, message."""
    cause = exc.__cause__
    if isinstance(cause, ListFormatError):
        where = [Path(cause.path).name]
        if cause.line is not None:
            where.append(f"line {cause.line}")
        if cause.field:
            where.append(f"field {cause.field}")
        return f"{', '.join(where)}: {cause.message}"
    return exc.message.replace(tempfile.gettempdir(), "…")
