"""Read a CPOS upload file (defusedxml: no entities, no external references) into entries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from projects.connectors.cpos.template import Problem, cpos_validate, text

MAX_FILE_BYTES = 5 * 1024 * 1024  # a CPOS of one person is a few kilobytes


class CposFileError(ValueError):
    """The file as a whole cannot be read (not XML, not the template)."""


@dataclass(frozen=True)
class Position:
    title: str
    organisation: str
    city: str = ""
    state: str = ""
    country: str = ""
    start_year: int | None = None
    end_year: int | None = None


@dataclass(frozen=True)
class Support:
    contribution: str  # award | inkind
    source: str
    title: str = ""
    award_number: str = ""
    location: str = ""
    amount: Decimal | None = None
    inkind_description: str = ""
    objectives: str = ""
    overlap: str = ""
    start: date | None = None
    end: date | None = None
    status: str = ""  # current | pending
    person_months: tuple[tuple[int, Decimal | None], ...] = ()


@dataclass
class CposDocument:
    orcid: str = ""
    era_commons: str = ""
    first_name: str = ""
    middle_name: str = ""
    last_name: str = ""
    positions: list[Position] = field(default_factory=list)
    supports: list[Support] = field(default_factory=list)
    # Entries left out, with the problems that made them unreadable.
    rejected: list[Problem] = field(default_factory=list)

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)


def parse_xml(data: bytes) -> Element:
    try:
        root: Element = SafeET.fromstring(data)
    except DefusedXmlException as exc:
        raise CposFileError(f"refused: {type(exc).__name__} (entities are not allowed)") from exc
    except SafeET.ParseError as exc:
        raise CposFileError(f"not well-formed XML: {exc}") from exc
    return root


def _year(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def _date(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


def _position(element: Element) -> Position:
    return Position(
        title=text(element.find("positiontitle")),
        organisation=text(element.find("organization/orgname")),
        city=text(element.find("organization/city")),
        state=text(element.find("organization/stateorprovince")),
        country=text(element.find("organization/country")),
        start_year=_year(text(element.find("startdate/year"))),
        end_year=_year(text(element.find("enddate/year"))),
    )


def _support(element: Element) -> Support:
    amount = text(element.find("awardamount"))
    months: list[tuple[int, Decimal | None]] = []
    for row in element.findall("commitment/personmonth"):
        value = text(row)
        months.append((int((row.get("year") or "").strip()), Decimal(value) if value else None))
    return Support(
        contribution=text(element.find("contributiontype")),
        source=text(element.find("supportsource")),
        title=text(element.find("projecttitle")),
        award_number=text(element.find("awardnumber")),
        location=text(element.find("location")),
        amount=Decimal(amount) if amount else None,
        inkind_description=text(element.find("inkinddescription")),
        objectives=text(element.find("overallobjectives")),
        overlap=text(element.find("potentialoverlap")),
        start=_date(text(element.find("startdate"))),
        end=_date(text(element.find("enddate"))),
        status=text(element.find("supporttype")),
        person_months=tuple(months),
    )


def cpos_read_bytes(data: bytes) -> CposDocument:
    """The document's identification and every entry that conforms; an entry that does not
    is in ``rejected`` with its problems. A file-level problem raises CposFileError."""
    if len(data) > MAX_FILE_BYTES:
        raise CposFileError(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    root = parse_xml(data)
    problems = cpos_validate(root)
    whole_file = [p for p in problems if not p.entry]
    if whole_file:
        raise CposFileError("; ".join(str(p) for p in whole_file))
    bad_entries = {p.entry for p in problems}
    document = CposDocument(rejected=[p for p in problems if p.entry])
    identification = root.find("identification")
    if identification is not None:
        for id_element in identification.findall("id"):
            if (id_element.get("idtype") or "").strip().lower() == "orcid":
                document.orcid = text(id_element)
        document.era_commons = text(identification.find("account"))
        document.first_name = text(identification.find("name/firstname"))
        document.middle_name = text(identification.find("name/middlename"))
        document.last_name = text(identification.find("name/lastname"))
    for i, element in enumerate(root.findall("employment/position"), start=1):
        if f"position[{i}]" not in bad_entries:
            document.positions.append(_position(element))
    for i, element in enumerate(root.findall("funding/support"), start=1):
        if f"support[{i}]" not in bad_entries:
            document.supports.append(_support(element))
    return document


def cpos_read(path: Path) -> CposDocument:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CposFileError(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
        data = path.read_bytes()
    except OSError as exc:
        raise CposFileError(f"cannot be read: {exc.strerror or exc}") from exc
    return cpos_read_bytes(data)
