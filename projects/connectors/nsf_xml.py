"""NSF bulk award XML → award records. Pure: reads files, writes nothing, needs no Django.

NSF publishes one XML file per award (``<rootTag><Award>…</Award></rootTag>``), in yearly
archives. ``read_awards(path)`` accepts a folder (searched recursively), a ``.zip``, a
``.tar.gz``/``.tgz``/``.tar`` or one ``.xml`` file and yields, file by file, either an
``NsfAward`` or a ``Rejected`` item naming the file and saying why it was not read (not
well-formed XML, a missing award id, a bad amount or date, a file too large ...). A corrupt
archive ends the reading with one ``Rejected`` naming the archive.

XML is parsed with defusedxml (no entity expansion, no external resources). Phone numbers are
never read. E-mail addresses are read only to key people; they are kept out of ``repr``.
"""

from __future__ import annotations

import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

# An award file is a few kilobytes; anything far larger is not one (and is not read whole).
MAX_FILE_BYTES = 2 * 1024 * 1024
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip")

MSG_NOT_XML = "not well-formed XML: {error}"
MSG_UNSAFE = "refused: the XML declares entities or external resources ({error})"
MSG_NO_AWARD = "no <Award> element"
MSG_NO_ID = "the award has no <AwardID>"
MSG_NO_TITLE = "the award has no <AwardTitle>"
MSG_BAD_AMOUNT = "<AwardAmount> {value!r} is not an amount in dollars"
MSG_BAD_DATE = "<{tag}> {value!r} is not a date (MM/DD/YYYY)"
MSG_END_BEFORE_START = "<AwardExpirationDate> is before <AwardEffectiveDate>"
MSG_TOO_LARGE = "{size} bytes: larger than an award file can be ({limit} bytes at most)"
MSG_NOT_UTF8 = "not UTF-8 text"
MSG_BAD_ARCHIVE = "cannot read the archive: {error}"
MSG_UNREADABLE = "cannot read the file: {error}"
MSG_UNKNOWN_SOURCE = "expected a folder, a .zip, a .tar.gz or an .xml file"


@dataclass(frozen=True)
class Rejected:
    item: str
    reason: str


@dataclass(frozen=True)
class NsfInvestigator:
    first_name: str
    last_name: str
    role_code: str  # as NSF writes it: "Principal Investigator", "Former Co-Principal ..."
    email: str = field(default="", repr=False)  # a person key only: never shown, never stored
    start_date: date | None = None
    end_date: date | None = None

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


@dataclass(frozen=True)
class NsfInstitution:
    name: str
    city: str = ""
    state_code: str = ""
    country_name: str = ""


@dataclass(frozen=True)
class NsfAward:
    source: str  # the file it came from, for the run's report
    award_id: str
    title: str
    abstract: str
    amount_usd: Decimal
    start_date: date | None
    end_date: date | None
    instrument: str
    directorate: str
    division: str
    programme_elements: tuple[tuple[str, str], ...]  # (code, text)
    programme_references: tuple[tuple[str, str], ...]
    institution: NsfInstitution | None
    investigators: tuple[NsfInvestigator, ...]


Record = NsfAward | Rejected


class _Invalid(ValueError):
    pass


def _text(element: Element | None, path: str) -> str:
    if element is None:
        return ""
    found = element.find(path)
    if found is None or found.text is None:
        return ""
    return " ".join(found.text.split())


def _date(element: Element, tag: str) -> date | None:
    value = _text(element, tag)
    if not value:
        return None
    try:
        return datetime.strptime(value, "%m/%d/%Y").date()
    except ValueError:
        raise _Invalid(MSG_BAD_DATE.format(tag=tag, value=value)) from None


def _amount(award: Element) -> Decimal:
    value = _text(award, "AwardAmount")
    try:
        amount = Decimal(value or "0")
    except InvalidOperation:
        raise _Invalid(MSG_BAD_AMOUNT.format(value=value)) from None
    if not amount.is_finite() or amount < 0:
        raise _Invalid(MSG_BAD_AMOUNT.format(value=value))
    return amount


def _abstract(award: Element) -> str:
    found = award.find("AbstractNarration")
    if found is None or not found.text:
        return ""
    # NSF writes line breaks as escaped "<br/>" inside the text.
    text = found.text.replace("<br/>", "\n").replace("<br>", "\n")
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return "\n".join(lines).strip()


def _codes(award: Element, tag: str) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for element in award.findall(tag):
        code = _text(element, "Code")
        if code:
            out.append((code, _text(element, "Text")))
    return tuple(dict.fromkeys(out))


def _investigators(award: Element) -> tuple[NsfInvestigator, ...]:
    people: list[NsfInvestigator] = []
    for element in award.findall("Investigator"):
        first, last = _text(element, "FirstName"), _text(element, "LastName")
        if not (first or last):
            continue
        people.append(
            NsfInvestigator(
                first_name=first,
                last_name=last,
                role_code=_text(element, "RoleCode"),
                email=_text(element, "EmailAddress").lower(),
                start_date=_date(element, "StartDate"),
                end_date=_date(element, "EndDate"),
            )
        )
    return tuple(people)


def _institution(award: Element) -> NsfInstitution | None:
    element = award.find("Institution")
    name = _text(element, "Name")
    if element is None or not name:
        return None
    return NsfInstitution(
        name=name,
        city=_text(element, "CityName"),
        state_code=_text(element, "StateCode"),
        country_name=_text(element, "CountryName"),
    )


