"""Personas and clients shared by the suite: pi, co_pi, outsider, reviewer, auditor, admin."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db.backends.signals import connection_created
from rest_framework.test import APIClient

from projects.access import ADMIN, AUDITOR, PI, REVIEWER
from tests.factories import PersonFactory, ProjectFactory, RoleFactory, UserFactory


def _user_in(group: str | None, username: str) -> Any:
    user = UserFactory.create(username=username)
    if group:
        grp, _ = Group.objects.get_or_create(name=group)
        user.groups.add(grp)
    return user


@pytest.fixture
def pi(db: None) -> Any:
    user = _user_in(PI, "pi_user")
    PersonFactory.create(user=user, email="pi_user@univ.edu")
    return user


@pytest.fixture
def co_pi(db: None) -> Any:
    user = _user_in(PI, "co_pi_user")
    PersonFactory.create(user=user, email="co_pi_user@univ.edu")
    return user


@pytest.fixture
def outsider(db: None) -> Any:
    """Signed in, but holds no role group and no project."""
    return _user_in(None, "outsider")


@pytest.fixture
def reviewer(db: None) -> Any:
    return _user_in(REVIEWER, "reviewer_user")


@pytest.fixture
def auditor(db: None) -> Any:
    return _user_in(AUDITOR, "auditor_user")


@pytest.fixture
def admin_user(db: None) -> Any:
    user = _user_in(ADMIN, "admin_user")
    user.is_staff = True
    user.is_superuser = True
    user.save()
    return user


@pytest.fixture
def pi_project(pi: Any) -> Any:
    project = ProjectFactory.create()
    RoleFactory.create(project=project, person=pi.person, role="pi")
    return project


@pytest.fixture
def other_project(db: None) -> Any:
    project = ProjectFactory.create()
    RoleFactory.create(project=project, role="pi")
    return project


@pytest.fixture
def api_client_for() -> Callable[[Any], APIClient]:
    def make(user: Any) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user=user)
        return client

    return make


@pytest.fixture
def eager_celery() -> Iterator[None]:
    """Run tasks in-process for this test, whatever the broker (CI has a real one)."""
    from config.celery import app

    old = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = old


def _audit_truncate_allowed(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Django empties every table with TRUNCATE between transactional tests on PostgreSQL;
    the audit table refuses it unless a test database's session allows it (migration
    compliance.0014). Every connection of the test process allows it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET grantcheck.audit_truncate = 'allow'")


connection_created.connect(_audit_truncate_allowed, dispatch_uid="grantcheck-audit-truncate")
