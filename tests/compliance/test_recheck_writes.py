"""How a re-check chunk writes: COPY inserts that skip conflicts, one audit append per chunk,
scenarios compiled once per worker while rules and parameters stay the same."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from compliance.audit.chain import audit_verify
from compliance.audit.models import AuditEvent
from compliance.models import Finding
from compliance.services import finding_writes, recheck
from compliance.services.bulk import copy_insert_new
from compliance.services.finding_writes import FINDING_KEY, PendingWrites
from compliance.services.recheck import recheck_chunk_execute, recheck_request
from compliance.services.recheck_compile import scenarios_compiled
from rules.models import PackParameter, Scenario
from tests.compliance.conftest import finding_build


@pytest.mark.django_db
def test_insert_skips_rows_that_exist_and_returns_only_its_own(
    portfolio: dict[str, Any],
) -> None:
    project = portfolio["dod"]
    first = finding_build(project.pk, "tie:1")
    with transaction.atomic():
        copy_insert_new([first], FINDING_KEY)
    again, new = finding_build(project.pk, "tie:1"), finding_build(project.pk, "tie:2")
    with transaction.atomic():
        inserted = copy_insert_new([again, new], FINDING_KEY)
    assert Finding.objects.filter(project=project).count() == 2
    if connection.vendor == "postgresql":
        # The first went straight in by COPY; the second batch conflicted, so it went through
        # the temporary table, ON CONFLICT skipping the row that exists.
        assert first.pk == Finding.objects.get(project=project, subject="tie:1").pk
        assert inserted == [new] and again.pk is None
        assert new.pk == Finding.objects.get(project=project, subject="tie:2").pk
    else:  # bulk_create with ignore_conflicts; the caller reads the rows back
        assert inserted is None


@pytest.mark.django_db
def test_a_chunk_appends_its_audit_events_in_one_go_and_the_chain_verifies(
    portfolio: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    appends: list[int] = []
    real = PendingWrites.flush

    def counting_flush(self: Any) -> None:
        appends.append(len(self.insert) + len(self.created) + len(self.new))
        real(self)

    inserts: list[set[int]] = []  # the scenarios of each insert of new findings
    real_insert = finding_writes.copy_insert_new

    def spying_insert(objs: list[Finding], key: Any) -> Any:
        inserts.append({f.scenario_id for f in objs})
        return real_insert(objs, key)

    monkeypatch.setattr(PendingWrites, "flush", counting_flush)
    monkeypatch.setattr(finding_writes, "copy_insert_new", spying_insert)
    monkeypatch.setattr(recheck, "_enqueue_chunks", lambda ids: None)
    run = recheck_request(trigger="test", scope_key="all")
    chunk = run.chunks.get()
    assert recheck_chunk_execute(chunk_id=chunk.pk) == "done"
    findings = Finding.objects.count()
    assert findings > 0 and appends == [findings]  # every scenario's findings, one flush
    # ... and one insert (one statement on PostgreSQL), the findings of every scenario in it.
    assert inserts == [set(Finding.objects.values_list("scenario_id", flat=True))]
    assert len(inserts[0]) > 1
    assert AuditEvent.objects.filter(action="create", object_type="compliance.finding").count() == (
        findings
    )
    assert Finding.history.filter(history_type="+").count() == findings
    events = list(AuditEvent.objects.order_by("seq"))
    assert all(e.seq for e in events) and audit_verify().ok


@pytest.mark.django_db
def test_compiled_scenarios_are_reused_until_a_parameter_changes(rules_loaded: None) -> None:
    codes = list(Scenario.objects.values_list("code", flat=True))
    first = scenarios_compiled(codes)
    assert scenarios_compiled(codes) is first
    PackParameter.objects.filter(name="r07_lookback_years").update(value=3)
    second = scenarios_compiled(codes)
    assert second is not first
    assert {c.params["r07_lookback_years"] for c, _v in second[1]} == {3}


@pytest.mark.django_db
def test_positional_build_equals_keyword_construction(portfolio: dict[str, Any]) -> None:
    from compliance.services.bulk import build

    by_keywords = finding_build(portfolio["dod"].pk, "project")
    values = {
        f.attname: getattr(by_keywords, f.attname)
        for f in Finding._meta.concrete_fields
        if f.attname not in ("trace", "status", "review_status", "remediation", "amount_usd")
    }
    built = build(Finding, values)
    other = build(Finding, values)

    for f in Finding._meta.concrete_fields:  # defaults applied as Django applies them
        assert getattr(built, f.attname) == getattr(by_keywords, f.attname), f.attname
    assert built.trace == [] and built.trace is not other.trace  # a fresh default each time
    assert built.remediation == "" and built.status == Finding.Status.OPEN
    built.save()
    assert Finding.objects.get(pk=built.pk).subject == "project"


@pytest.mark.django_db
def test_build_fills_a_new_instance_directly_unless_a_handler_wants_its_construction(
    portfolio: dict[str, Any],
) -> None:
    from django.db.models.signals import post_init

    from compliance.services import bulk

    values = {"project_id": portfolio["dod"].pk, "subject": "project", "explanation": "x"}
    direct = bulk.build(Finding, values)
    assert bulk._direct(Finding)  # no handler, foreign-key ids only: filled in directly
    assert direct._state.adding and direct._state.db is None
    assert direct.project == portfolio["dod"]  # the related object is looked up by its id

    seen: list[Finding] = []

    def handler(sender: Any, instance: Finding, **kwargs: Any) -> None:
        seen.append(instance)

    post_init.connect(handler, sender=Finding)
    bulk._DIRECT.clear()
    try:
        built = bulk.build(Finding, values)
        assert not bulk._direct(Finding) and seen == [built]  # constructed, handler called
    finally:
        post_init.disconnect(handler, sender=Finding)
        bulk._DIRECT.clear()
    for f in Finding._meta.concrete_fields:  # both ways give the same instance
        assert getattr(built, f.attname) == getattr(direct, f.attname), f.attname


@pytest.mark.django_db
def test_confirming_findings_again_updates_them_in_place_on_postgresql(
    portfolio: dict[str, Any],
) -> None:
    """The findings table keeps room on its pages (migration 0009), so the re-check's
    confirmation of unchanged findings is a heap-only update that writes none of the table's
    indexes. With full pages, most of these updates would move their rows."""
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL storage parameter: SQLite has no fillfactor")
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'compliance_finding'")
        assert cursor.fetchone()[0] is not None
    findings = [finding_build(portfolio["dod"].pk, f"tie:{i}") for i in range(300)]
    with transaction.atomic():
        copy_insert_new(findings, FINDING_KEY)
    confirmed = Finding.objects.filter(project=portfolio["dod"]).update(
        last_confirmed=timezone.now()
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_stat_get_xact_tuples_updated(%s::regclass),"
            " pg_stat_get_xact_tuples_hot_updated(%s::regclass)",
            ["compliance_finding", "compliance_finding"],
        )
        updated, in_place = cursor.fetchone()
    assert confirmed == updated == 300
    assert in_place == 300


@pytest.mark.django_db
def test_history_rows_copied_in_the_database_equal_those_sent_row_by_row(
    portfolio: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from compliance.services.finding_writes import _history_write

    monkeypatch.setattr(recheck, "_enqueue_chunks", lambda ids: None)
    run = recheck_request(trigger="test", scope_key="all")
    assert recheck_chunk_execute(chunk_id=run.chunks.get().pk) == "done"
    findings = list(Finding.objects.order_by("pk"))
    assert len(findings) >= 3
    findings[-1].status, findings[-1].resolved_at = Finding.Status.RESOLVED, timezone.now()
    findings[-1].save()
    created, updated = findings[:-2], findings[-2:]
    history = Finding.history.model
    columns = [f.attname for f in history._meta.concrete_fields if f.attname != "history_id"]

    def written() -> list[tuple[Any, ...]]:
        rows = history.objects.filter(history_date=now).order_by("history_id")
        return list(rows.values_list(*columns))

    now = timezone.now()
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        _history_write(created, updated, now)  # in the database on PostgreSQL
    in_database = written()
    if connection.vendor == "postgresql":
        [insert] = [q["sql"] for q in queries if q["sql"].startswith("INSERT")]
        assert "SELECT" in insert and "unnest" in insert
    history.objects.filter(history_date=now).delete()
    for f in findings:
        f._history_user = None  # type: ignore[attr-defined]  # forces rows built in Python
    with transaction.atomic():
        _history_write(created, updated, now)
    assert in_database == written()
    assert [row[columns.index("history_type")] for row in in_database] == ["+"] * len(created) + [
        "~"
    ] * 2
    assert [row[columns.index("id")] for row in in_database] == [f.pk for f in findings]
    assert in_database[-1][columns.index("status")] == "resolved"


@pytest.mark.django_db
def test_a_chunk_leaves_no_check_of_its_findings_for_the_commit_under_the_audit_lock(
    portfolio: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every audited write waits for the chain's lock: a chunk holds it from its audit append
    to its commit, so nothing about its findings may be left to check at the commit. Their
    references are checked by statement triggers as each write ends (no deferrable
    constraint is left on the table), before the history rows and the lock."""
    if connection.vendor != "postgresql":
        pytest.skip("an advisory lock and constraint triggers: PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_constraint "
            "WHERE conrelid = 'compliance_finding'::regclass AND condeferrable"
        )
        assert cursor.fetchone() == (0,)
    monkeypatch.setattr(recheck, "_enqueue_chunks", lambda ids: None)
    run = recheck_request(trigger="test", scope_key="all")
    with CaptureQueriesContext(connection) as queries:
        assert recheck_chunk_execute(chunk_id=run.chunks.get().pk) == "done"
    sql = [q["sql"] for q in queries]
    lock = next(i for i, s in enumerate(sql) if "pg_advisory_xact_lock" in s)
    stored = next(i for i, s in enumerate(sql) if s.startswith('SELECT "compliance_finding"'))
    history = next(i for i, s in enumerate(sql) if "compliance_historicalfinding" in s)
    assert stored < history < lock  # the findings are written (COPY) before their history
    assert not [s for s in sql if s.startswith("SET CONSTRAINTS")]
    assert Finding.objects.filter(run=run).count() > 0
    assert AuditEvent.objects.filter(object_type="compliance.finding").count() == (
        Finding.objects.filter(run=run).count()
    )


