"""The files a connector reads: a file, or every matching file in a folder; .gz read through."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from projects.errors import ApplicationError

MSG_NO_SUCH_PATH = "No such file or folder: {path}"


def files_in(path: str | Path, suffixes: tuple[str, ...]) -> list[Path]:
    """The file itself, or the folder's files ending with one of the suffixes, sorted."""
    root = Path(path)
    if root.is_file():
        return [root]
    if root.is_dir():
        return sorted(
            p for p in root.rglob("*") if p.is_file() and p.name.lower().endswith(suffixes)
        )
    raise ApplicationError(MSG_NO_SUCH_PATH.format(path=path))


@contextmanager
def opened(path: Path) -> Iterator[IO[bytes]]:
    """The file's bytes, decompressed when it is gzipped."""
    if path.name.lower().endswith(".gz"):
        with gzip.open(path, "rb") as handle:
            yield handle  # type: ignore[misc]  # a GzipFile reads bytes like any IO[bytes]
    else:
        with path.open("rb") as handle:
            yield handle
