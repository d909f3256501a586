"""Import of a person's own records: research-security training, covered international
travel and MFTRP certifications per award (training.csv, travel.csv, certifications.csv, or
sheets of those names). Registered in projects.importing.service: validated with the other
files (row-level problems, all or nothing) and written in the same transaction.

Natural keys: training (person, course, completed_on); travel (person, destination country,
departed_on); certifications (person, project, certified_on). The destination is a fact of
the trip: no column records a person's ethnicity, national origin or citizenship.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from django.utils import timezone

from projects.importing import fields as f
from projects.importing.readers import Table
from projects.models import MftrpCertification, Person, Project, Role, TrainingRecord, TravelRecord

COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "training": (("email", "course", "completed_on"), ("provider",)),
    "travel": (
        ("email", "destination_country", "departed_on"),
        ("returned_on", "purpose", "preauthorised_on", "preauthorisation_reference"),
    ),
    "certifications": (("email", "award_number", "certified_on"), ("sponsor",)),
}
SHEETS = tuple(COLUMNS)

MSG_IN_FUTURE = "is in the future"
MSG_RETURN_BEFORE_DEPARTURE = "returned_on is before departed_on"
MSG_REFERENCE_WITHOUT_DATE = "a pre-authorisation reference needs its date (preauthorised_on)"

ProjectKey = tuple[str, str]


class Planner(Protocol):
    """What these importers use of the portfolio import's planner (service._Planner)."""

    records: dict[str, dict[tuple[Any, ...], PlannedRecord]]

    def problem(self, file: str, row: int | None, column: str | None, reason: str) -> None: ...

    def cells(
        self, table: Table, row: int, data: dict[str, str], parsers: dict[str, Callable[[str], Any]]
    ) -> dict[str, Any] | None: ...

    def resolve_person(self, table: Table, row: int, email: str) -> bool: ...

    def resolve_project(
        self, table: Table, row: int, award_number: str, sponsor: str
    ) -> ProjectKey | None: ...


@dataclass
class PlannedRecord:
    row: int
    file: str
    values: dict[str, Any]

    def values_without(self, *names: str) -> dict[str, Any]:
        return {k: v for k, v in self.values.items() if k not in names}


def _past_date(value: str) -> date | None:
    found = f.parse_date(value, is_required=True)
    if found is not None and found > timezone.localdate():
        raise f.CellError(MSG_IN_FUTURE)
    return found


def _optional_past_date(value: str) -> date | None:
    return _past_date(value) if value else None


def _country(value: str) -> str:
    return f.parse_country(f.required(value))


PARSERS: dict[str, dict[str, Callable[[str], Any]]] = {
    "training": {
        "email": f.parse_email,
        "course": lambda v: f.parse_text(v, max_length=300, is_required=True),
        "provider": lambda v: f.parse_text(v, max_length=200),
        "completed_on": _past_date,
    },
    "travel": {
        "email": f.parse_email,
        "destination_country": _country,
        "departed_on": lambda v: f.parse_date(v, is_required=True),
        "returned_on": f.parse_date,
        "purpose": lambda v: f.parse_text(v, max_length=300),
        "preauthorised_on": _optional_past_date,
        "preauthorisation_reference": lambda v: f.parse_text(v, max_length=100),
    },
    "certifications": {
        "email": f.parse_email,
        "award_number": lambda v: f.parse_text(v, max_length=64, is_required=True),
        "sponsor": lambda v: f.parse_sponsor(v) if v else "",
        "certified_on": _past_date,
    },
}