@pytest.mark.django_db(transaction=True)  # committed: old row versions can be pruned
def test_a_finding_reworded_by_a_recheck_is_updated_in_place_on_postgresql(
    portfolio: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A re-check that words a finding differently (a parameter change: "within 3 years")
    sets its text and its run. No index holds the run (migration 0011), so the update is a
    heap-only one that writes none of the table's indexes."""
    if connection.vendor != "postgresql":
        pytest.skip("heap-only updates are PostgreSQL's")
    monkeypatch.setattr(recheck, "_enqueue_chunks", lambda ids: None)
    first = recheck_request(trigger="test", scope_key="all")
    assert recheck_chunk_execute(chunk_id=first.chunks.get().pk) == "done"
    stale = list(Finding.objects.filter(status="open").order_by("pk").values_list("pk", flat=True))
    assert len(stale) >= 3
    Finding.objects.filter(pk__in=stale).update(explanation="an older wording")
    second = recheck_request(trigger="again", scope_key="all")

    def updates() -> tuple[int, int]:  # this transaction's updates so far, and HOT ones
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_stat_get_xact_tuples_updated(%s::regclass),"
                " pg_stat_get_xact_tuples_hot_updated(%s::regclass)",
                ["compliance_finding", "compliance_finding"],
            )
            return cursor.fetchone()

    with transaction.atomic():  # counters are flushed between transactions: one for all
        before = updates()
        assert recheck_chunk_execute(chunk_id=second.chunks.get().pk) == "done"
        after = updates()
    second.refresh_from_db()
    assert second.findings_changed == len(stale) == after[0] - before[0] == after[1] - before[1]
    rows = Finding.objects.filter(pk__in=stale)
    assert {(f.run_id, f.explanation != "an older wording") for f in rows} == {(second.pk, True)}


