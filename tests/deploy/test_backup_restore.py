"""Backup and restore (README, Production, "Backup and restore"): a populated database is
dumped with pg_dump, restored with pg_restore into a new database, `audit_verify` passes
against the restored copy (also against a seal written before the dump), and its findings,
decisions, finding history and audit events are equal, row for row, to the original's.

PostgreSQL only: skips with the reason without it, fails under CI=true. The restored
database has a name of its own (this test's process id and a random suffix) and is dropped
afterwards.
"""

from __future__ import annotations

import io
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from compliance.audit.seal import audit_seal
from compliance.models import AuditEvent, Finding, FindingDecision
from compliance.services.comments import finding_comment_add
from compliance.services.decisions import finding_decide
from rules.services.lists import list_import
from rules.services.rulepacks import rules_load
from tests.config.test_env_check import _drop
from tests.services import IN_CI, require_postgresql

ROOT = Path(__file__).resolve().parents[2]
# What a restore must bring back equal: findings, their decisions and comments, their history,
# and the audit trail (ordered by primary key; every column compared).
TABLES = {
    "compliance_finding": "id",
    "compliance_findingdecision": "id",
    "compliance_findingcomment": "id",
    "compliance_historicalfinding": "history_id",
    "compliance_auditevent": "seq",
    "projects_tie": "id",
}


def _tools() -> None:
    missing = [t for t in ("pg_dump", "pg_restore") if shutil.which(t) is None]
    if missing:
        reason = f"{', '.join(missing)} not on the PATH (apt-get install postgresql-client)"
        if IN_CI:
            pytest.fail(f"CI=true but {reason}", pytrace=False)
        pytest.skip(reason)


def _libpq_env() -> dict[str, str]:
    """The test database's server and credentials as libpq variables, for the client tools."""
    s = connection.settings_dict
    env = dict(os.environ)
    env.update(
        PGHOST=str(s["HOST"] or "127.0.0.1"),
        PGPORT=str(s["PORT"] or "5432"),
        PGUSER=str(s["USER"] or "postgres"),
    )
    if s["PASSWORD"]:
        env["PGPASSWORD"] = str(s["PASSWORD"])
    return env


def _conninfo(dbname: str) -> str:
    s = connection.settings_dict
    return psycopg.conninfo.make_conninfo(
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or "5432",
        user=s["USER"] or "postgres",
        password=s["PASSWORD"] or None,
        dbname=dbname,
    )


def _url(dbname: str) -> str:
    s = connection.settings_dict
    auth = s["USER"] or "postgres"
    if s["PASSWORD"]:
        auth += f":{s['PASSWORD']}"
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{dbname}"


def _rows(dbname: str) -> dict[str, list[tuple[Any, ...]]]:
    with psycopg.connect(_conninfo(dbname)) as conn:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY {key}").fetchall()  # noqa: S608
            for table, key in TABLES.items()
        }


@pytest.fixture
def restore_db() -> Iterator[str]:
    require_postgresql()
    _tools()
    name = f"grantcheck_restore_test_{os.getpid()}_{secrets.token_hex(4)}"
    with psycopg.connect(_conninfo("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    try:
        yield name
    finally:
        with psycopg.connect(_conninfo("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _populate(reviewer: Any) -> None:
    list_import(fmt="grantcheck-yaml", path=ROOT / "seeds" / "lists")
    rules_load(directory=ROOT / "seeds" / "rules")
    call_command("load_demo", "--projects", "40", "--seed", "11", stdout=io.StringIO())
    call_command("evaluate", "--date", "2026-11-28", stdout=io.StringIO())
    open_findings = list(Finding.objects.filter(status="open").order_by("id")[:3])
    assert len(open_findings) == 3
    first, second, third = open_findings
    finding_decide(finding=first, decision="false_positive", reason="other HIT", user=reviewer)
    finding_decide(finding=second, decision="escalated", reason="RSO to look", user=reviewer)
    finding_comment_add(finding=third, user=reviewer, body="Asked the PI for the contract.")


@pytest.mark.django_db(transaction=True)  # committed: pg_dump reads from its own connection
def test_a_dump_restores_into_a_new_database_with_the_audit_chain_intact(
    restore_db: str, reviewer: Any, eager_celery: None, tmp_path: Path
) -> None:
    _populate(reviewer)
    seals = tmp_path / "audit-seals.jsonl"
    with override_settings(AUDIT_SEAL_TARGET=f"file:{seals}"):
        seal = audit_seal()
    assert seal is not None
    source = connection.settings_dict["NAME"]
    dump = tmp_path / "grantcheck.dump"
    env = _libpq_env()
    # The documented procedure (README, Production, "Backup and restore").
    subprocess.run(
        ["pg_dump", "--format=custom", f"--file={dump}", f"--dbname={source}"],
        env=env,
        check=True,
        timeout=300,
    )
    restored = subprocess.run(
        [
            "pg_restore",
            "--no-owner",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={restore_db}",
            str(dump),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert restored.returncode == 0, restored.stderr[-3000:]

    # audit_verify, as an operator runs it, against the restored database and the seal.
    verify_env = {k: v for k, v in os.environ.items() if not _drop(k)}
    verify_env.update(DATABASE_URL=_url(restore_db), DJANGO_SETTINGS_MODULE="config.settings")
    verified = subprocess.run(
        [sys.executable, "manage.py", "audit_verify", "--seal", str(seals)],
        cwd=ROOT,
        env=verify_env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "audit chain intact" in verified.stdout
    assert f"still holds event #{seal.seq}" in verified.stdout

    original, copy = _rows(source), _rows(restore_db)
    assert len(original["compliance_finding"]) == Finding.objects.count() > 0
    assert len(original["compliance_findingdecision"]) == FindingDecision.objects.count() == 2
    assert len(original["compliance_auditevent"]) == AuditEvent.objects.count() > 0
    assert AuditEvent.objects.order_by("-seq").values_list("seq", flat=True)[0] == seal.seq
    for table in TABLES:
        assert copy[table] == original[table], f"{table} differs after the restore"
