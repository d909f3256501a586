"""Portfolio read API: scoping by the visibility selectors, read-only for everyone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from projects.models import Project
from tests.factories import TieFactory

ENDPOINTS = ["projects", "people", "roles", "organisations", "ties"]


@pytest.fixture
def portfolio(pi_project: Any, other_project: Any, pi: Any) -> dict[str, Any]:
    own_tie = TieFactory.create(person=pi.person)
    other_person = other_project.roles.get().person
    other_tie = TieFactory.create(person=other_person)
    return {"own": pi_project, "other": other_project, "own_tie": own_tie, "other_tie": other_tie}


def _ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_anonymous_is_refused(endpoint: str, api_client_for: Callable[[Any], Any]) -> None:
    assert api_client_for(None).get(f"/api/v1/{endpoint}/").status_code in (401, 403)


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_outsider_sees_nothing(
    endpoint: str, portfolio: dict[str, Any], outsider: Any, api_client_for: Callable[[Any], Any]
) -> None:
    client = api_client_for(outsider)
    assert _ids(client.get(f"/api/v1/{endpoint}/")) == set()


@pytest.mark.django_db
def test_outsider_gets_404_on_a_project_it_guesses(
    portfolio: dict[str, Any], outsider: Any, api_client_for: Callable[[Any], Any]
) -> None:
    response = api_client_for(outsider).get(f"/api/v1/projects/{portfolio['own'].pk}/")
    assert response.status_code == 404


@pytest.mark.django_db
def test_pi_sees_only_own_projects_people_and_ties(
    portfolio: dict[str, Any], pi: Any, api_client_for: Callable[[Any], Any]
) -> None:
    client = api_client_for(pi)
    assert _ids(client.get("/api/v1/projects/")) == {portfolio["own"].pk}
    assert _ids(client.get("/api/v1/ties/")) == {portfolio["own_tie"].pk}
    assert client.get(f"/api/v1/projects/{portfolio['other'].pk}/").status_code == 404
    assert client.get(f"/api/v1/ties/{portfolio['other_tie'].pk}/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["reviewer", "auditor"])
def test_reviewers_and_auditors_see_the_whole_portfolio(
    persona: str,
    portfolio: dict[str, Any],
    request: pytest.FixtureRequest,
    api_client_for: Callable[[Any], Any],
) -> None:
    client = api_client_for(request.getfixturevalue(persona))
    assert _ids(client.get("/api/v1/projects/")) == {portfolio["own"].pk, portfolio["other"].pk}


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_read_only_roles_cannot_write(
    endpoint: str, portfolio: dict[str, Any], auditor: Any, api_client_for: Callable[[Any], Any]
) -> None:
    client = api_client_for(auditor)
    before = Project.objects.count()
    assert client.post(f"/api/v1/{endpoint}/", {"title": "x"}, format="json").status_code == 405
    assert client.delete(f"/api/v1/projects/{portfolio['own'].pk}/").status_code == 405
    assert Project.objects.count() == before


@pytest.mark.django_db
def test_projects_filter_by_sponsor_and_department(
    portfolio: dict[str, Any], reviewer: Any, api_client_for: Callable[[Any], Any]
) -> None:
    other = portfolio["other"]
    other.sponsor, other.department = "DOD", "Chemistry"
    other.save()
    client = api_client_for(reviewer)
    assert _ids(client.get("/api/v1/projects/?sponsor=DOD")) == {other.pk}
    assert _ids(client.get("/api/v1/projects/?department=Chemistry")) == {other.pk}


@pytest.mark.django_db
def test_openapi_schema_is_served(reviewer: Any, api_client_for: Callable[[Any], Any]) -> None:
    response = api_client_for(reviewer).get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/projects/" in response.content
