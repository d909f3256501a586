"""The audit chain's head is sealed outside the database; audit_verify checks against the
seal and detects deleted newest events and an emptied table. PostgreSQL refuses TRUNCATE."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import override_settings

from compliance.audit.chain import GENESIS, Change, audit_record_many
from compliance.audit.seal import LAST_SEAL_KEY, AuditSealError, audit_seal, seal_read_latest
from compliance.models import AuditEvent
from compliance.tasks import audit_seal_task
from tests.compliance.test_audit import guard_disabled
from tests.services import require_postgresql

pytestmark = pytest.mark.django_db


def _events(n: int) -> list[AuditEvent]:
    return audit_record_many(
        [
            Change("update", "projects.project", str(i), f"p{i}", {"v": i}, {"v": i + 1})
            for i in range(n)
        ]
    )


def _delete_from(seq: int) -> None:
    """What someone with database access would do: switch the guard off, delete, switch on."""
    with guard_disabled(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM compliance_auditevent WHERE seq >= %s", [seq])


@pytest.fixture(autouse=True)
def no_remembered_seal() -> None:
    """The last seal sent to a log or mail is remembered in the cache, which outlives a
    test's database."""
    from django.core.cache import cache

    cache.delete(LAST_SEAL_KEY)


@pytest.fixture
def seal_file(tmp_path: Path) -> Path:
    return tmp_path / "seals.jsonl"


def test_a_seal_is_appended_to_the_file_as_a_json_line(seal_file: Path) -> None:
    events = _events(3)
    with override_settings(AUDIT_SEAL_TARGET=f"file:{seal_file}"):
        assert audit_seal_task() == events[-1].seq  # what beat runs
        _events(2)
        second = audit_seal()
    lines = [json.loads(line) for line in seal_file.read_text().splitlines()]
    assert len(lines) == 2
    assert (lines[0]["seq"], lines[0]["hash"]) == (events[-1].seq, events[-1].hash)
    head = AuditEvent.objects.order_by("-seq").first()
    assert head is not None and second is not None
    assert (lines[1]["seq"], lines[1]["hash"]) == (head.seq, head.hash)
    assert lines[1]["sealed_at"] == second.sealed_at


def test_an_unmoved_head_is_not_sealed_again(seal_file: Path) -> None:
    _events(2)
    with override_settings(AUDIT_SEAL_TARGET=f"file:{seal_file}"):
        assert audit_seal() is not None
        assert audit_seal() is None
    assert len(seal_file.read_text().splitlines()) == 1


def test_a_seal_goes_to_the_log_by_default(caplog: pytest.LogCaptureFixture) -> None:
    [event] = _events(1)
    with caplog.at_level(logging.INFO, logger="grantcheck.audit.seal"):
        seal = audit_seal()
    assert seal is not None and seal.seq == event.seq
    [record] = [r for r in caplog.records if r.name == "grantcheck.audit.seal"]
    assert record.getMessage() == f"audit seal {seal.to_json()}"


def test_a_seal_can_be_mailed() -> None:
    [event] = _events(1)
    with override_settings(AUDIT_SEAL_TARGET="mail:audit@univ.edu, ciso@univ.edu"):
        audit_seal()
    [message] = mail.outbox
    assert message.to == ["audit@univ.edu", "ciso@univ.edu"]
    assert f'"seq": {event.seq}' in message.body and event.hash in message.body


def test_audit_verify_detects_deleted_newest_events_against_the_seal(seal_file: Path) -> None:
    events = _events(5)
    with override_settings(AUDIT_SEAL_TARGET=f"file:{seal_file}"):
        audit_seal()
    _delete_from(events[3].seq)  # the two newest: what is left still verifies as a chain
    out = io.StringIO()
    call_command("audit_verify", stdout=out)  # without the seal, nothing shows
    assert "3 events verified; no seal" in out.getvalue()
    with pytest.raises(CommandError) as refused:
        call_command("audit_verify", "--seal", str(seal_file))
    assert str(refused.value).startswith("the newest audit events were deleted")
    assert f"ends at #{events[2].seq}" in str(refused.value)
    assert f"holds #{events[4].seq}" in str(refused.value)
    # the configured file is the default seal
    with override_settings(AUDIT_SEAL_TARGET=f"file:{seal_file}"):
        with pytest.raises(CommandError, match="the newest audit events were deleted"):
            call_command("audit_verify")
        # and the next seal refuses to seal over the shortened chain
        with pytest.raises(AuditSealError, match="newest audit events were deleted"):
            audit_seal()
    assert len(seal_file.read_text().splitlines()) == 1


def test_audit_verify_detects_an_emptied_table_against_the_seal(seal_file: Path) -> None:
    events = _events(3)
    with override_settings(AUDIT_SEAL_TARGET=f"file:{seal_file}"):
        audit_seal()
    _delete_from(events[0].seq)
    with pytest.raises(
        CommandError, match=f"chain ends at #0 but the seal of .* holds #{events[2].seq}"
    ):
        call_command("audit_verify", "--seal", str(seal_file))


def test_audit_verify_passes_against_a_seal_the_chain_still_holds(seal_file: Path) -> None:
    events = _events(3)
    with override_settings(AUDIT_SEAL_TARGET=f"file:{seal_file}"):
        audit_seal()
    _events(2)  # events after the seal are fine
    out = io.StringIO()
    call_command("audit_verify", "--seal", str(seal_file), stdout=out)
    assert f"still holds event #{events[2].seq}" in out.getvalue()


def test_a_seal_taken_from_a_log_line_works_and_a_rewritten_head_is_detected(
    tmp_path: Path,
) -> None:
    events = _events(2)
    log = tmp_path / "grantcheck.log"
    log.write_text(
        "2026-12-07 20:15:00 INFO grantcheck.audit.seal audit seal "
        + json.dumps({"seq": events[1].seq, "hash": "f" * 64, "sealed_at": "2026-12-07T20:15"})
        + "\n"
    )
    with pytest.raises(CommandError, match=f"#{events[1].seq} does not have the hash sealed"):
        call_command("audit_verify", "--seal", str(log))
    empty = tmp_path / "empty.jsonl"
    empty.write_text("nothing here\n")
    with pytest.raises(CommandError, match="no seal could be read"):
        call_command("audit_verify", "--seal", str(empty))


def test_an_empty_chain_seals_as_genesis(seal_file: Path) -> None:
    with override_settings(AUDIT_SEAL_TARGET=f"file:{seal_file}"):
        seal = audit_seal()
    assert seal is not None and (seal.seq, seal.hash) == (0, GENESIS)
    assert seal_read_latest(seal_file) == seal


@pytest.mark.services
def test_postgresql_refuses_truncate_of_the_audit_table() -> None:
    require_postgresql()
    _events(2)
    with (
        pytest.raises(DatabaseError, match="TRUNCATE refused"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        # the test suite's own allowance (tests/conftest.py) switched off, as in production
        cursor.execute("SET LOCAL grantcheck.audit_truncate = ''")
        cursor.execute("TRUNCATE compliance_auditevent")
    assert AuditEvent.objects.count() == 2


def test_beat_seals_the_chain_on_the_configured_interval() -> None:
    from datetime import timedelta

    from config.celery import app

    entry = app.conf.beat_schedule["audit-seal"]
    assert entry["task"] == "compliance.audit_seal" == audit_seal_task.name
    assert entry["schedule"] == timedelta(minutes=15)  # GRANTCHECK_AUDIT_SEAL_MINUTES
