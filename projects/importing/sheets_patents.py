"""Extra import sheet patents.csv: a patent filing is a tie of kind patent (person →
assignee, filed on the tie's start date, disclosed in the tie's documents) plus its office
and application number.

Columns: email, assignee, jurisdiction (+ assignee_country, filing_date, application_number,
disclosed_in, award_number, sponsor). The tie is the one ties.csv would make for the same
person, assignee, filing date and project (kind patent): one row of each does not duplicate it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django_countries import countries

from projects.importing import fields as f
from projects.importing.readers import Table
from projects.importing.sheets import Context, Sheet
from projects.importing.sheets_projects import orgs_by_key, plan_rows, projects_by_key
from projects.models import PATENT_OFFICES, PatentFiling, Person, Role, Tie
from projects.normalize import organisation_key


def parse_jurisdiction(value: str) -> str:
    code = f.required(value).strip().upper()
    if code in PATENT_OFFICES or code in dict(countries):
        return code
    raise f.CellError(
        f"unknown patent office {value!r}; use an ISO 3166 alpha-2 code or one of "
        f"{', '.join(PATENT_OFFICES)}"
    )


def _plan(planner: Any, table: Table) -> None:
    parsers: dict[str, Callable[[str], Any]] = {
        "email": f.parse_email,
        "assignee": lambda v: f.parse_text(v, max_length=500, is_required=True),
        "assignee_country": f.parse_country,
        "jurisdiction": parse_jurisdiction,
        "filing_date": f.parse_date,
        "application_number": lambda v: f.parse_text(v, max_length=64),
        "disclosed_in": f.parse_disclosed_in,
        "award_number": lambda v: f.parse_text(v, max_length=64),
        "sponsor": lambda v: f.parse_sponsor(v) if v else "",
    }

    def key(row: int, values: dict[str, Any]) -> Any:
        org_key = (organisation_key(values["assignee"]), values["assignee_country"])
        if not org_key[0]:
            planner.problem(table.file, row, "assignee", "has no letters or digits")
            return None
        project = None
        if values["award_number"]:
            project = planner.resolve_project(table, row, values["award_number"], values["sponsor"])
            if project is None:
                return None
        if not planner.resolve_person(table, row, values["email"]):
            return None
        planner.orgs.setdefault(org_key, values["assignee"])
        return (values["email"], org_key, values["filing_date"], project)

    plan_rows(planner, table, parsers, key)


def _apply(planner: Any, context: Context) -> None:
    rows = planner.extras["patents"]
    people = {p.email: p for p in Person.objects.filter(email__in={k[0] for k in rows})}
    orgs = orgs_by_key({k[1] for k in rows})
    projects = projects_by_key({k[3] for k in rows if k[3]})
    ties = {
        (t.person_id, t.organisation_id, t.start_date, t.project_id): t
        for t in Tie.objects.filter(person__in=list(people.values()), kind="patent")
    }
    new_ties: list[Tie] = []
    changed_ties: list[Tie] = []
    placed: list[tuple[Tie, dict[str, Any]]] = []
    for (email, okey, filed, pkey), (_row, values) in rows.items():
        person, org = people[email], orgs[okey]
        project = projects[pkey] if pkey else None
        tie = ties.get((person.pk, org.pk, filed, project.pk if project else None))
        disclosed = {"disclosed_in": values["disclosed_in"]}
        if tie is None:
            tie = Tie(
                person=person,
                organisation=org,
                kind="patent",
                start_date=filed,
                project=project,
                **disclosed,
            )
            new_ties.append(tie)
        elif context.diff(tie, disclosed):
            changed_ties.append(tie)
        placed.append((tie, values))
    context.write(Tie, new_ties, changed_ties, ["disclosed_in"])
    filings = {p.tie_id: p for p in PatentFiling.objects.filter(tie__in=[t for t, _v in placed])}
    new: list[PatentFiling] = []
    changed: list[PatentFiling] = []
    for tie, values in placed:
        fields = {k: values[k] for k in ("jurisdiction", "application_number")}
        filing = filings.get(tie.pk)
        if filing is None:
            new.append(PatentFiling(tie=tie, **fields))
        elif context.diff(filing, fields):
            changed.append(filing)
    context.write(PatentFiling, new, changed, ["jurisdiction", "application_number"])
    context.tally("patents", len(new), len(changed), len(rows))
    moved = {t.pk for t in new_ties + changed_ties} | {p.tie_id for p in new + changed}
    if moved:
        moved_ties = Tie.objects.filter(pk__in=moved)
        context.touched |= set(
            Role.objects.filter(person_id__in=moved_ties.values("person_id")).values_list(
                "project_id", flat=True
            )
        )
        context.touched |= {
            p for p in moved_ties.values_list("project_id", flat=True) if p is not None
        }


SHEETS = [
    Sheet(
        "patents",
        ("email", "assignee", "jurisdiction"),
        (
            "assignee_country",
            "filing_date",
            "application_number",
            "disclosed_in",
            "award_number",
            "sponsor",
        ),
        _plan,
        _apply,
        references=True,
    ),
]
