"""Home page, health check and the Django admin with the demo accounts."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.http import HttpRequest
from django.test import Client

from projects.demo import DEMO_USERS, demo_users_ensure
from projects.models import Organisation, Person, Project, Role, Tie


@pytest.mark.django_db
def test_home_requires_login() -> None:
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_home_sends_pis_to_their_projects_and_reviewers_to_the_dashboard(
    pi: Any, reviewer: Any
) -> None:
    for user, target in ((pi, "/projects/"), (reviewer, "/dashboard/")):
        client = Client()
        client.force_login(user)
        assert client.get("/")["Location"] == target


@pytest.mark.django_db
def test_health_reports_database_and_cache() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    report = response.json()
    assert (report["database"], report["cache"]) == ("ok", "ok")
    if settings.REDIS_URL:  # CI: Redis answers; no worker runs beside this test
        assert (report["redis"], report["workers"]["status"]) == ("ok", "absent")
        assert report["status"] == "degraded"
    else:  # the embedded default: eager Celery, no Redis
        assert (report["redis"], report["workers"]) == ("not configured", {"status": "eager"})
        assert report["status"] == "ok"


@pytest.mark.django_db
def test_demo_admin_logs_into_admin_and_every_model_page_works(pi_project: Any) -> None:
    demo_users_ensure()
    admin = next(u for u in DEMO_USERS if u.username == "admin")
    client = Client()
    # django-axes checks every password sign-in against its request (here, a blank one).
    assert client.login(request=HttpRequest(), username=admin.username, password=admin.password)
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
