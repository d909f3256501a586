"""Organisations with no (or an unknown) country are listed, not a 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from projects.models import Organisation, Tie
from tests.factories import OrganisationFactory, TieFactory


@pytest.fixture
def blank_country_tie(db: None) -> Tie:
    """What the PI tie form creates when the country is left empty."""
    organisation = OrganisationFactory.create(name="Institute of Nowhere", country="")
    return TieFactory.create(organisation=organisation)


@pytest.mark.django_db
def test_organisations_with_a_blank_country_are_listed(
    blank_country_tie: Tie, admin_user: Any, api_client_for: Callable[[Any], Any]
) -> None:
    OrganisationFactory.create(name="Tsinghua University", country="CN")
    organisations = Organisation.objects.count()

    response = api_client_for(admin_user).get("/api/v1/organisations/")

    assert response.status_code == 200, response.content
    rows = {r["name"]: r for r in response.json()["results"]}
    assert rows["Institute of Nowhere"]["country"] is None
    assert rows["Tsinghua University"]["country"] == "CN"
    detail = api_client_for(admin_user).get(
        f"/api/v1/organisations/{blank_country_tie.organisation_id}/"
    )
    assert detail.status_code == 200 and detail.json()["country"] is None
    assert Organisation.objects.count() == organisations


@pytest.mark.django_db
def test_ties_of_an_organisation_without_a_country_are_listed(
    blank_country_tie: Tie, admin_user: Any, api_client_for: Callable[[Any], Any]
) -> None:
    response = api_client_for(admin_user).get("/api/v1/ties/")
    assert response.status_code == 200, response.content
    [row] = response.json()["results"]
    assert row["organisation_country"] is None