@pytest.mark.django_db
def test_recheck_runs_cannot_be_deleted_in_the_admin(
    portfolio: dict[str, Any], admin_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.test import Client

    from compliance.models import RecheckRun

    monkeypatch.setattr(recheck, "_enqueue_chunks", lambda ids: None)
    run = recheck_request(trigger="test", scope_key="all")
    assert recheck_chunk_execute(chunk_id=run.chunks.get().pk) == "done"
    client = Client()
    client.force_login(admin_user)
    assert client.get(f"/admin/compliance/recheckrun/{run.pk}/change/").status_code == 200
    assert client.get(f"/admin/compliance/recheckrun/{run.pk}/delete/").status_code == 403
    assert (
        client.post(f"/admin/compliance/recheckrun/{run.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    listing = client.get("/admin/compliance/recheckrun/")
    assert listing.status_code == 200 and b"delete_selected" not in listing.content
    assert RecheckRun.objects.filter(pk=run.pk).exists()
    assert Finding.objects.filter(run=run).exists()


@pytest.mark.django_db(transaction=True)  # committed: a second connection sees the run
def test_closing_a_chunk_does_not_wait_for_another_chunk_still_writing_findings(
    portfolio: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chunk writing findings holds, until it commits, the key-share lock that each finding's
    reference check takes on its run row. The worker that has just finished another chunk
    updates the run's counts meanwhile: it locks the row FOR NO KEY UPDATE, which does not
    conflict with that lock, instead of FOR UPDATE, which waited for the other commit."""
    if connection.vendor != "postgresql":
        pytest.skip("row-lock modes are PostgreSQL's")
    import psycopg

    from compliance.models import RecheckRun
    from compliance.services.recheck_runs import recheck_run_finish

    monkeypatch.setattr(recheck, "_enqueue_chunks", lambda ids: None)
    run = recheck_request(trigger="test", scope_key="all", chunk_size=1)
    assert run.chunks.count() >= 2
    with psycopg.connect(**connection.get_connection_params()) as other:
        with other.cursor() as cursor:  # what the referential check of a finding takes
            cursor.execute(
                "SELECT 1 FROM compliance_recheckrun WHERE id = %s FOR KEY SHARE", [run.pk]
            )
            assert cursor.fetchone() == (1,)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '2s'")
            assert recheck_run_finish(run_id=run.pk) is False  # chunks still queued
        with transaction.atomic(), connection.cursor() as cursor:  # a newer run supersedes it
            cursor.execute("SET LOCAL lock_timeout = '2s'")
            newer = recheck_request(trigger="again", scope_key="all")
        other.rollback()
    assert RecheckRun.objects.get(pk=run.pk).status == RecheckRun.Status.SUPERSEDED
    assert newer.status == RecheckRun.Status.RUNNING


@pytest.mark.django_db
def test_lookups_by_assignee_or_list_entry_use_their_partial_indexes(
    portfolio: dict[str, Any],
) -> None:
    """Findings without an assignee or a list entry have no entry in those indexes (a
    re-check inserts thousands such), yet a lookup by either, and the SET NULL when a user
    or an entry is deleted, still reads the index: `= x` and `IN (...)` imply IS NOT NULL."""
    if connection.vendor != "postgresql":
        pytest.skip("plans are PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for column, index in (
            ("assignee_id", "finding_assignee"),
            ("list_entry_id", "finding_list_entry"),
        ):
            for where in (f"{column} = 7", f"{column} IN (7, 8)"):
                for statement in ("SELECT id FROM", "UPDATE"):
                    sql = (
                        f"EXPLAIN {statement} compliance_finding "
                        + (f"SET {column} = NULL " if statement == "UPDATE" else "")
                        + f"WHERE {where}"
                    )
                    cursor.execute(sql)
                    plan = "\n".join(row[0] for row in cursor.fetchall())
                    assert index in plan, (sql, plan)
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = ANY(%s) ORDER BY indexname",
            [["finding_assignee", "finding_list_entry"]],
        )
        assert [row[0].endswith("IS NOT NULL)") for row in cursor.fetchall()] == [True, True]
