"""Import SciENcv CPOS upload files as what a person disclosed (``manage.py import_cpos``).

Each file names its person by the ORCID iD in ``<identification>`` (or the caller names the
person); a name alone never links a file to anyone. Each entry then confirms a tie of the
person (same organisation, a kind of the entry's group, overlapping dates), which is marked
disclosed in current and pending support on the document's date, or becomes a new tie so
disclosed. An award entry for one of the person's projects confirms the project (nothing to
write: the project is already in the portfolio). A file that cannot be read, or whose
person cannot be found, is rejected as a whole with the reason; an entry that breaks the
template is rejected with its problems while the file's other entries are imported.
Everything is recorded on an ``ImportRun`` (connector ``cpos``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from projects.connectors.cpos import mapping as m
from projects.connectors.cpos.read import CposDocument, CposFileError, Position, Support, cpos_read
from projects.connectors.cpos.template import SUPPORT_LIMITS
from projects.connectors.runs import RunReport, record_run
from projects.models import ImportRun, Organisation, Person, Project, Tie
from projects.normalize import organisation_key
from projects.services import organisation_get_or_create, tie_create, tie_update
from projects.validators import normalize_orcid

SOURCE_CUT = SUPPORT_LIMITS["supportsource"] - 10  # a cut name may lose a trailing space
MSG_NO_FILES = "no .xml file in {path}"
MSG_NO_PERSON = (
    "names no person of the portfolio: its ORCID iD {orcid} is not on anyone's record "
    "(a name alone is never enough; name the person with --person EMAIL)"
)
MSG_NO_ORCID = (
    "has no ORCID iD in <identification> (a name alone is never enough; name the person "
    "with --person EMAIL)"
)
MSG_UNKNOWN_EMAIL = "no person in the portfolio has the e-mail address {email}"
MSG_ORCID_MISMATCH = "its ORCID iD {orcid} is not the ORCID iD of {email} ({theirs})"
MSG_FUTURE_DATE = "the document date {day} is in the future"

Counts = dict[str, int]


class CposPersonError(ValueError):
    pass


@dataclass(frozen=True)
class EntryOutcome:
    key: str  # created | confirmed | unchanged | project
    tie: Tie | None = None


def cpos_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix.lower() == ".xml" and p.is_file())
    return [path]


def cpos_person(document: CposDocument, *, email: str = "") -> Person:
    orcid = normalize_orcid(document.orcid) if document.orcid else ""
    if email:
        person = Person.objects.filter(email=email.strip().lower()).first()
        if person is None:
            raise CposPersonError(MSG_UNKNOWN_EMAIL.format(email=email))
        if orcid and person.orcid and person.orcid != orcid:
            raise CposPersonError(
                MSG_ORCID_MISMATCH.format(orcid=orcid, email=email, theirs=person.orcid)
            )
        return person
    if not orcid:
        raise CposPersonError(MSG_NO_ORCID)
    found = Person.objects.filter(orcid=orcid).first()
    if found is None:
        raise CposPersonError(MSG_NO_PERSON.format(orcid=orcid))
    return found


def _same_organisation(tie: Tie, name: str, country: str) -> bool:
    org = tie.organisation
    if country and org.country and str(org.country) != country:
        return False
    if organisation_key(org.name) == organisation_key(name):
        return True
    # supportsource is cut at 60 characters: a longer name matches on its beginning.
    return len(name) >= SOURCE_CUT and m.xml_text(org.name).startswith(name)


def _overlaps(a: tuple[date | None, date | None], b: tuple[date | None, date | None]) -> bool:
    lo, hi = date.min, date.max
    return (a[0] or lo) <= (b[1] or hi) and (b[0] or lo) <= (a[1] or hi)


def _match(
    person: Person, kinds: tuple[str, ...], name: str, country: str, span: tuple[Any, Any]
) -> Tie | None:
    candidates = [
        tie
        for tie in person.ties.filter(kind__in=kinds).select_related("organisation").order_by("id")
        if _same_organisation(tie, name, country)
        and _overlaps((tie.start_date, tie.end_date), span)
    ]
    exact = [t for t in candidates if t.start_date == span[0]]
    if exact:
        return exact[0]
    return candidates[0] if candidates else None


def _organisation(name: str, country: str) -> Organisation:
    """An organisation of this name: the one of this country, else one of unknown country,
    else the only one of that name; a new one when none fits."""
    named = list(Organisation.objects.filter(normalized_name=organisation_key(name)))
    for wanted in (country, ""):
        for org in named:
            if str(org.country) == wanted:
                return org
    if not country and len(named) == 1:
        return named[0]
    org, _created = organisation_get_or_create(name=name, country=country)
    return org


def _confirm(tie: Tie, day: date) -> EntryOutcome:
    documents = sorted({*tie.disclosed_in, m.CPOS_DOCUMENT})
    disclosed_on = max(tie.disclosed_on, day) if tie.disclosed_on else day
    if documents == sorted(tie.disclosed_in) and disclosed_on == tie.disclosed_on:
        return EntryOutcome("unchanged", tie)
    tie_update(tie=tie, disclosed_in=documents, disclosed_on=disclosed_on)
    return EntryOutcome("confirmed", tie)


def _position_span(position: Position) -> tuple[date | None, date | None]:
    start = date(position.start_year, 1, 1) if position.start_year else None
    end = date(position.end_year, 12, 31) if position.end_year else None
    return start, end


def import_position(person: Person, position: Position, day: date) -> EntryOutcome:
    country = m.country_code(position.country)
    span = _position_span(position)
    tie = _match(person, m.POSITION_KINDS, position.organisation, country, span)
    if tie is not None:
        return _confirm(tie, day)
    created = tie_create(
        person=person,
        organisation=_organisation(position.organisation, country),
        kind=m.NEW_POSITION_KIND,
        start_date=span[0],
        end_date=span[1],
        disclosed_in=[m.CPOS_DOCUMENT],
        disclosed_on=day,
        notes=m.notes_with("", {m.NOTE_POSITION_TITLE: position.title}),
    )
    return EntryOutcome("created", created)


def _award_number_key(value: str) -> str:
    return "".join(value.split()).upper()


def _person_project(person: Person, award_number: str) -> Project | None:
    key = _award_number_key(award_number)
    if not key:
        return None
    for project in Project.objects.filter(roles__person=person).order_by("id"):
        if _award_number_key(project.award_number) == key:
            return project
    return None


def _support_notes(support: Support) -> dict[str, str]:
    months = "; ".join(
        f"{year} {value if value is not None else '-'}" for year, value in support.person_months
    )
    return {
        m.NOTE_PROJECT_TITLE: support.title,
        m.NOTE_AWARD_NUMBER: support.award_number,
        m.NOTE_AMOUNT: str(support.amount) if support.amount is not None else "",
        m.NOTE_INKIND: support.inkind_description if support.contribution == "inkind" else "",
        m.NOTE_PERSON_MONTHS: months,
    }


def import_support(person: Person, support: Support, day: date) -> EntryOutcome:
    if support.contribution == "award" and _person_project(person, support.award_number):
        return EntryOutcome("project")
    award = support.contribution == "award"
    kinds = m.AWARD_KINDS if award else m.INKIND_KINDS
    span = (support.start, support.end)
    tie = _match(person, kinds, support.source, "", span)
    if tie is not None:
        return _confirm(tie, day)
    created = tie_create(
        person=person,
        organisation=_organisation(support.source, ""),
        kind=m.NEW_AWARD_KIND if award else m.NEW_INKIND_KIND,
        start_date=support.start,
        end_date=support.end,
        disclosed_in=[m.CPOS_DOCUMENT],
        disclosed_on=day,
        notes=m.notes_with("", _support_notes(support)),
    )
    return EntryOutcome("created", created)


def _error_text(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)


def import_document(
    document: CposDocument, person: Person, day: date, report: RunReport, item: str
) -> None:
    """Apply one document's entries; each in its own savepoint, so a refused entry is
    reported and the others stay."""
    problems: dict[str, list[str]] = defaultdict(list)
    for problem in document.rejected:
        problems[problem.entry].append(problem.message)
    for where, messages in problems.items():
        report.reject(f"{item} {where}", "; ".join(messages))
    entries: list[tuple[str, Position | Support]] = [
        *((f"position {p.organisation!r}", p) for p in document.positions),
        *((f"support {s.award_number or s.source!r}", s) for s in document.supports),
    ]
    for label, entry in entries:
        try:
            with transaction.atomic():
                if isinstance(entry, Position):
                    outcome = import_position(person, entry, day)
                else:
                    outcome = import_support(person, entry, day)
        except ValidationError as exc:
            report.reject(f"{item} {label}", _error_text(exc))
            continue
        report.count(outcome.key)


def cpos_import(
    *, path: Path, document_date: date | None = None, person_email: str = "", user: Any = None
) -> ImportRun:
    """Import a CPOS file or every ``.xml`` file of a folder; the run's report."""
    day = document_date or timezone.localdate()
    with record_run(ImportRun.Connector.CPOS, str(path), user=user) as report:
        if day > timezone.localdate():
            report.reject(str(path), MSG_FUTURE_DATE.format(day=day))
        else:
            files = cpos_files(path)
            if not files:
                report.reject(str(path), MSG_NO_FILES.format(path=path))
            for file in files:
                report.count("files")
                try:
                    document = cpos_read(file)
                    person = cpos_person(document, email=person_email)
                except (CposFileError, CposPersonError) as exc:
                    report.reject(file.name, str(exc))
                    continue
                import_document(document, person, day, report, file.name)
    assert report.run is not None
    return report.run
