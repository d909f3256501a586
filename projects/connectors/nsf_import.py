"""Write NSF award records (projects.connectors.nsf_xml) into the portfolio, in bulk.

Per award: the project (sponsor NSF, keyed on the award id), its investigators as people with
roles (PI, co-PI; a former PI or co-PI as "other") and the awardee institution as an
organisation (``Project.institution``). Awards are written in batches, each in one
transaction, with model history and audit events; every award is counted once as imported
(new), updated, unchanged or rejected (with its reason, in the run's report).

People are keyed, never shown, by e-mail address: an investigator whose address a person in
the portfolio already has (the institution's own records) is that person; anyone else is
stored under a key derived from the address (``person_key_email``), never the address itself.
An investigator NSF lists without an address is keyed on name and institution. A person's name
is written when they are first created and left alone afterwards, so a re-import changes
nothing. Phone numbers are never read.

After each batch commits, the projects it created or changed are re-checked
(``portfolio_changed``), and new organisations are screened (``organisations_changed``).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from django.db import reset_queries, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from projects.auditing import BulkChange, record, snapshot
from projects.connectors.nsf_xml import NsfAward, NsfInvestigator, Rejected, read_awards
from projects.connectors.runs import RunReport, record_run
from projects.importing.fields import CellError, parse_country
from projects.models import ImportRun, Organisation, Person, Project, Role
from projects.normalize import organisation_key
from projects.nsf_codes import nsf_programme_codes
from projects.services import organisations_changed_on_commit
from projects.signals import portfolio_changed
from projects.vocabulary import OrganisationType, ProjectStatus, RoleKind, Sponsor

BATCH_SIZE = 1000
PERSON_KEY_DOMAIN = "person-key.invalid"  # RFC 2606: never a deliverable address
COUNT_KEYS = ("imported", "updated", "unchanged", "rejected")
ROLE_BY_CODE: dict[str, str] = {
    "principal investigator": RoleKind.PI,
    "co-principal investigator": RoleKind.CO_PI,
}
ROLE_RANK: dict[str, int] = {
    RoleKind.PI: 0,
    RoleKind.CO_PI: 1,
    RoleKind.SENIOR_KEY: 2,
    RoleKind.OTHER: 3,
}
PROJECT_FIELDS = (
    "title",
    "abstract",
    "amount_usd",
    "start_date",
    "end_date",
    "status",
    "programme",
    "programme_codes",
    "institution_id",
)

MSG_DUPLICATE = "the same award as {first}: read once"
MSG_TOO_LONG = "{what} is longer than {limit} characters"

Progress = Callable[[int], None]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def person_key_email(email: str) -> str:
    """The key a person is stored under for an e-mail address (not the address)."""
    return f"nsf-{_digest('email:' + email.strip().lower())}@{PERSON_KEY_DOMAIN}"


def person_key_name(name: str, institution_key: str) -> str:
    """The key of an investigator listed without an address: name at institution."""
    return f"nsf-{_digest('name:' + name.casefold() + '|' + institution_key)}@{PERSON_KEY_DOMAIN}"


@functools.lru_cache(maxsize=512)
def _country(name: str) -> str:
    """ISO code of a country name ('' if unknown); cached, the lookup is slow."""
    try:
        return parse_country(name)
    except CellError:
        return ""


def _org_key(award: NsfAward) -> tuple[str, str] | None:
    institution = award.institution
    if institution is None or not organisation_key(institution.name):
        return None
    return organisation_key(institution.name), _country(institution.country_name)


def _role(investigator: NsfInvestigator) -> str:
    return ROLE_BY_CODE.get(investigator.role_code.lower(), RoleKind.OTHER)


def _project_values(award: NsfAward, institution_id: int | None, today: date) -> dict[str, Any]:
    elements = ";".join(code for code, _text in award.programme_elements)
    references = ";".join(code for code, _text in award.programme_references)
    programme = "; ".join(dict.fromkeys(t for _code, t in award.programme_elements if t))
    ended = award.end_date is not None and award.end_date < today
    return {
        "title": award.title,
        "abstract": award.abstract,
        "amount_usd": award.amount_usd,
        "start_date": award.start_date,
        "end_date": award.end_date,
        "status": ProjectStatus.CLOSED if ended else ProjectStatus.ACTIVE,
        "programme": programme[:300],
        "programme_codes": list(
            nsf_programme_codes(award.directorate, award.division, elements, references)
        ),
        "institution_id": institution_id,
    }


def _too_long(award: NsfAward) -> str:
    for what, value, limit in (
        ("<AwardID>", award.award_id, 64),
        ("<AwardTitle>", award.title, 500),
    ):
        if len(value) > limit:
            return MSG_TOO_LONG.format(what=what, limit=limit)
    return ""


def _apply(obj: Any, values: dict[str, Any]) -> dict[str, Any] | None:
    """Set changed values on obj; its row as it was (for the audit trail), or None if equal."""
    before = snapshot(obj)
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return before if changed else None


def _write(model: Any, new: Sequence[Any], changed: Sequence[tuple[Any, dict[str, Any]]]) -> None:
    if new:
        bulk_create_with_history(list(new), model, batch_size=BATCH_SIZE)
    if changed:
        names = {f.attname: f.name for f in model._meta.concrete_fields}
        fields = sorted({names[a] for obj, before in changed for a in _changed(obj, before)})
        bulk_update_with_history(
            [obj for obj, _before in changed],
            model,
            [*fields, "updated_at"],
            batch_size=BATCH_SIZE,
        )
    record(
        [BulkChange("create", obj) for obj in new]
        + [BulkChange("update", obj, before) for obj, before in changed]
    )


def _changed(obj: Any, before: dict[str, Any]) -> list[str]:
    after = snapshot(obj)
    return [name for name, value in after.items() if before.get(name) != value]


class _Batch:
    """One batch of awards written in one transaction."""

    def __init__(self, awards: list[NsfAward], report: RunReport, today: date) -> None:
        self.awards = awards
        self.report = report
        self.today = today
        self.orgs: dict[tuple[str, str], Organisation] = {}
        self.people: dict[str, Person] = {}

    def write(self) -> None:
        with transaction.atomic():
            self.write_organisations()
            self.write_people()
            touched = self.write_projects_and_roles()
            if touched:
                ids = sorted(touched)
                transaction.on_commit(
                    lambda: portfolio_changed.send(sender=Project, project_ids=ids)
                )

    def write_organisations(self) -> None:
        wanted: dict[tuple[str, str], str] = {}
        for award in self.awards:
            key = _org_key(award)
            if key is not None and award.institution is not None:
                wanted.setdefault(key, award.institution.name[:500])
        found = Organisation.objects.filter(normalized_name__in={k[0] for k in wanted})
        self.orgs = {(o.normalized_name, o.country): o for o in found}
        new: list[Organisation] = []
        for key, name in wanted.items():
            if key not in self.orgs:
                lowered = name.lower()
                kind = (
                    OrganisationType.UNIVERSITY
                    if "universit" in lowered or "college" in lowered
                    else OrganisationType.OTHER
                )
                org = Organisation(name=name, normalized_name=key[0], country=key[1], type=kind)
                new.append(org)
                self.orgs[key] = org
        _write(Organisation, new, [])
        organisations_changed_on_commit([o.pk for o in new])
        self.report.count("organisations_created", len(new))

    def person_keys(self, award: NsfAward, investigator: NsfInvestigator) -> tuple[str, ...]:
        """The e-mail values that identify this investigator, best first."""
        if investigator.email:
            return investigator.email, person_key_email(investigator.email)
        org_key = _org_key(award)
        return (person_key_name(investigator.name, org_key[0] if org_key else ""),)

    def write_people(self) -> None:
        keys = {
            k
            for award in self.awards
            for inv in award.investigators
            for k in self.person_keys(award, inv)
        }
        self.people = {p.email: p for p in Person.objects.filter(email__in=keys)}
        new: list[Person] = []
        for award in self.awards:
            for inv in award.investigators:
                candidates = self.person_keys(award, inv)
                if any(k in self.people for k in candidates):
                    continue
                person = Person(email=candidates[-1], name=inv.name[:300])
                new.append(person)
                self.people[candidates[-1]] = person
        _write(Person, new, [])
        self.report.count("people_created", len(new))

    def person_for(self, award: NsfAward, investigator: NsfInvestigator) -> Person:
        for key in self.person_keys(award, investigator):
            if key in self.people:
                return self.people[key]
        raise LookupError(investigator.name)  # write_people made everyone: cannot happen

    def write_projects_and_roles(self) -> set[int]:
        ids = [a.award_id for a in self.awards]
        projects = {
            p.award_number: p
            for p in Project.objects.filter(sponsor=Sponsor.NSF, award_number__in=ids)
        }
        new_projects: list[Project] = []
        changed_projects: list[tuple[Project, dict[str, Any]]] = []
        status: dict[str, str] = {}
        for award in self.awards:
            key = _org_key(award)
            institution = self.orgs[key].pk if key is not None else None
            values = _project_values(award, institution, self.today)
            project = projects.get(award.award_id)
            if project is None:
                project = Project(sponsor=Sponsor.NSF, award_number=award.award_id, **values)
                new_projects.append(project)
                projects[award.award_id] = project
                status[award.award_id] = "imported"
                continue
            before = _apply(project, values)
            if before is not None:
                changed_projects.append((project, before))
                status[award.award_id] = "updated"
        _write(Project, new_projects, changed_projects)

        changed_roles = self.write_roles(projects)
        for award_id in changed_roles:
            status.setdefault(award_id, "updated")
        for award in self.awards:
            self.report.count(status.get(award.award_id, "unchanged"))
        touched = {p.pk for p in new_projects} | {p.pk for p, _before in changed_projects}
        return touched | {projects[a].pk for a in changed_roles}

    def write_roles(self, projects: dict[str, Project]) -> set[str]:
        """Roles as the awards list them; the award ids whose roles changed."""
        # (project, person) -> role, award; the objects for the audit trail's descriptions
        wanted: dict[tuple[int, int], tuple[str, str]] = {}
        objects: dict[tuple[int, int], tuple[Project, Person]] = {}
        for award in self.awards:
            project = projects[award.award_id]
            for inv in award.investigators:
                person = self.person_for(award, inv)
                role = _role(inv)
                key = (project.pk, person.pk)
                objects[key] = (project, person)
                if key not in wanted or ROLE_RANK[role] < ROLE_RANK[wanted[key][0]]:
                    wanted[key] = (role, award.award_id)
        existing = {
            (r.project_id, r.person_id): r
            for r in Role.objects.filter(project_id__in={k[0] for k in wanted})
        }
        for (project_id, person_id), role_ in existing.items():
            if (project_id, person_id) in objects:
                role_.project, role_.person = objects[(project_id, person_id)]
        new: list[Role] = []
        changed: list[tuple[Role, dict[str, Any]]] = []
        awards_changed: set[str] = set()
        for (project_id, person_id), (role, award_id) in wanted.items():
            current = existing.get((project_id, person_id))
            if current is None:
                project, person = objects[(project_id, person_id)]
                new.append(Role(project=project, person=person, role=role))
                awards_changed.add(award_id)
            else:
                before = _apply(current, {"role": role})
                if before is not None:
                    changed.append((current, before))
                    awards_changed.add(award_id)
        _write(Role, new, changed)
        self.report.count("roles_created", len(new))
        return awards_changed


def import_nsf_awards(
    path: Path,
    *,
    user: Any = None,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportRun:
    """Read every award in the source and write it; the run, with its report."""
    today = timezone.localdate()
    with record_run(ImportRun.Connector.NSF_AWARDS, str(path), user=user) as report:
        for key in COUNT_KEYS:
            report.count(key, 0)
        seen: dict[str, str] = {}
        batch: list[NsfAward] = []
        for record_ in read_awards(path):
            _take(record_, report, seen, batch)
            if progress is not None:
                progress(1)
            if len(batch) >= batch_size:
                _Batch(batch, report, today).write()
                batch = []
                reset_queries()  # with DEBUG on, the log of bulk inserts grows large
        if batch:
            _Batch(batch, report, today).write()
    assert report.run is not None
    return report.run


def _take(
    record_: NsfAward | Rejected, report: RunReport, seen: dict[str, str], batch: list[NsfAward]
) -> None:
    if isinstance(record_, Rejected):
        report.reject(record_.item, record_.reason)
        return
    problem = _too_long(record_)
    if problem:
        report.reject(record_.source, problem)
        return
    first = seen.get(record_.award_id)
    if first is not None:
        report.reject(record_.source, MSG_DUPLICATE.format(first=first))
        return
    seen[record_.award_id] = record_.source
    batch.append(record_)
