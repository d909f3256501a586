"""The audit trail: every change is an event, the chain detects tampering, the table is guarded."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from compliance.audit.chain import Change, audit_record_many, audit_verify
from compliance.audit.context import acting_as
from compliance.models import AuditEvent, Finding
from compliance.services.decisions import MSG_PLAN_REQUIRED, finding_decide
from compliance.services.evaluation import portfolio_evaluate
from projects.errors import ApplicationError
from projects.importing import portfolio_import
from rules.models import Scenario
from tests.compliance.conftest import TODAY
from tests.factories import ProjectFactory

IMPORT = Path(__file__).resolve().parents[1] / "data" / "import" / "good"


@contextmanager
def guard_disabled() -> Iterator[None]:
    """Tampering, as an attacker with database access would: switch the guard off first."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "ALTER TABLE compliance_auditevent DISABLE TRIGGER auditevent_append_only"
            )
        else:
            cursor.execute("DROP TRIGGER IF EXISTS auditevent_no_update")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "ALTER TABLE compliance_auditevent ENABLE TRIGGER auditevent_append_only"
                )
            else:
                cursor.execute(
                    "CREATE TRIGGER auditevent_no_update BEFORE UPDATE ON compliance_auditevent "
                    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;"
                )


def _events(n: int = 5) -> list[AuditEvent]:
    return audit_record_many(
        [
            Change("update", "projects.project", str(i), f"p{i}", {"v": i}, {"v": i + 1})
            for i in range(n)
        ]
    )


@pytest.mark.django_db
def test_changes_through_services_and_imports_are_audited_with_actor(reviewer: Any) -> None:
    with acting_as(reviewer, request_id="req-1", ip="10.0.0.1"):
        report = portfolio_import(path=IMPORT)
    assert report.ok
    created = AuditEvent.objects.filter(action="create", object_type="projects.project")
    assert created.count() == 4
    event = created.first()
    assert event is not None
    assert (event.actor_username, event.actor_id, event.request_id, event.ip) == (
        "reviewer_user",
        reviewer.pk,
        "req-1",
        "10.0.0.1",
    )
    assert event.after and event.after["award_number"]
    project = ProjectFactory.create()
    project.title = "Renamed"
    project.save()
    update = AuditEvent.objects.filter(
        object_type="projects.project", object_id=str(project.pk), action="update"
    ).get()
    assert update.before is not None and update.after is not None
    assert update.after["title"] == "Renamed" and update.before["title"] != "Renamed"
    pk = project.pk
    project.delete()
    assert AuditEvent.objects.filter(action="delete", object_id=str(pk)).exists()
    assert audit_verify().ok


@pytest.mark.django_db
def test_role_changes_and_decisions_are_audited(
    portfolio: dict[str, Any], reviewer: Any, outsider: Any
) -> None:
    from django.contrib.auth.models import Group

    outsider.groups.add(Group.objects.get(name="auditor"))
    assert AuditEvent.objects.filter(action="roles_add", object_id=str(outsider.pk)).exists()
    portfolio_evaluate(scenario=Scenario.objects.get(code="current"), today=TODAY)
    assert AuditEvent.objects.filter(object_type="compliance.finding", action="create").exists()
    finding = Finding.objects.get(rule__key="R07", scenario__code="current")
    with pytest.raises(ApplicationError, match=MSG_PLAN_REQUIRED):
        finding_decide(finding=finding, decision="mitigation_required", reason="x", user=reviewer)
    finding_decide(
        finding=finding, decision="false_positive", reason="Consortium paper", user=reviewer
    )
    decided = AuditEvent.objects.filter(
        object_type="compliance.finding", action="update", object_id=str(finding.pk)
    ).last()
    assert decided is not None and decided.after is not None
    assert decided.after["review_status"] == "false_positive"
    assert AuditEvent.objects.filter(object_type="compliance.findingdecision").exists()
    assert audit_verify().ok


@pytest.mark.django_db
def test_there_is_no_update_or_delete_path() -> None:
    [event, *_] = _events(2)
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")


@pytest.mark.django_db
def test_postgresql_trigger_rejects_delete() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the DELETE guard is a PostgreSQL trigger (SQLite guards UPDATE only)")
    _events(2)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all()._raw_delete(AuditEvent.objects.db)


