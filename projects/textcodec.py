"""Decode uploaded text files: UTF-8 (with or without BOM) or UTF-16/32 with a BOM; else refuse.

Pure Python (no Django), shared by the portfolio importer and the list parsers. Errors name
the encoding problem and where it is (line, byte), so the user knows what to re-save.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import BinaryIO

MSG_NOT_UTF8 = "is not UTF-8"
MSG_UTF16_NO_BOM = "looks like UTF-16 without a byte-order mark"
MSG_BAD_BOM_TEXT = "does not decode as the encoding its byte-order mark announces"
HINT = "save it as UTF-8 (CSV UTF-8), or as UTF-16 with a byte-order mark"

# Longest first: the UTF-32-LE mark begins with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)


class TextEncodingError(ValueError):
    """A text file that is not in an encoding we read. ``line`` is 1-based when known."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def sniff_encoding(head: bytes) -> tuple[str, str]:
    """(Python codec, label) for a file starting with ``head`` (its first 4+ bytes)."""
    for bom, codec, label in _BOMS:
        if head.startswith(bom):
            return codec, label
    if len(head) >= 4 and (
        (head[1] == 0 and head[3] == 0 and head[0] and head[2])
        or (head[0] == 0 and head[2] == 0 and head[1] and head[3])
    ):
        raise TextEncodingError(1, f"file {MSG_UTF16_NO_BOM}; {HINT}")
    return "utf-8", "UTF-8"


def _decode_problem(label: str, line: int, bad: bytes) -> TextEncodingError:
    shown = bad[:1].hex() if bad else "end of file"
    if label == "UTF-8":
        reason = f"file {MSG_NOT_UTF8} (byte 0x{shown} at line {line} is not valid UTF-8)"
    else:
        reason = f"file {MSG_BAD_BOM_TEXT} ({label}; invalid data at line {line})"
    return TextEncodingError(line, f"{reason}; {HINT}")


def decode_bytes(data: bytes) -> str:
    """The text of a whole file held in memory; raises TextEncodingError."""
    codec, label = sniff_encoding(data[:4])
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        if label == "UTF-8":
            line = data.count(b"\n", 0, exc.start) + 1
        else:
            line = data[: exc.start].decode(codec, errors="replace").count("\n") + 1
        raise _decode_problem(label, line, data[exc.start : exc.end]) from exc


class TextLines:
    """Iterate the lines of a binary stream as text without reading it whole.

    Lines end at "\n" and keep it (what ``csv.reader`` wants). A decoding problem raises
    TextEncodingError naming the line; ``line`` counts the lines read so far.
    """

    CHUNK = 64 * 1024

    def __init__(self, stream: BinaryIO) -> None:
        head = stream.read(4)
        stream.seek(0)
        self.codec, self.label = sniff_encoding(head)
        self.line = 0
        self._stream = stream

    def __iter__(self) -> Iterator[str]:
        decoder = codecs.getincrementaldecoder(self.codec)("strict")
        pending = ""
        while True:
            chunk = self._stream.read(self.CHUNK)
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                raw = exc.object if isinstance(exc.object, bytes) else chunk
                before = raw[: exc.start].count(b"\n") if self.label == "UTF-8" else 0
                line = self.line + before + 1
                raise _decode_problem(self.label, line, raw[exc.start : exc.end]) from exc
            parts = (pending + text).split("\n")
            pending = parts.pop()
            for part in parts:
                self.line += 1
                yield part + "\n"
            if not chunk:
                if pending:
                    self.line += 1
                    yield pending
                return
