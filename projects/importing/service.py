"""Validate every row of a portfolio import, then write all of it or nothing.

Natural keys: projects (sponsor, award_number); people (email); roles
(project, person); organisations (normalised name, country); ties (person,
organisation, kind, start_date, project). Re-importing the same files changes
nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

from django.db import transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from projects.auditing import BulkChange, record, snapshot
from projects.importing import fields as f
from projects.importing import person_records as records
from projects.importing.readers import ImportProblem, Table, read_csv_stream, read_source
from projects.importing.report import ImportReport, ProblemLog
from projects.importing.sheets import Context, extra_columns, extras_apply, extras_plan, registry
from projects.importing.xlsx import read_xlsx
from projects.models import Organisation, Person, Project, Role, Tie
from projects.normalize import organisation_key
from projects.services import organisations_changed_on_commit
from projects.signals import portfolio_changed

COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # sheet: (required columns, optional columns)
    "projects": (
        ("award_number", "sponsor", "title", "amount_usd", "status", "fundamental_research"),
        ("programme", "abstract", "start_date", "end_date", "department", "programme_codes"),
    ),
    "people": (("email", "name"), ("orcid", "department")),
    "roles": (("award_number", "email", "role"), ("sponsor", "joined_on")),
    "ties": (
        ("email", "organisation", "kind"),
        (
            "country",
            "start_date",
            "end_date",
            "compensated",
            "award_number",
            "sponsor",
            "source",
            "disclosed_in",
            "disclosed_on",
        ),
    ),
}

COLUMNS.update(records.COLUMNS)  # training, travel, certifications
COLUMNS.update(extra_columns())  # equipment, patents, institution, ... (importing.sheets)

MSG_MISSING_COLUMN = "missing required column"
MSG_END_BEFORE_START = "end_date is before start_date"


@dataclass
class _Row:
    row: int
    file: str
    values: dict[str, Any]


ProjectKey = tuple[str, str]
TieKey = tuple[str, tuple[str, str], str, date | None, ProjectKey | None]


class _Planner:
    def __init__(self, tables: dict[str, Table], problems: list[ImportProblem]) -> None:
        self.tables = tables
        self.problems = problems
        self.projects: dict[ProjectKey, _Row] = {}
        self.people: dict[str, _Row] = {}
        self.roles: dict[tuple[ProjectKey, str], _Row] = {}
        self.orgs: dict[tuple[str, str], str] = {}  # key -> name as first written
        self.ties: dict[TieKey, _Row] = {}
        self.db_projects: dict[str, set[ProjectKey]] = {}
        self.db_emails: set[str] = set()
        self.records: dict[str, dict[tuple[Any, ...], records.PlannedRecord]] = {}
        self.extras: dict[str, dict[Any, tuple[int, dict[str, Any]]]] = {}

    def load_references(self) -> None:
        """Fetch, in two queries, the projects and people that roles and ties may refer to."""
        awards: set[str] = set()
        emails: set[str] = set()
        for name in (
            "roles",
            "ties",
            *records.SHEETS,
            *(x.name for x in registry() if x.references),
        ):
            table = self.tables.get(name)
            if table is None:
                continue
            for _row, data in table.rows:
                if data.get("award_number"):
                    awards.add(data["award_number"])
                emails.add(data.get("email", "").lower())
        for sponsor, award in Project.objects.filter(award_number__in=awards).values_list(
            "sponsor", "award_number"
        ):
            self.db_projects.setdefault(award, set()).add((sponsor, award))
        self.db_emails = set(
            Person.objects.filter(email__in=emails).values_list("email", flat=True)
        )

    def problem(self, file: str, row: int | None, column: str | None, reason: str) -> None:
        self.problems.append(ImportProblem(file, row, column, reason))

    def check_columns(self, table: Table) -> bool:
        required, _optional = COLUMNS[table.name]
        missing = [c for c in required if c not in table.columns]
        for column in missing:
            self.problem(table.file, 1, column, MSG_MISSING_COLUMN)
        return not missing

    def cells(
        self, table: Table, row: int, data: dict[str, str], parsers: dict[str, Callable[[str], Any]]
    ) -> dict[str, Any] | None:
        out: dict[str, Any] = {}
        ok = True
        for column, parse in parsers.items():
            try:
                out[column] = parse(data.get(column, ""))
            except f.CellError as exc:
                self.problem(table.file, row, column, str(exc))
                ok = False
        return out if ok else None

    def plan(self) -> None:
        self.load_references()
        for name, parse in (
            ("people", self.plan_people),
            ("projects", self.plan_projects),
            ("roles", self.plan_roles),
            ("ties", self.plan_ties),
            *((name, self.plan_records) for name in records.SHEETS),
        ):
            table = self.tables.get(name)
            if table is not None and self.check_columns(table):
                parse(table)
        extras_plan(self)

    def plan_records(self, table: Table) -> None:
        records.plan_records(self, table)

    def plan_people(self, table: Table) -> None:
        parsers: dict[str, Callable[[str], Any]] = {
            "email": f.parse_email,
            "name": lambda v: f.parse_text(v, max_length=300, is_required=True),
            "orcid": f.parse_orcid,
            "department": lambda v: f.parse_text(v, max_length=200),
        }
        seen_orcid: dict[str, int] = {}
        for row, data in table.rows:
            values = self.cells(table, row, data, parsers)
            if values is None:
                continue
            if values["email"] in self.people:
                first = self.people[values["email"]].row
                self.problem(table.file, row, "email", f"duplicate of row {first}")
                continue
            if values["orcid"]:
                if values["orcid"] in seen_orcid:
                    self.problem(
                        table.file,
                        row,
                        "orcid",
                        f"ORCID also used on row {seen_orcid[values['orcid']]}",
                    )
                    continue
                seen_orcid[values["orcid"]] = row
            self.people[values["email"]] = _Row(row, table.file, values)

    def plan_projects(self, table: Table) -> None:
        parsers: dict[str, Callable[[str], Any]] = {
            "award_number": lambda v: f.parse_text(v, max_length=64, is_required=True),
            "sponsor": f.parse_sponsor,
            "programme": lambda v: f.parse_text(v, max_length=300),
            "title": lambda v: f.parse_text(v, max_length=500, is_required=True),
            "abstract": lambda v: v,
            "amount_usd": f.parse_amount,
            "start_date": f.parse_date,
            "end_date": f.parse_date,
            "status": f.parse_status,
            "department": lambda v: f.parse_text(v, max_length=200),
            "fundamental_research": lambda v: f.parse_bool(v),
            "programme_codes": f.parse_code_list,
        }
        for row, data in table.rows:
            values = self.cells(table, row, data, parsers)
            if values is None:
                continue
            if _ends_before_start(values):
                self.problem(table.file, row, "end_date", MSG_END_BEFORE_START)
                continue
            key = (values["sponsor"], values["award_number"])
            if key in self.projects:
                first = self.projects[key].row
                self.problem(table.file, row, "award_number", f"duplicate of row {first}")
                continue
            self.projects[key] = _Row(row, table.file, values)

    def resolve_project(
        self, table: Table, row: int, award_number: str, sponsor: str
    ) -> ProjectKey | None:
        candidates = {k for k in self.projects if k[1] == award_number}
        candidates |= self.db_projects.get(award_number, set())
        if sponsor:
            candidates = {k for k in candidates if k[0] == sponsor}
        if not candidates:
            self.problem(table.file, row, "award_number", f"unknown award number {award_number!r}")
            return None
        if len(candidates) > 1:
            self.problem(
                table.file,
                row,
                "award_number",
                f"award number {award_number!r} exists for several sponsors; add a sponsor column",
            )
            return None
        return next(iter(candidates))

    def resolve_person(self, table: Table, row: int, email: str) -> bool:
        if email in self.people or email in self.db_emails:
            return True
        self.problem(table.file, row, "email", f"unknown person {email!r} (not in people)")
        return False

    def plan_roles(self, table: Table) -> None:
        parsers: dict[str, Callable[[str], Any]] = {
            "award_number": lambda v: f.parse_text(v, max_length=64, is_required=True),
            "email": f.parse_email,
            "role": f.parse_role,
            "sponsor": lambda v: f.parse_sponsor(v) if v else "",
            "joined_on": f.parse_date,
        }
        for row, data in table.rows:
            values = self.cells(table, row, data, parsers)
            if values is None:
                continue
            project = self.resolve_project(table, row, values["award_number"], values["sponsor"])
            person_ok = self.resolve_person(table, row, values["email"])
            if project is None or not person_ok:
                continue
            key = (project, values["email"])
            if key in self.roles:
                first = self.roles[key].row
                self.problem(
                    table.file,
                    row,
                    "email",
                    f"person already has a role on this project (row {first})",
                )
                continue
            self.roles[key] = _Row(row, table.file, values)

    def plan_ties(self, table: Table) -> None:
        parsers: dict[str, Callable[[str], Any]] = {
            "email": f.parse_email,
            "organisation": lambda v: f.parse_text(v, max_length=500, is_required=True),
            "country": f.parse_country,
            "kind": f.parse_kind,
            "start_date": f.parse_date,
            "end_date": f.parse_date,
            "compensated": lambda v: f.parse_bool(v, default=False),
            "award_number": lambda v: f.parse_text(v, max_length=64),
            "sponsor": lambda v: f.parse_sponsor(v) if v else "",
            "source": f.parse_source,
            "disclosed_in": f.parse_disclosed_in,
            "disclosed_on": f.parse_date,
        }
        for row, data in table.rows:
            values = self.cells(table, row, data, parsers)
            if values is None:
                continue
            if _ends_before_start(values):
                self.problem(table.file, row, "end_date", MSG_END_BEFORE_START)
                continue
            disclosure_problem = f.disclosure_date_problem(values)
            if disclosure_problem:
                self.problem(table.file, row, "disclosed_on", disclosure_problem)
                continue
            org_key = (organisation_key(values["organisation"]), values["country"])
            if not org_key[0]:
                self.problem(table.file, row, "organisation", "has no letters or digits")
                continue
            project: ProjectKey | None = None
            if values["award_number"]:
                project = self.resolve_project(
                    table, row, values["award_number"], values["sponsor"]
                )
                if project is None:
                    continue
            if not self.resolve_person(table, row, values["email"]):
                continue
            key: TieKey = (values["email"], org_key, values["kind"], values["start_date"], project)
            if key in self.ties:
                first = self.ties[key].row
                self.problem(table.file, row, None, f"same tie as row {first}")
                continue
            self.orgs.setdefault(org_key, values["organisation"])
            self.ties[key] = _Row(row, table.file, values)


def _ends_before_start(values: dict[str, Any]) -> bool:
    start, end = values.get("start_date"), values.get("end_date")
    return bool(start and end and end < start)


def _diff(obj: Any, values: dict[str, Any]) -> bool:
    """Apply values; remember the row as it was for the audit trail."""
    before = snapshot(obj)
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    if changed:
        obj._import_before = before
    return changed


def _write(model: Any, new: list[Any], changed: list[Any], fields: Sequence[str]) -> None:
    """Bulk writes with model history and audit events (bulk writes send no signals)."""
    if new:
        bulk_create_with_history(new, model, batch_size=1000)
    if changed:
        bulk_update_with_history(changed, model, [*fields, "updated_at"], batch_size=1000)
    record(
        [BulkChange("create", o) for o in new]
        + [BulkChange("update", o, getattr(o, "_import_before", None)) for o in changed]
    )


def _apply(plan: _Planner, report: ImportReport) -> None:
    counts = report.counts

    def tally(entity: str, created: int, changed: int, unchanged: int) -> None:
        counts[entity] = {"created": created, "changed": changed, "unchanged": unchanged}

    # People
    people = {p.email: p for p in Person.objects.filter(email__in=list(plan.people))}
    new_people: list[Person] = []
    changed_people: list[Person] = []
    for email, prow in plan.people.items():
        fields = {k: prow.values[k] for k in ("name", "orcid", "department")}
        if email in people:
            if _diff(people[email], fields):
                changed_people.append(people[email])
        else:
            new_people.append(Person(email=email, **fields))
    _write(Person, new_people, changed_people, ["name", "orcid", "department"])
    tally(
        "people",
        len(new_people),
        len(changed_people),
        len(plan.people) - len(new_people) - len(changed_people),
    )

    # Projects
    award_numbers = {k[1] for k in plan.projects} | {k[0][1] for k in plan.roles}
    award_numbers |= {k[4][1] for k in plan.ties if k[4]}
    projects = {
        (p.sponsor, p.award_number): p
        for p in Project.objects.filter(award_number__in=award_numbers)
    }
    project_fields = COLUMNS["projects"][0][2:] + COLUMNS["projects"][1]
    new_projects: list[Project] = []
    changed_projects: list[Project] = []
    for key, prow in plan.projects.items():
        fields = {k: prow.values[k] for k in project_fields}
        if key in projects:
            if _diff(projects[key], fields):
                changed_projects.append(projects[key])
        else:
            project = Project(sponsor=key[0], award_number=key[1], **fields)
            new_projects.append(project)
            projects[key] = project
    _write(Project, new_projects, changed_projects, project_fields)
    tally(
        "projects",
        len(new_projects),
        len(changed_projects),
        len(plan.projects) - len(new_projects) - len(changed_projects),
    )

    emails = {k[1] for k in plan.roles} | {k[0] for k in plan.ties}
    people = {p.email: p for p in Person.objects.filter(email__in=emails)}

    # Roles
    existing_roles = {
        (r.project_id, r.person_id): r
        for r in Role.objects.filter(project__in=[projects[k[0]] for k in plan.roles])
    }
    new_roles: list[Role] = []
    changed_roles: list[Role] = []
    for (pkey, email), rrow in plan.roles.items():
        project, person = projects[pkey], people[email]
        role = existing_roles.get((project.pk, person.pk))
        role_fields = {"role": rrow.values["role"], "joined_on": rrow.values["joined_on"]}
        if role is None:
            new_roles.append(Role(project=project, person=person, **role_fields))
        elif _diff(role, role_fields):
            changed_roles.append(role)
    _write(Role, new_roles, changed_roles, ["role", "joined_on"])
    tally(
        "roles",
        len(new_roles),
        len(changed_roles),
        len(plan.roles) - len(new_roles) - len(changed_roles),
    )

    # Organisations (stored as first written; de-duplicated on normalised name + country)
    orgs = {
        (o.normalized_name, o.country): o
        for o in Organisation.objects.filter(normalized_name__in={k[0] for k in plan.orgs})
    }
    new_orgs = []
    for key, name in plan.orgs.items():
        if key not in orgs:
            org = Organisation(name=name, normalized_name=key[0], country=key[1])
            new_orgs.append(org)
            orgs[key] = org
    _write(Organisation, new_orgs, [], [])
    if not report.dry_run:
        organisations_changed_on_commit([o.pk for o in new_orgs])
    tally("organisations", len(new_orgs), 0, len(plan.orgs) - len(new_orgs))

    # Ties
    existing_ties: dict[tuple[Any, ...], Tie] = {}
    for tie in Tie.objects.filter(person__in=[people[k[0]] for k in plan.ties]):
        existing_ties.setdefault(
            (tie.person_id, tie.organisation_id, tie.kind, tie.start_date, tie.project_id), tie
        )
    tie_fields = ("end_date", "compensated", "source", "disclosed_in", "disclosed_on")
    new_ties: list[Tie] = []
    changed_ties: list[Tie] = []
    for (email, okey, kind, start, tie_project), trow in plan.ties.items():
        person, org = people[email], orgs[okey]
        tie_on: Project | None = projects[tie_project] if tie_project else None
        fields = {k: trow.values[k] for k in tie_fields}
        existing = existing_ties.get(
            (person.pk, org.pk, kind, start, tie_on.pk if tie_on else None)
        )
        if existing is None:
            new_ties.append(
                Tie(
                    person=person,
                    organisation=org,
                    kind=kind,
                    start_date=start,
                    project=tie_on,
                    **fields,
                )
            )
        elif _diff(existing, fields):
            changed_ties.append(existing)
    _write(Tie, new_ties, changed_ties, tie_fields)
    tally(
        "ties", len(new_ties), len(changed_ties), len(plan.ties) - len(new_ties) - len(changed_ties)
    )
    touched = {p.pk for p in new_projects + changed_projects}
    touched |= {r.project_id for r in new_roles + changed_roles}
    # People whose ties changed, or whose name or department did (findings quote them).
    renamed = {p.pk for p in changed_people}
    moved = {t.person_id for t in new_ties + changed_ties} | renamed
    touched |= set(Role.objects.filter(person_id__in=moved).values_list("project_id", flat=True))
    touched |= {t.project_id for t in new_ties + changed_ties if t.project_id}
    touched |= set(
        Tie.objects.filter(person_id__in=renamed, project_id__isnull=False).values_list(
            "project_id", flat=True
        )
    )
    touched |= records.apply_records(plan.records, counts)
    context = Context(dry_run=report.dry_run, counts=counts, write=_write, diff=_diff)
    extras_apply(plan, context)
    touched |= context.touched
    if touched and not report.dry_run:
        ids = sorted(touched)
        transaction.on_commit(lambda: portfolio_changed.send(sender=Project, project_ids=ids))


def _run(tables: dict[str, Table], problems: list[ImportProblem], dry_run: bool) -> ImportReport:
    report = ImportReport(problems=problems, dry_run=dry_run)
    plan = _Planner(tables, report.problems)
    plan.plan()
    if not report.ok:
        return report
    with transaction.atomic():
        _apply(plan, report)
        if dry_run:
            transaction.set_rollback(True)
    return report


def portfolio_import_tables(*, tables: dict[str, Table], dry_run: bool = False) -> ImportReport:
    """Import tables built in memory (demo data, other feeds) through the same validation."""
    return _run(tables, [], dry_run)


def portfolio_import(*, path: Path, dry_run: bool = False) -> ImportReport:
    """Import a folder of CSV files or one .xlsx workbook; all rows or none."""
    tables, problems = read_source(path)
    return _run(tables, problems, dry_run)


def portfolio_import_upload(
    *, files: dict[str, tuple[str, BinaryIO]], dry_run: bool = False
) -> ImportReport:
    """API upload: either one .xlsx, or CSV files named projects/people/roles/ties.csv."""
    tables: dict[str, Table] = {}
    problems: list[ImportProblem] = ProblemLog()
    for filename, stream in files.values():
        lower = filename.lower()
        if lower.endswith(".xlsx"):
            found_tables, found = read_xlsx(stream, filename)
            tables.update(found_tables)
            problems.extend(found)
            continue
        stem = Path(lower).stem
        if not lower.endswith(".csv") or stem not in COLUMNS:
            problems.append(
                ImportProblem(
                    filename,
                    None,
                    None,
                    f"expected {', '.join(n + '.csv' for n in COLUMNS)} or one .xlsx",
                )
            )
            continue
        table, found = read_csv_stream(stem, filename, stream)
        problems.extend(found)
        if table is not None:
            tables[stem] = table
    if not files:
        problems.append(ImportProblem("(upload)", None, None, "no file uploaded"))
    return _run(tables, problems, dry_run)
