"""Records every list parser returns, the format error, and shared validation helpers."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from projects.textcodec import TextEncodingError, decode_bytes

ALIAS_KINDS: frozenset[str] = frozenset({"aka", "former", "abbreviation", "native", "variant"})
ENTITY_TYPES: frozenset[str] = frozenset(
    {
        "entity",
        "individual",
        "vessel",
        "aircraft",
        "institution",
        "talent_programme",
        "company",
        "country",
    }
)


@dataclass(frozen=True)
class ParsedAlias:
    """Another name of a listed party, with where that name comes from."""

    name: str
    kind: str  # 'aka' | 'former' | 'abbreviation' | 'native' | 'variant'
    source: str
    #: From our alias table rather than the list file: kept per entry across editions.
    curated: bool = False


@dataclass(frozen=True)
class ParsedEntry:
    """One listed party as its source publishes it."""

    list_code: str
    external_id: str
    primary_name: str
    aliases: tuple[ParsedAlias, ...]
    country: str
    entity_type: str
    listed_on: date | None
    delisted_on: date | None
    source_citation: str
    raw: dict[str, Any]


@dataclass(frozen=True)
class ListMeta:
    """What a list is: code, title, publisher, legal basis and official URL."""

    code: str
    title: str
    publisher: str
    legal_basis: str
    url: str


@dataclass
class ParseResult:
    """Lists found in a file, their entries, and the edition date when the file states one.

    ``warnings`` records tolerated irregularities (e.g. a final CSV record cut off at end of
    file) so an importer can show them; it never holds errors, which raise ListFormatError.
    """

    lists: dict[str, ListMeta]
    entries: list[ParsedEntry]
    edition: date | None
    warnings: list[str] = field(default_factory=list)


class ListFormatError(Exception):
    """A malformed list file. ``str()`` reads ``path:line: field: message``."""

    def __init__(self, path: Path | str, line: int | None, field: str | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.field = field
        self.message = message
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.path, self.line, self.field, self.message))


_ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EDITION_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_SLUG_RE = re.compile(r"[^a-z0-9]+")


def parse_iso_date(value: str, path: Path, line: int | None, field_name: str) -> date | None:
    """'' -> None; 'YYYY-MM-DD' -> date; anything else raises ListFormatError."""
    text = value.strip()
    if not text:
        return None
    if not _ISO_DATE_RE.match(text):
        raise ListFormatError(path, line, field_name, f"expected a YYYY-MM-DD date, got {text!r}")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ListFormatError(path, line, field_name, f"invalid date {text!r}: {exc}") from exc


def edition_from_filename(path: Path) -> date | None:
    """The YYYY-MM-DD date in a file name such as csl_2023-11-30.csv, if any."""
    match = _EDITION_RE.search(path.name)
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def slugify(text: str) -> str:
    """ASCII slug used as a stable key for names without an identifier in their source."""
    folded = unicodedata.normalize("NFKD", text.replace("\u2019", "'").replace("'", ""))
    ascii_text = folded.encode("ascii", "ignore").decode("ascii").casefold()
    slug = _SLUG_RE.sub("-", ascii_text).strip("-")
    if slug:
        return slug
    # Names in a non-Latin script only: keep them stable with their code points.
    return "u" + "-".join(f"{ord(ch):x}" for ch in text.strip())[:120]


def clean(value: str | None) -> str:
    """Strip a cell and collapse inner runs of whitespace."""
    if value is None:
        return ""
    return " ".join(value.split())


def read_text(path: Path) -> str:
    """A list file's text: UTF-8 (BOM or not) or UTF-16/32 with a BOM; else ListFormatError."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ListFormatError(path, None, None, f"cannot read file: {exc}") from exc
    try:
        return decode_bytes(data)
    except TextEncodingError as exc:
        raise ListFormatError(path, exc.line, None, exc.message) from exc
