"""Extra import sheets about our own institution (administrators only: the import is).

institution: name (+ federal_rd_3yr_avg_usd) — one row, the profile.
institution_agreements: kind, counterpart (+ counterpart_country, unit, start_date, end_date,
notes); a unit named here is added to the institution's units.
programme_elements: element (+ certified_on, notes) — the certified elements of the
research-security programme.

Agreements and elements need a profile: in the database or in the same import.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from projects.importing import fields as f
from projects.importing.readers import Table
from projects.importing.sheets import Context, Sheet
from projects.importing.sheets_projects import plan_rows
from projects.models import (
    InstitutionAgreement,
    InstitutionProfile,
    InstitutionUnit,
    ProgrammeElement,
)
from projects.signals import institution_changed

MSG_NO_PROFILE = "no institution profile yet: add an institution sheet (name) to this import"
MSG_ONE_ROW = "the institution sheet has one row (our own institution)"
_AGREEMENT_KINDS = {k: k for k in InstitutionAgreement.Kind.values} | {
    "ci": "confucius_institute",
}
_ELEMENTS = {e: e for e in ProgrammeElement.Element.values} | {
    "cyber": "cybersecurity",
    "travel_preauthorization": "travel_preauthorisation",
    "research_security_training": "training",
}


def parse_rd_average(value: str) -> Any:
    return f.parse_amount(value) if value.strip() else None


def _has_profile(planner: Any, table: Table, row: int) -> bool:
    if "institution" in planner.tables or InstitutionProfile.objects.exists():
        return True
    planner.problem(table.file, row, None, MSG_NO_PROFILE)
    return False


def _plan_profile(planner: Any, table: Table) -> None:
    parsers: dict[str, Callable[[str], Any]] = {
        "name": lambda v: f.parse_text(v, max_length=300, is_required=True),
        "federal_rd_3yr_avg_usd": parse_rd_average,
    }
    kept = planner.extras.setdefault(table.name, {})
    for row, data in table.rows:
        values = planner.cells(table, row, data, parsers)
        if values is None:
            continue
        if kept:
            planner.problem(table.file, row, None, MSG_ONE_ROW)
            continue
        kept["profile"] = (row, values)


def _plan_agreements(planner: Any, table: Table) -> None:
    parsers: dict[str, Callable[[str], Any]] = {
        "kind": lambda v: f._choice(f.required(v), _AGREEMENT_KINDS, "agreement kind"),
        "counterpart": lambda v: f.parse_text(v, max_length=300, is_required=True),
        "counterpart_country": f.parse_country,
        "unit": lambda v: f.parse_text(v, max_length=300),
        "start_date": f.parse_date,
        "end_date": f.parse_date,
        "notes": lambda v: v,
    }

    def key(row: int, values: dict[str, Any]) -> Any:
        start, end = values["start_date"], values["end_date"]
        if start and end and end < start:
            planner.problem(table.file, row, "end_date", "end_date is before start_date")
            return None
        if not _has_profile(planner, table, row):
            return None
        return (values["kind"], values["counterpart"], start)

    plan_rows(planner, table, parsers, key)


def _plan_elements(planner: Any, table: Table) -> None:
    parsers: dict[str, Callable[[str], Any]] = {
        "element": lambda v: f._choice(f.required(v), _ELEMENTS, "programme element"),
        "certified_on": f.parse_date,
        "notes": lambda v: v,
    }

    def key(row: int, values: dict[str, Any]) -> Any:
        return values["element"] if _has_profile(planner, table, row) else None

    plan_rows(planner, table, parsers, key)


def _profile(context: Context) -> InstitutionProfile:
    found = InstitutionProfile.objects.order_by("pk").first()
    assert found is not None  # checked when planning; written first
    return found


def _announce(context: Context) -> None:
    if not context.dry_run:
        transaction.on_commit(lambda: institution_changed.send(sender=InstitutionProfile))


def _apply_profile(planner: Any, context: Context) -> None:
    _row, values = planner.extras["institution"]["profile"]
    profile = InstitutionProfile.objects.order_by("pk").first()
    fields = {"name": values["name"], "federal_rd_3yr_avg_usd": values["federal_rd_3yr_avg_usd"]}
    if profile is None:
        context.write(InstitutionProfile, [InstitutionProfile(**fields)], [], [])
        context.tally("institution", 1, 0, 1)
    elif context.diff(profile, fields):
        context.write(InstitutionProfile, [], [profile], list(fields))
        context.tally("institution", 0, 1, 1)
    else:
        context.tally("institution", 0, 0, 1)
        return
    _announce(context)


def _apply_agreements(planner: Any, context: Context) -> None:
    rows = planner.extras["institution_agreements"]
    profile = _profile(context)
    units = {u.name: u for u in InstitutionUnit.objects.filter(profile=profile)}
    new_units = [
        InstitutionUnit(profile=profile, name=name)
        for name in sorted({v["unit"] for _r, v in rows.values() if v["unit"]} - set(units))
    ]
    context.write(InstitutionUnit, new_units, [], [])
    units.update({u.name: u for u in new_units})
    existing = {
        (a.kind, a.counterpart, a.start_date): a
        for a in InstitutionAgreement.objects.filter(profile=profile)
    }
    names = ("counterpart_country", "unit", "end_date", "notes")
    new: list[InstitutionAgreement] = []
    changed: list[InstitutionAgreement] = []
    for (kind, counterpart, start), (_row, values) in rows.items():
        fields = {n: values[n] for n in names}
        fields["unit"] = units.get(values["unit"]) if values["unit"] else None
        agreement = existing.get((kind, counterpart, start))
        if agreement is None:
            new.append(
                InstitutionAgreement(
                    profile=profile,
                    kind=kind,
                    counterpart=counterpart,
                    start_date=start,
                    **fields,
                )
            )
        elif context.diff(agreement, fields):
            changed.append(agreement)
    context.write(InstitutionAgreement, new, changed, list(names))
    context.tally("institution_agreements", len(new), len(changed), len(rows))
    if new or changed or new_units:
        _announce(context)


def _apply_elements(planner: Any, context: Context) -> None:
    rows = planner.extras["programme_elements"]
    profile = _profile(context)
    existing = {e.element: e for e in ProgrammeElement.objects.filter(profile=profile)}
    new: list[ProgrammeElement] = []
    changed: list[ProgrammeElement] = []
    for element, (_row, values) in rows.items():
        fields = {"certified_on": values["certified_on"], "notes": values["notes"]}
        found = existing.get(element)
        if found is None:
            new.append(ProgrammeElement(profile=profile, element=element, **fields))
        elif context.diff(found, fields):
            changed.append(found)
    context.write(ProgrammeElement, new, changed, ["certified_on", "notes"])
    context.tally("programme_elements", len(new), len(changed), len(rows))
    if new or changed:
        _announce(context)


SHEETS = [
    Sheet("institution", ("name",), ("federal_rd_3yr_avg_usd",), _plan_profile, _apply_profile),
    Sheet(
        "institution_agreements",
        ("kind", "counterpart"),
        ("counterpart_country", "unit", "start_date", "end_date", "notes"),
        _plan_agreements,
        _apply_agreements,
    ),
    Sheet(
        "programme_elements",
        ("element",),
        ("certified_on", "notes"),
        _plan_elements,
        _apply_elements,
    ),
]
