"""Home page, health check and the Django admin with the demo accounts."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from projects.demo import DEMO_USERS, demo_users_ensure
from projects.models import Organisation, Person, Project, Role, Tie


@pytest.mark.django_db
def test_home_requires_login() -> None:
    response = Client().get("/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_pi_home_lists_only_own_projects(pi: Any, pi_project: Any, other_project: Any) -> None:
    client = Client()
    client.force_login(pi)
    page = client.get("/").content.decode()
    assert pi_project.title in page
    assert other_project.title not in page


@pytest.mark.django_db
def test_outsider_home_shows_no_projects(outsider: Any, pi_project: Any) -> None:
    client = Client()
    client.force_login(outsider)
    page = client.get("/").content.decode()
    assert "No projects visible to you." in page
    assert pi_project.title not in page


@pytest.mark.django_db
def test_reviewer_home_shows_portfolio_counts(reviewer: Any, pi_project: Any) -> None:
    client = Client()
    client.force_login(reviewer)
    response = client.get("/")
    assert response.context["counts"]["projects"] == 1


@pytest.mark.django_db
def test_health_reports_database_and_cache() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


@pytest.mark.django_db
def test_demo_admin_logs_into_admin_and_every_model_page_works(pi_project: Any) -> None:
    demo_users_ensure()
    admin = next(u for u in DEMO_USERS if u.username == "admin")
    client = Client()
    assert client.login(username=admin.username, password=admin.password)
    assert client.get("/admin/").status_code == 200
    for model in (Organisation, Person, Project, Role, Tie):
        url = f"/admin/projects/{model._meta.model_name}/"
        assert client.get(url, {"q": "a"}).status_code == 200, url
    assert client.get(f"/admin/projects/project/{pi_project.pk}/change/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["outsider", "auditor", "pi"])
def test_non_staff_cannot_use_the_admin(persona: str, request: pytest.FixtureRequest) -> None:
    client = Client()
    client.force_login(request.getfixturevalue(persona))
    response = client.get("/admin/projects/project/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