def plan_records(planner: Planner, table: Table) -> None:
    """Validate one of these tables row by row into planner.records[table.name]."""
    planned = planner.records.setdefault(table.name, {})
    for row, data in table.rows:
        values = planner.cells(table, row, data, PARSERS[table.name])
        if values is None:
            continue
        key: tuple[Any, ...]
        if table.name == "training":
            key = (values["email"], values["course"].strip().casefold(), values["completed_on"])
        elif table.name == "travel":
            if values["returned_on"] and values["returned_on"] < values["departed_on"]:
                planner.problem(table.file, row, "returned_on", MSG_RETURN_BEFORE_DEPARTURE)
                continue
            if values["preauthorisation_reference"] and values["preauthorised_on"] is None:
                planner.problem(table.file, row, "preauthorised_on", MSG_REFERENCE_WITHOUT_DATE)
                continue
            key = (values["email"], values["destination_country"], values["departed_on"])
        else:
            project = planner.resolve_project(table, row, values["award_number"], values["sponsor"])
            if project is None:
                continue
            key = (values["email"], project, values["certified_on"])
        if not planner.resolve_person(table, row, values["email"]):
            continue
        if key in planned:
            planner.problem(table.file, row, None, f"same record as row {planned[key].row}")
            continue
        planned[key] = PlannedRecord(row, table.file, values)


TRAINING_FIELDS = ("provider",)
TRAVEL_FIELDS = ("returned_on", "purpose", "preauthorised_on", "preauthorisation_reference")


def apply_records(
    records: dict[str, dict[tuple[Any, ...], PlannedRecord]],
    counts: dict[str, dict[str, int]],
) -> set[int]:
    """Write the planned records (upsert on natural keys, with history and audit events);
    returns the projects to re-check: the projects of people whose training or travel
    changed, and the awards whose certifications did."""
    from projects.importing.service import _diff, _write  # the service registers this module

    emails = {k[0] for planned in records.values() for k in planned}
    if not emails:
        return set()
    people = {p.email: p for p in Person.objects.filter(email__in=emails)}
    touched_people: set[int] = set()
    touched_projects: set[int] = set()

    for sheet, model, key_of, fields in (
        (
            "training",
            TrainingRecord,
            lambda t: (t.person_id, t.course.strip().casefold(), t.completed_on),
            TRAINING_FIELDS,
        ),
        (
            "travel",
            TravelRecord,
            lambda t: (t.person_id, str(t.destination_country), t.departed_on),
            TRAVEL_FIELDS,
        ),
    ):
        planned = records.get(sheet, {})
        if not planned:
            continue
        # the natural key: the person's e-mail, then the rest as key_of reads it from a row
        existing = {
            key_of(row): row
            for row in model.objects.filter(person__email__in={k[0] for k in planned})
        }
        new: list[Any] = []
        changed: list[Any] = []
        for (email, *rest), rec in planned.items():
            person = people[email]
            found = existing.get((person.pk, *rest))
            if found is None:
                new.append(model(person=person, **rec.values_without("email")))
            elif _diff(found, {k: rec.values[k] for k in fields}):
                changed.append(found)
        _write(model, new, changed, fields)
        touched_people |= {row.person_id for row in new + changed}
        _tally(counts, sheet, len(new), len(changed), len(planned))

    planned = records.get("certifications", {})
    if planned:
        awards = {k[1][1] for k in planned}
        projects = {
            (p.sponsor, p.award_number): p for p in Project.objects.filter(award_number__in=awards)
        }
        known = set(
            MftrpCertification.objects.filter(project__award_number__in=awards).values_list(
                "person_id", "project_id", "certified_on"
            )
        )
        certs: list[MftrpCertification] = []
        for email, project_key, certified_on in planned:
            person, project = people[email], projects[project_key]
            if (person.pk, project.pk, certified_on) not in known:
                certs.append(
                    MftrpCertification(person=person, project=project, certified_on=certified_on)
                )
        _write(MftrpCertification, certs, [], [])
        touched_projects |= {c.project_id for c in certs}
        _tally(counts, "certifications", len(certs), 0, len(planned))

    if touched_people:
        roles = Role.objects.filter(person_id__in=touched_people)
        touched_projects |= set(roles.values_list("project_id", flat=True))
    return touched_projects


def _tally(
    counts: dict[str, dict[str, int]], name: str, new: int, changed: int, total: int
) -> None:
    counts[name] = {"created": new, "changed": changed, "unchanged": total - new - changed}