def parse_award(award: Element, source: str) -> NsfAward:
    """One <Award> element as a record; _Invalid (a ValueError) says what is wrong."""
    award_id = _text(award, "AwardID")
    if not award_id:
        raise _Invalid(MSG_NO_ID)
    title = _text(award, "AwardTitle")
    if not title:
        raise _Invalid(MSG_NO_TITLE)
    start, end = _date(award, "AwardEffectiveDate"), _date(award, "AwardExpirationDate")
    if start and end and end < start:
        raise _Invalid(MSG_END_BEFORE_START)
    return NsfAward(
        source=source,
        award_id=award_id,
        title=title,
        abstract=_abstract(award),
        amount_usd=_amount(award),
        start_date=start,
        end_date=end,
        instrument=_text(award, "AwardInstrument/Value"),
        directorate=_text(award, "Organization/Directorate/LongName"),
        division=_text(award, "Organization/Division/LongName"),
        programme_elements=_codes(award, "ProgramElement"),
        programme_references=_codes(award, "ProgramReference"),
        institution=_institution(award),
        investigators=_investigators(award),
    )


def parse_bytes(data: bytes, source: str) -> list[Record]:
    """The awards in one file's bytes (usually one), or why the file was rejected."""
    try:
        root = fromstring(data)
    except DefusedXmlException as exc:
        return [Rejected(source, MSG_UNSAFE.format(error=type(exc).__name__))]
    except ParseError as exc:
        return [Rejected(source, MSG_NOT_XML.format(error=exc))]
    except UnicodeDecodeError:
        return [Rejected(source, MSG_NOT_UTF8)]
    awards = [root] if root.tag == "Award" else root.findall("Award")
    if not awards:
        return [Rejected(source, MSG_NO_AWARD)]
    records: list[Record] = []
    for index, element in enumerate(awards):
        name = source if len(awards) == 1 else f"{source}#{index + 1}"
        try:
            records.append(parse_award(element, name))
        except _Invalid as exc:
            records.append(Rejected(name, str(exc)))
    return records


def _read_limited(stream: IO[bytes], name: str, size: int) -> bytes | Rejected:
    if size > MAX_FILE_BYTES:
        return Rejected(name, MSG_TOO_LARGE.format(size=size, limit=MAX_FILE_BYTES))
    data = stream.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        return Rejected(name, MSG_TOO_LARGE.format(size=len(data), limit=MAX_FILE_BYTES))
    return data


def _files_in_folder(folder: Path) -> Iterator[tuple[str, bytes | Rejected]]:
    for path in sorted(p for p in folder.rglob("*") if p.suffix.lower() == ".xml"):
        if not path.is_file():
            continue
        name = str(path.relative_to(folder))
        try:
            with path.open("rb") as stream:
                data = _read_limited(stream, name, path.stat().st_size)
        except OSError as exc:  # one unreadable file: reported, the others still read
            data = Rejected(name, MSG_UNREADABLE.format(error=exc.strerror or exc))
        yield name, data


def _files_in_tar(path: Path) -> Iterator[tuple[str, bytes | Rejected]]:
    # Streamed ("r|*"): members are read in archive order, never all at once.
    with tarfile.open(path, mode="r|*") as archive:
        for member in archive:
            if not member.isfile() or not member.name.lower().endswith(".xml"):
                continue
            stream = archive.extractfile(member)
            if stream is None:
                continue
            yield member.name, _read_limited(stream, member.name, member.size)


def _files_in_zip(path: Path) -> Iterator[tuple[str, bytes | Rejected]]:
    with zipfile.ZipFile(path) as archive:
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            if info.is_dir() or not info.filename.lower().endswith(".xml"):
                continue
            with archive.open(info) as stream:
                yield info.filename, _read_limited(stream, info.filename, info.file_size)


def source_files(path: Path) -> Iterator[tuple[str, bytes | Rejected]]:
    """(name, bytes) of every .xml file in the source, or a Rejected for a file (or the
    archive) that cannot be read."""
    lower = path.name.lower()
    try:
        if path.is_dir():
            yield from _files_in_folder(path)
        elif lower.endswith((".tar.gz", ".tgz", ".tar")):
            yield from _files_in_tar(path)
        elif lower.endswith(".zip"):
            yield from _files_in_zip(path)
        elif lower.endswith(".xml"):
            with path.open("rb") as stream:
                yield path.name, _read_limited(stream, path.name, path.stat().st_size)
        else:
            yield path.name, Rejected(path.name, MSG_UNKNOWN_SOURCE)
    except (tarfile.TarError, zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        yield path.name, Rejected(path.name, MSG_BAD_ARCHIVE.format(error=exc or type(exc)))


def read_awards(path: Path) -> Iterator[Record]:
    """Every award in the source, file by file, or why a file was not read."""
    for name, data in source_files(path):
        if isinstance(data, Rejected):
            yield data
        else:
            yield from parse_bytes(data, name)


def count_files(path: Path) -> int | None:
    """How many .xml files the source holds (for a progress bar); None if it cannot say."""
    lower = path.name.lower()
    try:
        if path.is_dir():
            return sum(1 for p in path.rglob("*") if p.suffix.lower() == ".xml" and p.is_file())
        if lower.endswith((".tar.gz", ".tgz", ".tar")):
            with tarfile.open(path, mode="r|*") as archive:
                return sum(1 for m in archive if m.isfile() and m.name.lower().endswith(".xml"))
        if lower.endswith(".zip"):
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
            return sum(1 for n in names if n.lower().endswith(".xml") and not n.endswith("/"))
        return 1
    except (tarfile.TarError, zipfile.BadZipFile, zlib.error, EOFError, OSError):
        return None
