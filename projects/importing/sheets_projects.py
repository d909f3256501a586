"""Extra import sheets about a project: equipment.csv and foreign_components.csv.

equipment: award_number, description, manufacturer (+ sponsor, manufacturer_country, model,
acquired_on, notes); the manufacturer becomes an organisation, screened like any other.
foreign_components: award_number, kind (subaward | component), country (+ sponsor,
organisation, activity_code, due_date, notes).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from projects.importing import fields as f
from projects.importing.readers import Table
from projects.importing.sheets import Context, Sheet
from projects.models import EquipmentItem, ForeignComponent, Organisation, Project
from projects.normalize import organisation_key

_ACTIVITY = re.compile(r"^[A-Z0-9]{3}$")
_COMPONENT_KINDS = {
    "subaward": "subaward",
    "foreign_subaward": "subaward",
    "component": "component",
    "foreign_component": "component",
}


def parse_activity_code(value: str) -> str:
    code = value.strip().upper()
    if code and not _ACTIVITY.match(code):
        raise f.CellError(
            f"bad NIH activity code {value!r}; expected three letters/digits like R01"
        )
    return code


def parse_component_kind(value: str) -> str:
    return f._choice(f.required(value), _COMPONENT_KINDS, "kind")


def project_of(planner: Any, table: Table, row: int, values: dict[str, Any]) -> Any:
    return planner.resolve_project(table, row, values["award_number"], values["sponsor"])


def _award(v: str) -> str:
    return f.parse_text(v, max_length=64, is_required=True)


def _sponsor(v: str) -> str:
    return f.parse_sponsor(v) if v else ""


def plan_rows(
    planner: Any,
    table: Table,
    parsers: dict[str, Callable[[str], Any]],
    key: Callable[[int, dict[str, Any]], Any],
) -> None:
    """Parse each row, resolve it (key returns None after reporting a problem) and keep the
    first row of each key; a later row with the same key is a problem."""
    kept = planner.extras.setdefault(table.name, {})
    for row, data in table.rows:
        values = planner.cells(table, row, data, parsers)
        if values is None:
            continue
        found = key(row, values)
        if found is None:
            continue
        if found in kept:
            planner.problem(table.file, row, None, f"same {table.name} row as row {kept[found][0]}")
            continue
        kept[found] = (row, values)


def _plan_equipment(planner: Any, table: Table) -> None:
    parsers: dict[str, Callable[[str], Any]] = {
        "award_number": _award,
        "sponsor": _sponsor,
        "description": lambda v: f.parse_text(v, max_length=300, is_required=True),
        "manufacturer": lambda v: f.parse_text(v, max_length=500, is_required=True),
        "manufacturer_country": f.parse_country,
        "model": lambda v: f.parse_text(v, max_length=200),
        "acquired_on": f.parse_date,
        "notes": lambda v: v,
    }

    def key(row: int, values: dict[str, Any]) -> Any:
        org_key = (organisation_key(values["manufacturer"]), values["manufacturer_country"])
        if not org_key[0]:
            planner.problem(table.file, row, "manufacturer", "has no letters or digits")
            return None
        project = project_of(planner, table, row, values)
        if project is None:
            return None
        planner.orgs.setdefault(org_key, values["manufacturer"])
        return (project, org_key, values["description"], values["model"])

    plan_rows(planner, table, parsers, key)


def _plan_components(planner: Any, table: Table) -> None:
    parsers: dict[str, Callable[[str], Any]] = {
        "award_number": _award,
        "sponsor": _sponsor,
        "kind": parse_component_kind,
        "country": lambda v: f.parse_country(f.required(v)),
        "organisation": lambda v: f.parse_text(v, max_length=300),
        "activity_code": parse_activity_code,
        "due_date": f.parse_date,
        "notes": lambda v: v,
    }

    def key(row: int, values: dict[str, Any]) -> Any:
        if values["country"] == "US":
            planner.problem(table.file, row, "country", "a foreign component is outside the US")
            return None
        project = project_of(planner, table, row, values)
        if project is None:
            return None
        return (project, values["kind"], values["country"], values["organisation"])

    plan_rows(planner, table, parsers, key)


def projects_by_key(keys: set[tuple[str, str]]) -> dict[tuple[str, str], Project]:
    return {
        (p.sponsor, p.award_number): p
        for p in Project.objects.filter(award_number__in={k[1] for k in keys})
    }


def orgs_by_key(keys: set[tuple[str, str]]) -> dict[tuple[str, str], Organisation]:
    return {
        (o.normalized_name, str(o.country)): o
        for o in Organisation.objects.filter(normalized_name__in={k[0] for k in keys})
    }


def _apply_equipment(planner: Any, context: Context) -> None:
    rows = planner.extras["equipment"]
    projects = projects_by_key({k[0] for k in rows})
    orgs = orgs_by_key({k[1] for k in rows})
    existing = {
        (e.project_id, e.manufacturer_id, e.description, e.model): e
        for e in EquipmentItem.objects.filter(project__in=list(projects.values()))
    }
    new: list[EquipmentItem] = []
    changed: list[EquipmentItem] = []
    for (pkey, okey, description, model), (_row, values) in rows.items():
        project, maker = projects[pkey], orgs[okey]
        fields = {"acquired_on": values["acquired_on"], "notes": values["notes"]}
        item = existing.get((project.pk, maker.pk, description, model))
        if item is None:
            new.append(
                EquipmentItem(
                    project=project,
                    manufacturer=maker,
                    description=description,
                    model=model,
                    **fields,
                )
            )
        elif context.diff(item, fields):
            changed.append(item)
    context.write(EquipmentItem, new, changed, ["acquired_on", "notes"])
    context.tally("equipment", len(new), len(changed), len(rows))
    context.touched |= {e.project_id for e in new + changed}


def _apply_components(planner: Any, context: Context) -> None:
    rows = planner.extras["foreign_components"]
    projects = projects_by_key({k[0] for k in rows})
    existing = {
        (c.project_id, c.kind, str(c.country), c.organisation): c
        for c in ForeignComponent.objects.filter(project__in=list(projects.values()))
    }
    names = ("activity_code", "due_date", "notes")
    new: list[ForeignComponent] = []
    changed: list[ForeignComponent] = []
    for (pkey, kind, country, organisation), (_row, values) in rows.items():
        project = projects[pkey]
        fields = {n: values[n] for n in names}
        item = existing.get((project.pk, kind, country, organisation))
        if item is None:
            new.append(
                ForeignComponent(
                    project=project,
                    kind=kind,
                    country=country,
                    organisation=organisation,
                    **fields,
                )
            )
        elif context.diff(item, fields):
            changed.append(item)
    context.write(ForeignComponent, new, changed, list(names))
    context.tally("foreign_components", len(new), len(changed), len(rows))
    context.touched |= {c.project_id for c in new + changed}


SHEETS = [
    Sheet(
        "equipment",
        ("award_number", "description", "manufacturer"),
        ("sponsor", "manufacturer_country", "model", "acquired_on", "notes"),
        _plan_equipment,
        _apply_equipment,
        references=True,
    ),
    Sheet(
        "foreign_components",
        ("award_number", "kind", "country"),
        ("sponsor", "organisation", "activity_code", "due_date", "notes"),
        _plan_components,
        _apply_components,
        references=True,
    ),
]
