"""Build a CPOS upload draft from grantcheck's data, for the person to upload to SciENcv,
complete there (effort, objectives, overlap) and certify.

The draft holds the person's identification (name, ORCID iD), their disclosed ties of a
position kind as ``<employment>`` positions, and under ``<funding>``: their projects that
are proposals or active awards (pending or current), then their disclosed ties of a support
or in-kind kind that have not ended by the draft's date. Before it is handed out the draft is
parsed back and checked against the template (``cpos_validate``); a draft that fails is
refused with its problems, never downloaded.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from xml.etree.ElementTree import Element, SubElement, tostring

from projects.connectors.cpos import mapping as m
from projects.connectors.cpos.read import CposDocument, Position, Support, parse_xml
from projects.connectors.cpos.template import SUPPORT_LIMITS, Problem, cpos_validate
from projects.models import Person, Project, Tie
from projects.vocabulary import TIE_KINDS, ProjectStatus, Sponsor

MAX_PERSON_MONTH_YEARS = 10  # one <personmonth> per year of the project, at most this many


class CposBuildError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def _years(start: date | None, end: date | None, as_of: date) -> tuple[int, ...]:
    first = (start or as_of).year
    last = (end or start or as_of).year
    last = min(max(last, first), first + MAX_PERSON_MONTH_YEARS - 1)
    return tuple(range(first, last + 1))


def _limit(value: str, field: str) -> str:
    return m.xml_text(value, SUPPORT_LIMITS[field])


def project_support(project: Project, as_of: date) -> Support:
    return Support(
        contribution="award",
        source=_limit(Sponsor(project.sponsor).label, "supportsource"),
        title=_limit(project.title, "projecttitle"),
        award_number=_limit(project.award_number, "awardnumber"),
        amount=Decimal(int(project.amount_usd)),
        objectives=_limit(project.abstract, "overallobjectives"),
        start=project.start_date,
        end=project.end_date,
        status="pending" if project.status == ProjectStatus.PROPOSAL else "current",
        person_months=tuple((y, None) for y in _years(project.start_date, project.end_date, as_of)),
    )


def _status(tie: Tie, as_of: date) -> str:
    return "pending" if tie.start_date and tie.start_date > as_of else "current"


def tie_support(tie: Tie, as_of: date) -> Support:
    notes = m.note_fields(tie.notes)
    label = TIE_KINDS[tie.kind].label
    years = tuple((y, None) for y in _years(tie.start_date, tie.end_date, as_of))
    amount = notes.get(m.NOTE_AMOUNT, "")
    if tie.kind in m.INKIND_KINDS:
        description = notes.get(m.NOTE_INKIND) or f"{label}: {tie.notes or tie.organisation.name}"
        return Support(
            contribution="inkind",
            source=_limit(tie.organisation.name, "supportsource"),
            inkind_description=_limit(description, "inkinddescription"),
            start=tie.start_date,
            end=tie.end_date,
            status=_status(tie, as_of),
            person_months=years,
        )
    return Support(
        contribution="award",
        source=_limit(tie.organisation.name, "supportsource"),
        title=_limit(notes.get(m.NOTE_PROJECT_TITLE) or label, "projecttitle"),
        award_number=_limit(notes.get(m.NOTE_AWARD_NUMBER, ""), "awardnumber"),
        amount=Decimal(amount) if amount.isdigit() else None,
        start=tie.start_date,
        end=tie.end_date,
        status=_status(tie, as_of),
        person_months=years,
    )


def tie_position(tie: Tie) -> Position:
    notes = m.note_fields(tie.notes)
    return Position(
        title=m.xml_text(notes.get(m.NOTE_POSITION_TITLE) or TIE_KINDS[tie.kind].label),
        organisation=m.xml_text(tie.organisation.name),
        country=m.country_alpha3(str(tie.organisation.country)),
        start_year=tie.start_date.year if tie.start_date else None,
        end_year=tie.end_date.year if tie.end_date else None,
    )


def cpos_entries(person: Person, *, as_of: date) -> CposDocument:
    """What the draft for this person holds, as of a date."""
    words = m.xml_text(person.name).split(" ")
    document = CposDocument(
        orcid=person.orcid,
        first_name=words[0],
        middle_name=" ".join(words[1:-1]),
        last_name=words[-1] if len(words) > 1 else "",
    )
    disclosed = [
        t
        for t in person.ties.select_related("organisation").order_by("start_date", "id")
        if t.disclosed_in
    ]
    document.positions = [tie_position(t) for t in disclosed if t.kind in m.POSITION_KINDS]
    projects = (
        Project.objects.filter(
            roles__person=person, status__in=[ProjectStatus.PROPOSAL, ProjectStatus.ACTIVE]
        )
        .distinct()
        .order_by("start_date", "id")
    )
    document.supports = [
        project_support(p, as_of) for p in projects if p.end_date is None or p.end_date >= as_of
    ]
    support_kinds = (*m.AWARD_KINDS, *m.INKIND_KINDS)
    document.supports += [
        tie_support(t, as_of)
        for t in disclosed
        if t.kind in support_kinds and (t.end_date is None or t.end_date >= as_of)
    ]
    return document


def _put(parent: Element, tag: str, value: str) -> Element:
    element = SubElement(parent, tag)
    element.text = value
    return element


def _support_xml(funding: Element, support: Support) -> None:
    element = SubElement(funding, "support")
    _put(element, "projecttitle", support.title)
    _put(element, "awardnumber", support.award_number)
    _put(element, "supportsource", support.source)
    _put(element, "location", support.location)
    _put(element, "contributiontype", support.contribution)
    _put(element, "awardamount", "" if support.amount is None else str(support.amount))
    _put(element, "inkinddescription", support.inkind_description)
    _put(element, "overallobjectives", support.objectives)
    _put(element, "potentialoverlap", support.overlap)
    _put(element, "startdate", support.start.isoformat() if support.start else "")
    if support.end is not None:
        _put(element, "enddate", support.end.isoformat())
    _put(element, "supporttype", support.status)
    commitment = SubElement(element, "commitment")
    for year, months in support.person_months:
        row = _put(commitment, "personmonth", "" if months is None else str(months))
        row.set("year", str(year))


def cpos_xml(document: CposDocument) -> bytes:
    """The simple upload template, UTF-8 with its declaration."""
    profile = Element("profile")
    identification = SubElement(profile, "identification")
    _put(identification, "id", document.orcid).set("idtype", "orcid")
    _put(identification, "account", document.era_commons).set("accounttype", "eRA-Commons")
    name = SubElement(identification, "name")
    name.set("current", "yes")
    _put(name, "firstname", document.first_name)
    _put(name, "middlename", document.middle_name)
    _put(name, "lastname", document.last_name)
    employment = SubElement(profile, "employment")
    for position in document.positions:
        element = SubElement(employment, "position")
        element.set("current", "no" if position.end_year else "yes")
        _put(element, "positiontitle", position.title)
        organization = SubElement(element, "organization")
        _put(organization, "orgname", position.organisation)
        _put(organization, "city", position.city)
        _put(organization, "stateorprovince", position.state)
        _put(organization, "country", position.country)
        if position.start_year:
            _put(SubElement(element, "startdate"), "year", str(position.start_year))
        if position.end_year:
            _put(SubElement(element, "enddate"), "year", str(position.end_year))
    funding = SubElement(profile, "funding")
    for support in document.supports:
        _support_xml(funding, support)
    body: bytes = tostring(profile, encoding="unicode").encode("utf-8")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body + b"\n"


def cpos_build(person: Person, *, as_of: date) -> bytes:
    """The person's draft, checked against the template before anyone gets it."""
    data = cpos_xml(cpos_entries(person, as_of=as_of))
    problems = cpos_validate(parse_xml(data))
    if problems:
        raise CposBuildError(problems)
    return data
