"""A finding's references are checked once per statement (PostgreSQL, migration 0013), with the
guarantees of the foreign keys they replace: what a finding references exists, is locked
against deletion until the writer commits, and cannot be deleted, truncated or renumbered
while referenced."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import BigIntegerField, Case, F, Value, When
from django.utils import timezone

from compliance.models import Finding, RecheckRun
from compliance.services.bulk import copy_insert_new
from projects.models import Project, Tie
from rules.models import ListEntry
from tests.compliance.conftest import finding_build
from tests.factories import (
    OrganisationFactory,
    PersonFactory,
    ProjectFactory,
    TieFactory,
    UserFactory,
)
from tests.services import require_postgresql

REFERENCES = {  # finding column: referenced table
    "scenario_id": "rules_scenario",
    "rule_id": "rules_rule",
    "rule_version_id": "rules_ruleversion",
    "project_id": "projects_project",
    "person_id": "projects_person",
    "tie_id": "projects_tie",
    "list_entry_id": "rules_listentry",
    "run_id": "compliance_recheckrun",
    "resolved_by_run_id": "compliance_recheckrun",
    "assignee_id": "auth_user",
}
MISSING = 987_654_321


@pytest.fixture
def finding(rules_loaded: None) -> Finding:
    """A saved finding with every reference set."""
    require_postgresql()
    person = PersonFactory.create(name="Ada Ref")
    tie = TieFactory.create(person=person, organisation=OrganisationFactory.create(name="Ref U"))
    run = RecheckRun.objects.create(trigger="test", scope={}, scope_key="t", scenarios=[])
    entry = ListEntry.objects.first()
    assert entry is not None
    found = finding_build(ProjectFactory.create().pk, f"tie:{tie.pk}")
    found.person, found.tie, found.list_entry, found.run = person, tie, entry, run
    found.resolved_by_run, found.assignee = run, UserFactory.create()
    found.save()
    return found


def _execute(sql: str, params: list[Any]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.django_db
def test_findings_have_no_per_row_foreign_keys_but_statement_triggers(finding: Finding) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_constraint "
            "WHERE conrelid = 'compliance_finding'::regclass AND contype = 'f'"
        )
        assert cursor.fetchone() == (0,)
        cursor.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND (t.tgname LIKE 'finding_ref%%')"
        )
        found = set(cursor.fetchall())
    assert {("compliance_finding", "finding_refs_inserted")} <= found
    assert {("compliance_finding", "finding_refs_updated")} <= found
    for table in set(REFERENCES.values()):
        for trigger in ("deleted", "truncated", "renumbered"):
            assert (table, f"finding_referenced_{trigger}") in found


@pytest.mark.django_db
@pytest.mark.parametrize("column", sorted(REFERENCES))
def test_a_finding_referencing_a_missing_row_is_refused(finding: Finding, column: str) -> None:
    bad = finding_build(finding.project_id, "project", scenario="current_safe")
    setattr(bad, column, MISSING)
    before = Finding.objects.count()
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        bad.save()
    assert column in str(refused.value) and REFERENCES[column] in str(refused.value)
    assert Finding.objects.count() == before
    with pytest.raises(IntegrityError), transaction.atomic():  # changing one to a missing row
        Finding.objects.filter(pk=finding.pk).update(**{column: MISSING})
    assert getattr(Finding.objects.get(pk=finding.pk), column) == getattr(finding, column)


@pytest.mark.django_db
def test_copied_findings_are_checked_and_kept_references_are_not_refused(finding: Finding) -> None:
    ok = finding_build(finding.project_id, "project", scenario="current_safe")
    bad = finding_build(finding.project_id, "person:1", scenario="current_safe")
    bad.tie_id = MISSING
    with pytest.raises(IntegrityError), transaction.atomic():
        copy_insert_new([ok, bad], ["scenario_id", "rule_id", "project_id", "subject"])
    assert not Finding.objects.filter(subject__in=["project", "person:1"]).exists()
    inserted = copy_insert_new(
        [finding_build(finding.project_id, "project", scenario="current_safe")],
        ["scenario_id", "rule_id", "project_id", "subject"],
    )
    assert inserted and Finding.objects.filter(pk=inserted[0].pk).exists()
    now = timezone.now()  # a confirmation rewrites rows whose references stay as they are
    assert Finding.objects.update(last_confirmed=now) == 2
    assert set(Finding.objects.values_list("last_confirmed", flat=True)) == {now}
    one_of_two = Case(
        When(pk=inserted[0].pk, then=Value(MISSING)),
        default=F("tie_id"),
        output_field=BigIntegerField(),
    )
    with pytest.raises(IntegrityError), transaction.atomic():  # one row changed among others
        Finding.objects.update(tie_id=one_of_two, last_confirmed=timezone.now())
    assert set(Finding.objects.values_list("last_confirmed", flat=True)) == {now}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "table, column",
    [(t, c) for c, t in REFERENCES.items() if c != "resolved_by_run_id"],
)
def test_deleting_truncating_or_renumbering_a_referenced_row_is_refused(
    finding: Finding, table: str, column: str
) -> None:
    key = getattr(finding, column)
    with pytest.raises(IntegrityError) as refused:
        _execute(f"DELETE FROM {table} WHERE id = %s", [key])  # noqa: S608
    assert "still referenced" in str(refused.value) and column in str(refused.value)
    with pytest.raises(IntegrityError):
        _execute(f"UPDATE {table} SET id = %s WHERE id = %s", [MISSING, key])  # noqa: S608
    with connection.cursor() as cursor:  # TRUNCATE refuses tables with pending checks
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(IntegrityError) as refused:  # CASCADE follows foreign keys only
        _execute(f"TRUNCATE {table} CASCADE", [])
    assert "still referenced" in str(refused.value)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE id = %s", [key])  # noqa: S608
        assert cursor.fetchone() == (1,)


@pytest.mark.django_db
def test_the_orm_applies_on_delete_first_so_its_deletes_go_through(finding: Finding) -> None:
    assert finding.tie is not None and finding.run is not None
    Tie.objects.filter(pk=finding.tie.pk).delete()  # SET_NULL
    assert Finding.objects.get(pk=finding.pk).tie_id is None
    RecheckRun.objects.filter(pk=finding.run.pk).delete()  # SET_NULL, both runs
    kept = Finding.objects.get(pk=finding.pk)
    assert kept.run_id is None and kept.resolved_by_run_id is None
    Project.objects.filter(pk=finding.project_id).delete()  # CASCADE
    assert not Finding.objects.filter(pk=finding.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_a_referenced_row_stays_locked_until_the_writer_commits(finding: Finding) -> None:
    """The insert's check locks the tie FOR KEY SHARE: a concurrent delete waits (here: times
    out) instead of leaving the finding dangling; once the finding is committed the delete is
    refused."""
    import psycopg

    tie = TieFactory.create(person_id=finding.person_id, organisation=OrganisationFactory.create())
    new = finding_build(finding.project_id, f"tie:{tie.pk}", scenario="current_safe")
    new.tie = tie
    with psycopg.connect(**connection.get_connection_params()) as other:
        with transaction.atomic():
            new.save()
            with other.cursor() as cursor:
                cursor.execute("SET lock_timeout = '1s'")
                with pytest.raises(psycopg.errors.LockNotAvailable):
                    cursor.execute("DELETE FROM projects_tie WHERE id = %s", [tie.pk])
            other.rollback()
        with other.cursor() as cursor, pytest.raises(psycopg.errors.ForeignKeyViolation):
            cursor.execute("DELETE FROM projects_tie WHERE id = %s", [tie.pk])
        other.rollback()
    assert Tie.objects.filter(pk=tie.pk).exists()
    assert Finding.objects.get(pk=new.pk).tie_id == tie.pk
