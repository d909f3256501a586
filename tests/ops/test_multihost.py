"""Workers on several machines, and the faults they survive (README, Production).

Three hosts built as network namespaces (tests/ops/netns.py): "services" runs its own
PostgreSQL and Redis and Celery beat (the watchdog), "w1" and "w2" each run a Celery worker
reaching them over their own veth link. The portfolio is bench/recheck.py's synthetic one.

A full re-check executed in one process (eager, the single-host reference) is compared with:
the same re-check on the two worker hosts; with w1's link cut mid-run; with Redis restarted
mid-run (no persistence: the queued messages are gone); with PostgreSQL restarted mid-run.
Each time: the run is done without errors, the findings' digest equals the reference, and
the counts of findings, their history and audit events are the reference's (nothing lost,
nothing written twice); every chunk committed exactly once (attempts 1).

Skips with the reason where network namespaces are not allowed (not root, no iproute2, no
PostgreSQL server binaries); fails instead under CI=true.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ops.netns import Hosts, unavailable, wait_for

IN_CI = os.environ.get("CI", "").lower() == "true"
PROJECTS = 240
# Small chunks with a pause inside each chunk's transaction (RECHECK_CHUNK_PAUSE_SECONDS), so
# a fault lands while chunks are being written.
SETTINGS = {
    "RECHECK_CHUNK_SIZE": "12",
    "RECHECK_PARALLELISM": "2",
    "RECHECK_CHUNK_PAUSE_SECONDS": "0.4",
    # The watchdog every 2 s, a run stalled after 8 s: production's 60 s and 900 s, shortened.
    "RECHECK_WATCHDOG_SECONDS": "2",
    "RECHECK_STALE_SECONDS": "8",
    "DATABASE_TCP_KEEPALIVE_SECONDS": "3",
}
RUN_TIMEOUT = 90


@pytest.fixture(scope="module")
def hosts() -> Iterator[Hosts]:
    reason = unavailable()
    if reason:
        if IN_CI:
            pytest.fail(f"CI=true but {reason}", pytrace=False)
        pytest.skip(reason)
    # Not under pytest's own temporary directory: only root may enter that one, and the
    # test's PostgreSQL runs as the postgres user.
    tmp = Path(tempfile.mkdtemp(prefix="grantcheck-multihost-"))
    tmp.chmod(0o755)
    h = Hosts(tmp, **SETTINGS)
    try:
        h.start()
        json.loads(h.run("services", ["setup", str(PROJECTS)]))
        h.beat()
        yield h
    finally:
        h.stop()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def reference(hosts: Hosts) -> dict[str, Any]:
    """The single-host run: every chunk executed in the requesting process."""
    run = json.loads(hosts.run("services", ["request"], CELERY_TASK_ALWAYS_EAGER="true"))
    found = _verify(hosts, run["run"])
    assert found["status"] == "done" and found["findings"] > 0, found
    return found


def _verify(hosts: Hosts, run_id: int) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(hosts.run("services", ["verify", str(run_id)]))
    return found


def _chunks_done(hosts: Hosts, run_id: int) -> int:
    sql = (
        f"SELECT count(*) FROM compliance_recheckchunk WHERE run_id={int(run_id)} AND status='done'"  # noqa: S608 (an integer)
    )
    return int(hosts.psql(sql) or 0)


def _run_status(hosts: Hosts, run_id: int) -> str:
    try:
        return hosts.psql(f"SELECT status FROM compliance_recheckrun WHERE id={int(run_id)}")  # noqa: S608
    except RuntimeError:  # the server is restarting
        return ""


def _chunk_being_written(hosts: Hosts, holder: str) -> bool:
    """A session of `holder` (a worker host, or "" for any) holds a chunk's transaction open
    (the chunk locked, findings on their way): a fault now lands in the middle of a chunk."""
    sql = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = 'grantcheck' "
        "AND state = 'idle in transaction' AND query LIKE '%compliance_recheckchunk%'"
    )
    if holder:
        sql += f" AND client_addr = '{hosts.worker_address(holder)}'"
    return int(hosts.psql(sql) or 0) > 0


def _workers(hosts: Hosts) -> None:
    """Both workers (re)started, each with a fresh connection to the services host."""
    for host in hosts.workers:
        hosts.kill(host)
        hosts.worker(host)


def _full_run(hosts: Hosts, fault: Any = None, holder: str = "") -> tuple[dict[str, Any], float]:
    _workers(hosts)
    started = time.monotonic()
    run_id = json.loads(hosts.run("services", ["request"]))["run"]
    if fault is not None:
        assert wait_for(lambda: _chunks_done(hosts, run_id) >= 3, 60), "no chunk finished"
        assert wait_for(lambda: _chunk_being_written(hosts, holder), 30, 0.05), "no chunk"
        fault(run_id)
    finished = wait_for(lambda: _run_status(hosts, run_id) in ("done", "failed"), RUN_TIMEOUT, 0.5)
    seconds = time.monotonic() - started
    assert finished, (
        f"run {run_id} did not finish in {RUN_TIMEOUT} s: {_verify(hosts, run_id)}\n"
        + "\n".join(f"--- {n}\n{hosts.log_tail(n)}" for n in (*hosts.workers, "beat"))
    )
    return _verify(hosts, run_id), seconds


def _same(found: dict[str, Any], reference: dict[str, Any]) -> None:
    assert found["status"] == "done" and found["errors"] == 0, found
    assert found["digest"] == reference["digest"]
    for key in ("findings", "findings_of_run", "history", "audit_events", "findings_new"):
        assert found[key] == reference[key], (key, found[key], reference[key])
    assert found["projects_checked"] == found["projects_planned"] == PROJECTS
    assert found["projects_unique"] and found["chunk_status"] == ["done"]
    assert found["chunk_attempts"] == [1], "a chunk was committed twice"


def test_a_full_recheck_on_two_worker_hosts_equals_the_single_host_run(
    hosts: Hosts, reference: dict[str, Any]
) -> None:
    found, seconds = _full_run(hosts)
    _same(found, reference)
    assert found["error_log"] == [], "the undisturbed run needed the watchdog"
    print(f"undisturbed: {seconds:.1f} s")


def test_a_worker_host_cut_off_mid_run_loses_nothing(
    hosts: Hosts, reference: dict[str, Any]
) -> None:
    """w1's link goes down while it holds a chunk: its transaction dies with the session
    (TCP keepalive at the server), the watchdog sends the chunk again, w2 does it."""

    def cut(run_id: int) -> None:
        hosts.cut("w1")

    try:
        found, seconds = _full_run(hosts, cut, holder="w1")
    finally:
        hosts.mend("w1")
    _same(found, reference)
    assert any(e.get("resumed") for e in found["error_log"]), "w1's chunk was not resent"
    print(f"w1 cut off: {seconds:.1f} s, {found['error_log']}")


def test_redis_restarted_mid_run_loses_nothing(hosts: Hosts, reference: dict[str, Any]) -> None:
    """Redis comes back empty after 2 s: the workers reconnect, the watchdog sends the queued
    chunks again."""
    found, seconds = _full_run(hosts, lambda run_id: hosts.redis_restart(2))
    _same(found, reference)
    assert any(e.get("resumed") for e in found["error_log"]), "no queued chunk was lost?"
    print(f"Redis restarted: {seconds:.1f} s, {found['error_log']}")


def test_postgresql_restarted_mid_run_loses_nothing(
    hosts: Hosts, reference: dict[str, Any]
) -> None:
    """Every session ends, open chunk transactions roll back; the tasks retry their chunk."""
    logs = {host: hosts.log_size(host) for host in hosts.workers}
    found, seconds = _full_run(hosts, lambda run_id: hosts.postgres_restart())
    _same(found, reference)
    retried = "".join(hosts.log_tail(host, start=logs[host]) for host in hosts.workers)
    assert "recheck_chunk" in retried and "retry: Retry in" in retried, retried[-3000:]
    print(f"PostgreSQL restarted: {seconds:.1f} s, {found['error_log']}")
