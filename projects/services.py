"""Writes to the portfolio. Each service validates (full_clean) before saving."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from projects.models import Organisation, Person, Project, Role, Tie
from projects.normalize import organisation_key
from projects.signals import organisations_changed
from projects.vocabulary import OrganisationType


def organisation_get_or_create(
    *, name: str, country: str = "", type: str = OrganisationType.OTHER
) -> tuple[Organisation, bool]:
    """Organisations are stored as written, de-duplicated on normalised name + country."""
    key = organisation_key(name)
    existing = Organisation.objects.filter(normalized_name=key, country=country).first()
    if existing is not None:
        return existing, False
    org = Organisation(name=name.strip(), normalized_name=key, country=country, type=type)
    org.full_clean(exclude=["normalized_name"])
    org.save()
    organisations_changed_on_commit([org.pk])
    return org, True


def organisation_update(*, organisation: Organisation, **fields: Any) -> Organisation:
    """Listeners of the save re-screen it (rules) and re-check its projects (compliance)."""
    for key, value in fields.items():
        setattr(organisation, key, value)
    organisation.full_clean(exclude=["normalized_name"])  # its save() renormalises the name
    organisation.save(update_fields=[*fields, "updated_at"])
    return organisation


def organisations_changed_on_commit(ids: list[int]) -> None:
    """Tell listeners (screening) after the transaction commits; nothing is sent on rollback."""
    if ids:
        transaction.on_commit(
            lambda: organisations_changed.send(sender=Organisation, ids=list(ids))
        )


def person_create(
    *, email: str, name: str, orcid: str = "", department: str = "", user: Any = None
) -> Person:
    person = Person(
        email=email.strip().lower(), name=name, orcid=orcid, department=department, user=user
    )
    person.full_clean()
    person.save()
    return person


def project_create(
    *,
    sponsor: str,
    award_number: str,
    title: str,
    amount_usd: Decimal,
    programme: str = "",
    abstract: str = "",
    start_date: date | None = None,
    end_date: date | None = None,
    status: str = "active",
    department: str = "",
    fundamental_research: bool = True,
) -> Project:
    project = Project(
        sponsor=sponsor,
        award_number=award_number,
        title=title,
        amount_usd=amount_usd,
        programme=programme,
        abstract=abstract,
        start_date=start_date,
        end_date=end_date,
        status=status,
        department=department,
        fundamental_research=fundamental_research,
    )
    project.full_clean()
    project.save()
    return project


def project_update(*, project: Project, **fields: Any) -> Project:
    for key, value in fields.items():
        setattr(project, key, value)
    project.full_clean()
    project.save()
    return project


@transaction.atomic
def role_set(*, project: Project, person: Person, role: str) -> Role:
    """One role per person per project: setting it again changes it."""
    existing = Role.objects.select_for_update().filter(project=project, person=person).first()
    if existing is not None:
        if existing.role != role:
            existing.role = role
            existing.full_clean()
            existing.save()
        return existing
    created = Role(project=project, person=person, role=role)
    created.full_clean()
    created.save()
    return created


def tie_create(
    *,
    person: Person,
    organisation: Organisation,
    kind: str,
    start_date: date | None = None,
    end_date: date | None = None,
    compensated: bool = False,
    project: Project | None = None,
    source: str = "self_disclosed",
    disclosed_in: list[str] | None = None,
    disclosed_on: date | None = None,
    notes: str = "",
) -> Tie:
    tie = Tie(
        person=person,
        organisation=organisation,
        kind=kind,
        start_date=start_date,
        end_date=end_date,
        compensated=compensated,
        project=project,
        source=source,
        disclosed_in=list(disclosed_in or []),
        disclosed_on=disclosed_on,
        notes=notes,
    )
    tie.full_clean()
    tie.save()
    return tie


def tie_update(*, tie: Tie, **fields: Any) -> Tie:
    for key, value in fields.items():
        setattr(tie, key, value)
    tie.full_clean()
    tie.save()
    return tie


def tie_end(*, tie: Tie, end_date: date) -> Tie:
    return tie_update(tie=tie, end_date=end_date)
