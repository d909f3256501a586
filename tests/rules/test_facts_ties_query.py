"""The facts' tie query: a chunk's people's ties and the ties scoped to its projects, each once;
on PostgreSQL the people's ties come from the covering index alone."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from projects.models import Tie
from rules.engine.prefilter import TieNarrowing
from rules.facts import TIE_COLUMNS, raw_rows, ties_qs
from tests.factories import PersonFactory, ProjectFactory, TieFactory
from tests.services import require_postgresql


def _ids(qs: object) -> list[int]:
    return sorted(row[0] for row in raw_rows(qs))


@pytest.mark.django_db
def test_each_tie_of_the_people_or_scoped_to_the_projects_comes_once() -> None:
    alice, bob, carol = PersonFactory.create_batch(3)
    here, elsewhere = ProjectFactory.create_batch(2)
    alice_any = TieFactory.create(person=alice)
    alice_here = TieFactory.create(person=alice, project=here)  # both parts: once
    alice_elsewhere = TieFactory.create(person=alice, project=elsewhere)
    bob_here = TieFactory.create(person=bob, project=here)
    TieFactory.create(person=bob)  # bob's own ties: not asked for
    TieFactory.create(person=carol, project=elsewhere)

    found = _ids(ties_qs([alice.pk], [here.pk]))
    assert found == sorted([alice_any.pk, alice_here.pk, alice_elsewhere.pk, bob_here.pk])
    assert _ids(ties_qs([], [here.pk])) == sorted([alice_here.pk, bob_here.pk])
    assert _ids(ties_qs([alice.pk], [])) == sorted(
        [alice_any.pk, alice_here.pk, alice_elsewhere.pk]
    )
    assert _ids(ties_qs([], [])) == []
    # The queryset iterates the same rows as the raw cursor (the bench and tests use it).
    assert sorted(row[0] for row in ties_qs([alice.pk], [here.pk])) == found
    assert ties_qs([alice.pk], [here.pk]).count() == len(found)


@pytest.mark.django_db
def test_a_narrowing_applies_to_both_parts() -> None:
    alice, bob = PersonFactory.create_batch(2)
    here = ProjectFactory.create()
    talent = TieFactory.create(person=alice, kind="talent_programme")
    TieFactory.create(person=alice, kind="coauthorship")
    scoped_funding = TieFactory.create(person=bob, project=here, kind="funding")
    TieFactory.create(person=bob, project=here, kind="coauthorship")

    narrowing = TieNarrowing(frozenset({"talent_programme", "funding"}), frozenset())
    assert _ids(ties_qs([alice.pk], [here.pk], narrowing)) == sorted([talent.pk, scoped_funding.pk])
    nothing = TieNarrowing(frozenset(), frozenset())  # no kinds, no lists: no tie
    assert _ids(ties_qs([alice.pk], [here.pk], nothing)) == []


@pytest.mark.django_db
def test_the_people_part_is_an_index_only_scan_of_the_covering_index() -> None:
    require_postgresql()
    alice = PersonFactory.create()
    here = ProjectFactory.create()
    TieFactory.create_batch(3, person=alice)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE c.relname = 'tie_person_facts'"
        )
        covered = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT count(*) FROM pg_index i JOIN pg_attribute a "
            "ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
            "WHERE i.indrelid = 'projects_tie'::regclass AND a.attname = 'person_id'"
        )
        (on_person,) = cursor.fetchone()
    fields = {f.attname: f.column for f in Tie._meta.concrete_fields}
    columns = {fields[name] for name in TIE_COLUMNS}
    assert columns <= covered  # every column the facts read is in the index
    assert on_person == 1  # the plain index on the person is gone: no second index to write

    sql, params = ties_qs([alice.pk], [here.pk]).query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        # A handful of rows would be read from the table anyway: ask for the plan of a
        # large one (the shape of the plan, not its costs, is under test).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using tie_person_facts" in plan, plan
