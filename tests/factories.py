"""factory_boy factories for the portfolio model."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth.models import User

from projects.models import Organisation, Person, Project, Role, Tie
from projects.normalize import organisation_key


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@univ.edu")
    password = factory.django.Password("correct-horse-battery")


class OrganisationFactory(factory.django.DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Institute of Example Studies {n}")
    normalized_name = factory.LazyAttribute(lambda o: organisation_key(o.name))
    country = "US"
    type = "university"


class PersonFactory(factory.django.DjangoModelFactory[Person]):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"Researcher {n}")
    email = factory.Sequence(lambda n: f"researcher{n}@univ.edu")
    department = "Physics"


class ProjectFactory(factory.django.DjangoModelFactory[Project]):
    class Meta:
        model = Project

    sponsor = "NSF"
    award_number = factory.Sequence(lambda n: f"{2300000 + n}")
    title = factory.Sequence(lambda n: f"Research project {n}")
    amount_usd = Decimal("500000.00")
    start_date = date(2024, 1, 1)
    end_date = date(2027, 1, 1)
    status = "active"
    department = "Physics"
    fundamental_research = True


class RoleFactory(factory.django.DjangoModelFactory[Role]):
    class Meta:
        model = Role

    project = factory.SubFactory(ProjectFactory)
    person = factory.SubFactory(PersonFactory)
    role = "pi"


class TieFactory(factory.django.DjangoModelFactory[Tie]):
    class Meta:
        model = Tie

    person = factory.SubFactory(PersonFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    kind = "coauthorship"
    start_date = date(2023, 1, 1)
    source = "self_disclosed"
