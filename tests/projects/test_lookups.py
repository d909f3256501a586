"""`field__any`: ids as one array parameter on PostgreSQL, an IN list elsewhere."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from projects.models import Project, Tie
from tests.factories import ProjectFactory, TieFactory


@pytest.mark.django_db
def test_any_selects_exactly_the_given_ids_on_keys_and_foreign_keys() -> None:
    projects = [ProjectFactory.create() for _ in range(4)]
    ties = [TieFactory.create(project=projects[i % 2]) for i in range(4)]
    wanted = {projects[0].pk, projects[2].pk}

    assert set(Project.objects.filter(pk__any=wanted).values_list("pk", flat=True)) == wanted
    on_fk = Tie.objects.filter(project_id__any={projects[0].pk})
    assert set(on_fk.values_list("pk", flat=True)) == {ties[0].pk, ties[2].pk}
    either = Tie.objects.filter(Q(person_id__any={ties[1].person_id}) | Q(project_id__any=set()))
    assert list(either.values_list("pk", flat=True)) == [ties[1].pk]


@pytest.mark.django_db
def test_any_sends_one_parameter_on_postgresql_and_nothing_for_no_ids() -> None:
    ids = {p.pk for p in (ProjectFactory.create() for _ in range(3))}
    with CaptureQueriesContext(connection) as queries:
        assert Project.objects.filter(pk__any=ids).count() == 3
        assert list(Project.objects.filter(pk__any=set())) == []  # no query at all
    assert len(queries) == 1
    sql = queries[0]["sql"]
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql and "::bigint[]" in sql
    else:
        assert " IN (" in sql


def test_any_refuses_values_that_are_not_ids() -> None:
    with pytest.raises(ValueError):
        str(Project.objects.filter(pk__any={"not a number"}).query)