def _tamper(sql: str, params: list[Any]) -> None:
    with guard_disabled(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.django_db
def test_verify_detects_a_modified_event() -> None:
    events = _events()
    _tamper(
        "UPDATE compliance_auditevent SET actor_username = %s WHERE seq = %s",
        ["mallory", events[2].seq],
    )
    report = audit_verify()
    assert not report.ok and report.broken_at == events[2].seq and "modified" in report.reason


@pytest.mark.django_db
def test_verify_detects_a_deleted_event() -> None:
    events = _events()
    _tamper("DELETE FROM compliance_auditevent WHERE seq = %s", [events[1].seq])
    report = audit_verify()
    assert not report.ok and report.broken_at == events[2].seq and "link broken" in report.reason


@pytest.mark.django_db
def test_verify_detects_reordered_events() -> None:
    events = _events()
    a, b = events[1], events[3]
    # swap the two rows' sequence numbers (through a free slot)
    _tamper("UPDATE compliance_auditevent SET seq = %s WHERE seq = %s", [10_000_000, a.seq])
    _tamper("UPDATE compliance_auditevent SET seq = %s WHERE seq = %s", [a.seq, b.seq])
    _tamper("UPDATE compliance_auditevent SET seq = %s WHERE seq = %s", [b.seq, 10_000_000])
    report = audit_verify()
    assert not report.ok and report.broken_at == a.seq


@pytest.mark.django_db
def test_audit_verify_command(capsys: pytest.CaptureFixture[str]) -> None:
    events = _events(3)
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert "3 events verified" in out.getvalue()
    _tamper(
        "UPDATE compliance_auditevent SET after = %s WHERE seq = %s", ['{"v": 99}', events[0].seq]
    )
    with pytest.raises(CommandError, match=f"broken at event #{events[0].seq}"):
        call_command("audit_verify")


@pytest.mark.django_db
def test_reviewer_decides_over_the_api_and_read_only_roles_cannot(
    portfolio: dict[str, Any],
    reviewer: Any,
    auditor: Any,
    pi: Any,
    outsider: Any,
    api_client_for: Callable[[Any], Any],
) -> None:
    portfolio_evaluate(scenario=Scenario.objects.get(code="current"), today=TODAY)
    finding = Finding.objects.get(rule__key="R07", scenario__code="current")
    url = f"/api/v1/findings/{finding.pk}/decide/"
    body = {
        "decision": "accepted_waiver",
        "reason": "DoD waiver granted",
        "waiver_reference": "W-42",
    }
    assert api_client_for(outsider).post(url, body, format="json").status_code == 404
    for user in (auditor, pi):
        assert api_client_for(user).post(url, body, format="json").status_code == 403
    finding.refresh_from_db()
    assert finding.review_status == "new"
    missing = api_client_for(reviewer).post(url, {"decision": "escalated"}, format="json")
    assert missing.status_code == 400
    ok = api_client_for(reviewer).post(url, body, format="json")
    assert ok.status_code == 200 and ok.json()["review_status"] == "accepted_waiver"
    finding.refresh_from_db()
    assert finding.decisions.get().waiver_reference == "W-42"


@pytest.mark.django_db
def test_events_serialised_once_hash_like_the_reference_and_verify_from_the_database() -> None:
    from compliance.audit.chain import _content, _event_text, _json_or_null, _text

    nested = {"z": [1, 2.5, None], "a": {"é": "naïve — “quoted”", "b": True}, "n": None}
    with acting_as(None, username="sys", request_id="r-1", ip="10.1.2.3"):
        events = audit_record_many(
            [
                Change("update", "projects.project", "7", "p7", {"v": 1, **nested}, {"v": 2}),
                Change("create", "projects.tie", "8", "t8", None, nested),
                Change("delete", "projects.role", "9", "r9", {"x": "1"}, None),
            ]
        )
    for event in events:
        fast = _event_text(event, _json_or_null(event.before), _json_or_null(event.after))
        assert fast == _text(_content(event))
    stored = list(AuditEvent.objects.filter(seq__in=[e.seq for e in events]).order_by("seq"))
    assert [e.after for e in stored] == [{"v": 2}, nested, None]
    assert stored[0].before == {"v": 1, **nested} and stored[1].before is None
    assert [e.hash for e in stored] == [e.hash for e in events]
    assert audit_verify().ok


@pytest.mark.django_db
def test_bulk_events_need_not_read_their_sequence_numbers_back() -> None:
    before = AuditEvent.objects.count()
    events = audit_record_many(
        [Change("create", "compliance.finding", str(i), f"f{i}", None, {"v": i}) for i in range(3)],
        read_seqs=False,
    )
    stored = list(AuditEvent.objects.order_by("seq")[before:])
    assert [e.after for e in stored] == [{"v": 0}, {"v": 1}, {"v": 2}]
    assert [e.hash for e in stored] == [e.hash for e in events]  # chained all the same
    assert audit_verify().ok
    if connection.vendor == "postgresql":  # COPY: the numbers stay in the database
        assert [e.seq for e in events] == [None, None, None]


@pytest.mark.django_db
def test_bulk_append_stores_the_same_events_and_chain_as_one_by_one() -> None:
    from compliance.audit.chain import _COLUMNS, CONTENT_KEYS, _content, audit_append_bulk

    nested = {"z": [1, 2.5, None], "a": {"é": "naïve — “quoted”", "b": True}, "n": None}
    first = _events(2)  # chained after events recorded one way ...
    with acting_as(None, username="worker", request_id="run-7", ip="10.1.2.3"):
        audit_append_bulk(  # ... then the other
            [
                Change("create", "compliance.finding", "11", "f11", None, nested),
                Change("update", "compliance.finding", "12", "x" * 400, {"v": 1}, {"v": 2}),
                Change("resolve", "compliance.finding", "13", "f13", {"s": "open"}, None),
            ]
        )
    _events(1)  # and one-by-one again after them
    stored = list(AuditEvent.objects.order_by("seq"))
    assert tuple(sorted(_content(stored[0]))) == CONTENT_KEYS
    assert [f.attname for f in _COLUMNS] == [
        *("at", "actor_id", "actor_username", "action", "object_type", "object_id"),
        *("object_repr", "before", "after", "request_id", "ip", "prev_hash", "hash"),
    ]  # the order audit_append_bulk writes its rows in
    bulk = stored[2:5]
    assert stored[2].prev_hash == first[-1].hash and stored[5].prev_hash == stored[4].hash
    assert [e.after for e in bulk] == [nested, {"v": 2}, None]
    assert [e.before for e in bulk] == [None, {"v": 1}, {"s": "open"}]
    assert {(e.actor_username, e.request_id, e.ip) for e in bulk} == {
        ("worker", "run-7", "10.1.2.3")
    }
    assert len(bulk[1].object_repr) == 300
    assert audit_verify().ok  # every hash recomputed from the stored content


@pytest.mark.django_db
def test_postgresql_keeps_before_and_after_as_the_exact_text_the_chain_hashed() -> None:
    """An auditor can recompute an event's hash from the stored JSON text itself: the
    columns are `json`, which keeps the text, not `jsonb`, which re-encodes it."""
    from compliance.audit.chain import _chain, _hashed_text, _shared_parts, audit_append_bulk

    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL column type: SQLite keeps the text Django wrote")
    nested = {"z": [1, 2.5, None], "a": {"é": "naïve — “quoted”", "b": True}, "n": None}
    _events(2)
    audit_append_bulk([Change("update", "compliance.finding", "12", "f12", nested, {"v": 2})])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = 'compliance_auditevent'::regclass AND attname IN ('before', 'after')"
        )
        assert [row[0] for row in cursor.fetchall()] == ["json", "json"]
        cursor.execute(
            "SELECT coalesce(before::text, 'null'), coalesce(after::text, 'null') "
            "FROM compliance_auditevent ORDER BY seq"
        )
        texts = cursor.fetchall()
    stored = list(AuditEvent.objects.order_by("seq"))
    assert texts[-1][0].startswith('{"a":{"b":true,"é":"naïve')  # sorted, compact, UTF-8
    for event, (before, after) in zip(stored, texts, strict=True):
        shared = _shared_parts(
            event.actor_id, event.actor_username, event.at, event.ip, event.request_id
        )
        text = _hashed_text(
            shared,
            event.action,
            before,
            after,
            event.object_id,
            event.object_repr,
            event.object_type,
        )
        assert _chain(event.prev_hash, text) == event.hash
    assert stored[-1].before == nested and stored[-1].after == {"v": 2}  # read back as values
    assert audit_verify().ok


@pytest.mark.django_db
def test_events_stored_as_jsonb_before_migration_0010_still_verify_after_it() -> None:
    """An installation upgraded across 0010: its events were written to jsonb columns (which
    re-encode the text) and are converted to json with that re-encoded text."""
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL column type change")
    alter = (
        "ALTER TABLE compliance_auditevent ALTER COLUMN before TYPE {t} USING before::{t}, "
        "ALTER COLUMN after TYPE {t} USING after::{t}"
    )
    nested = {"z": [1, 2.5, 1e-07, 0.30000000000000004], "a": {"é": "“q”", "b": None}}
    with connection.cursor() as cursor:
        cursor.execute(alter.format(t="jsonb"))
        _events(2)
        audit_record_many([Change("update", "projects.tie", "8", "t8", nested, {"k": 10**20})])
        cursor.execute("SELECT after::text FROM compliance_auditevent ORDER BY seq DESC LIMIT 1")
        assert cursor.fetchone()[0] == '{"k": 100000000000000000000}'  # jsonb's own form
        cursor.execute(alter.format(t="json"))  # what migration 0010 does
    assert audit_verify().ok
    assert AuditEvent.objects.order_by("-seq").first().before == nested  # type: ignore[union-attr]
