"""Celery tasks of the re-check pipeline: thin, idempotent, late-acknowledged."""

from __future__ import annotations

import gc

from celery import Task, shared_task

from compliance.audit.seal import audit_seal
from compliance.services.recheck import (
    TRANSIENT_ERRORS,
    recheck_chunk_execute,
    recheck_request,
)
from compliance.services.recheck_runs import recheck_watchdog
from compliance.services.reports import report_export_run

# A chunk whose database connection was lost is tried again this many times, 2, 4, 8 ...
# seconds apart (at most 60): a PostgreSQL restart or failover costs seconds, not the chunk.
CHUNK_RETRIES = 8


@shared_task(name="compliance.recheck_chunk", acks_late=True, reject_on_worker_lost=True, bind=True)
def recheck_chunk_task(self: Task, chunk_id: int) -> str:
    """One chunk, without the cyclic garbage collector walking the run's tie cache again and
    again: it is paused during the chunk, then run once, and what survives (the caches) is
    frozen out of later collections until the next run empties the cache. A lost database
    connection retries the chunk (nothing of it was kept); after CHUNK_RETRIES the chunk is
    recorded failed like any other error."""
    gc.disable()
    try:
        retry = not self.request.is_eager and self.request.retries < CHUNK_RETRIES
        try:
            return recheck_chunk_execute(chunk_id=chunk_id, raise_transient=retry)
        except TRANSIENT_ERRORS as exc:
            # The broken connection is closed after this run and before the next one
            # (config/celery.py, close_old_connections around every task).
            raise self.retry(exc=exc, countdown=min(60, 2 ** (self.request.retries + 1))) from exc
    finally:
        gc.enable()
        gc.collect()
        gc.freeze()


@shared_task(name="compliance.recheck_nightly", acks_late=True)
def recheck_nightly_task() -> int:
    """Look-back windows move with time and delisting dates pass: re-check everything."""
    return recheck_request(trigger="nightly", scope_key="all").pk


@shared_task(name="compliance.recheck_watchdog")
def recheck_watchdog_task() -> int:
    return recheck_watchdog()


@shared_task(name="compliance.report_export", acks_late=True)
def report_export_task(export_id: int) -> str:
    return report_export_run(export_id=export_id)


@shared_task(name="compliance.audit_seal")
def audit_seal_task() -> int | None:
    """Seal the audit chain's head outside the database (compliance/audit/seal.py)."""
    seal = audit_seal()
    return seal.seq if seal else None
