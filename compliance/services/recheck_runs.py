"""A re-check run's bookkeeping: chunk failures, counts, closing the run, the watchdog; and
the worker's tie cache (per thread), emptied when the run it was filled for closes."""

from __future__ import annotations

import threading
import traceback
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Func, IntegerField
from django.utils import timezone

from compliance.models import RecheckChunk, RecheckRun
from compliance.signals import recheck_run_finished
from rules.facts_ties import TieCache

COUNT_FIELDS = ("new", "unchanged", "changed", "resolved", "errors")
# Built ties of the people this worker has seen in the current run (rules.facts_ties); one per
# thread: the embedded default runs chunks in request threads.
_local = threading.local()


def tie_cache() -> TieCache:
    """This thread's tie cache."""
    found: TieCache | None = getattr(_local, "tie_cache", None)
    if found is None:
        found = _local.tie_cache = TieCache()
    return found


def recheck_chunk_failed(chunk_id: int, exc: Exception) -> int:
    """Record a chunk's error (its traceback, on the chunk and in the run's error log); the
    run ends failed once no chunk is left. Returns the run's id."""
    text = "".join(traceback.format_exception(exc))
    with transaction.atomic():
        chunk = RecheckChunk.objects.select_for_update().get(pk=chunk_id)
        chunk.status = RecheckChunk.Status.FAILED
        chunk.error = text
        chunk.finished_at = timezone.now()
        chunk.save(update_fields=["status", "error", "finished_at"])
        run = RecheckRun.objects.select_for_update(no_key=True).get(pk=chunk.run_id)
        run.error_log = [*run.error_log, {"chunk": chunk.index, "traceback": text[-4000:]}]
        run.save(update_fields=["error_log"])
        return run.pk


def recheck_run_finish(*, run_id: int) -> bool:
    """Close the run when no chunk is left queued; sums the chunk counts. Safe to call often."""
    with transaction.atomic():
        # FOR NO KEY UPDATE: a chunk still writing findings holds a key-share lock on the run
        # row (the findings' reference check) until its commit; FOR UPDATE waited for it.
        run = RecheckRun.objects.select_for_update(no_key=True).get(pk=run_id)
        if run.status not in (RecheckRun.Status.RUNNING, RecheckRun.Status.SUPERSEDED):
            return False
        pending = run.chunks.filter(status=RecheckChunk.Status.QUEUED).exists()
        if pending and run.status == RecheckRun.Status.RUNNING:
            _update_counts(run)
            run.save()
            return False
        _update_counts(run)
        if run.status == RecheckRun.Status.RUNNING:
            failed = run.chunks.filter(status=RecheckChunk.Status.FAILED).exists()
            run.status = RecheckRun.Status.FAILED if failed else RecheckRun.Status.DONE
            cache = tie_cache()
            if cache.key and cache.key[0] == run.pk:
                cache.clear()  # memory back (the embedded default runs chunks in-process)
            run.finished_at = timezone.now()
            status = run.status
            transaction.on_commit(
                lambda: recheck_run_finished.send(
                    sender=RecheckRun, run_id=run_id, status=str(status)
                )
            )
        run.save()
        return True


class _JSONLength(Func):
    """Elements of a JSON array, counted in the database (a chunk's project ids)."""

    function = "json_array_length"
    output_field = IntegerField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="jsonb_array_length", **extra)


def _update_counts(run: RecheckRun) -> None:
    # Called after every chunk: the project ids stay in the database (late in a big run,
    # reading them all back cost more than the chunk's own bookkeeping).
    done = list(
        run.chunks.filter(status=RecheckChunk.Status.DONE)
        .annotate(projects=_JSONLength("project_ids"))
        .values_list("counts", "projects")
    )
    totals = {k: sum(c.get(k, 0) for c, _ in done) for k in COUNT_FIELDS}
    run.projects_checked = sum(n for _, n in done)
    run.findings_new = totals["new"]
    run.findings_unchanged = totals["unchanged"]
    run.findings_changed = totals["changed"]
    run.findings_resolved = totals["resolved"]
    run.errors = totals["errors"] + run.chunks.filter(status=RecheckChunk.Status.FAILED).count()
    run.chunks_done = run.chunks.exclude(status=RecheckChunk.Status.QUEUED).count()


def recheck_watchdog(*, now: Any = None) -> int:
    """Resume runs that made no progress for RECHECK_STALE_SECONDS; fail them after
    RECHECK_WATCHDOG_RESUMES resumes in a row without progress, so nothing hangs forever.

    A run stalls when the messages of its queued chunks are gone or held by a worker that
    cannot report back: Redis restarted without persistence, a worker host cut off (its
    unacknowledged message comes back only after the broker's visibility timeout), a task
    that gave up on a database that was restarting. Resuming sends those chunks' messages
    again: a chunk is one transaction checked under a row lock, so a message that was not lost
    after all finds it done and changes nothing. A run with no chunk left queued is closed.
    Returns the number of runs resumed, closed or failed."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.RECHECK_STALE_SECONDS)
    count = 0
    for run in RecheckRun.objects.filter(status=RecheckRun.Status.RUNNING, started_at__lt=stale):
        latest = run.chunks.exclude(finished_at=None).order_by("-finished_at").first()
        progress = (latest.finished_at if latest else None) or run.started_at or now
        resumes = [
            at
            for at in (_parse_time(e["at"]) for e in run.error_log if e.get("resumed"))
            if at > progress
        ]
        progress = max([progress, *resumes])
        if progress >= stale:
            continue
        count += 1
        queued = list(
            run.chunks.filter(status=RecheckChunk.Status.QUEUED).values_list("pk", flat=True)
        )
        if not queued:
            recheck_run_finish(run_id=run.pk)  # its last chunk could not close it
        elif len(resumes) < settings.RECHECK_WATCHDOG_RESUMES:
            _resume(run, queued, now)
        else:
            RecheckRun.objects.filter(pk=run.pk, status=RecheckRun.Status.RUNNING).update(
                status=RecheckRun.Status.FAILED,
                finished_at=now,
                error_log=[*run.error_log, {"watchdog": "no progress; marked failed"}],
            )
    return count


def _resume(run: RecheckRun, queued: list[int], now: Any) -> None:
    from compliance.services.recheck import _enqueue_chunks

    entry = {"watchdog": f"no progress; {len(queued)} chunk(s) sent again", "resumed": len(queued)}
    with transaction.atomic():
        locked = RecheckRun.objects.select_for_update(no_key=True).get(pk=run.pk)
        locked.error_log = [*locked.error_log, {**entry, "at": now.isoformat()}]
        locked.save(update_fields=["error_log"])
        transaction.on_commit(lambda: _enqueue_chunks(queued))


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value)
