"""Constraints hold in the database and in the services."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from projects import services
from projects.models import Project, Role, Tie
from projects.validators import orcid_check_digit, validate_orcid
from tests.factories import OrganisationFactory, PersonFactory, ProjectFactory


@pytest.mark.django_db
def test_database_rejects_negative_amount_and_end_before_start() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.create(sponsor="NSF", award_number="1", title="t", amount_usd=Decimal(-1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.create(
            sponsor="NSF",
            award_number="2",
            title="t",
            amount_usd=1,
            start_date=date(2024, 2, 1),
            end_date=date(2024, 1, 1),
        )
    person, org = PersonFactory.create(), OrganisationFactory.create()
    with pytest.raises(IntegrityError), transaction.atomic():
        Tie.objects.create(
            person=person,
            organisation=org,
            kind="travel",
            start_date=date(2024, 2, 1),
            end_date=date(2024, 1, 1),
        )


@pytest.mark.django_db
def test_award_number_is_unique_per_sponsor_only() -> None:
    ProjectFactory.create(sponsor="NSF", award_number="123")
    ProjectFactory.create(sponsor="NIH", award_number="123")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectFactory.create(sponsor="NSF", award_number="123")


@pytest.mark.django_db
def test_services_validate_before_saving() -> None:
    with pytest.raises(ValidationError, match="cannot be negative"):
        services.project_create(sponsor="NSF", award_number="9", title="t", amount_usd=Decimal(-1))
    with pytest.raises(ValidationError, match="end date cannot be before"):
        services.project_create(
            sponsor="NSF",
            award_number="9",
            title="t",
            amount_usd=Decimal(1),
            start_date=date(2024, 2, 1),
            end_date=date(2024, 1, 1),
        )
    with pytest.raises(ValidationError):
        services.person_create(email="x@univ.edu", name="X", orcid="0000-0002-1825-0098")
    person, org = PersonFactory.create(), OrganisationFactory.create()
    with pytest.raises(ValidationError, match="Unknown disclosure"):
        services.tie_create(person=person, organisation=org, kind="travel", disclosed_in=["tweet"])
    with pytest.raises(ValidationError):
        services.tie_create(person=person, organisation=org, kind="friendship")
    assert Project.objects.count() == 0 and Tie.objects.count() == 0


@pytest.mark.django_db
def test_one_role_per_person_per_project() -> None:
    project, person = ProjectFactory.create(), PersonFactory.create()
    services.role_set(project=project, person=person, role="pi")
    services.role_set(project=project, person=person, role="co_pi")
    assert Role.objects.get(project=project, person=person).role == "co_pi"
    with pytest.raises(IntegrityError), transaction.atomic():
        Role.objects.create(project=project, person=person, role="other")


@pytest.mark.django_db
def test_organisations_deduplicate_on_normalised_name_and_country() -> None:
    a, created_a = services.organisation_get_or_create(name="Université de Montréal", country="CA")
    b, created_b = services.organisation_get_or_create(name="universite de montreal.", country="CA")
    c, created_c = services.organisation_get_or_create(name="Universite de Montreal", country="FR")
    assert created_a and not created_b and created_c
    assert a.pk == b.pk != c.pk
    assert a.name == "Université de Montréal"


def test_orcid_checksum() -> None:
    assert orcid_check_digit("000000021825009") == "7"
    assert orcid_check_digit("000000021694233") == "X"
    validate_orcid("0000-0002-1694-233X")
    with pytest.raises(ValidationError):
        validate_orcid("0000-0002-1694-2331")


def test_import_format_doc_lists_every_tie_kind_and_disclosure_document() -> None:
    from pathlib import Path

    from projects.vocabulary import DISCLOSURE_DOCUMENTS, TIE_KINDS

    doc = (Path(__file__).resolve().parents[2] / "docs" / "import-format.md").read_text()
    for code in [*TIE_KINDS, *DISCLOSURE_DOCUMENTS]:
        assert f"`{code}`" in doc, code
