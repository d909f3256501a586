"""What a re-check does when its messages or its database connection are lost: the watchdog
resumes a stalled run (then fails it), a lost connection is retried, never recorded as the
chunk's failure. The same faults on real hosts: tests/ops/test_multihost.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

import pytest
from celery.exceptions import Retry
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from compliance.models import Finding, RecheckChunk
from compliance.services.recheck import recheck_chunk_execute
from compliance.services.recheck_runs import recheck_watchdog
from compliance.tasks import recheck_chunk_task
from tests.compliance.conftest import TODAY, Driver

STALE = timedelta(seconds=settings.RECHECK_STALE_SECONDS + 1)


@pytest.mark.django_db
def test_the_watchdog_resends_a_stalled_runs_queued_chunks_then_fails_it(
    portfolio: dict[str, Any], driver: Driver
) -> None:
    run = driver.request(trigger="test", scope_key="all", today=TODAY, chunk_size=1)
    first = list(driver.sent)
    assert len(first) == 2
    recheck_chunk_execute(chunk_id=first[0])  # one chunk done, the other's message is lost
    assert recheck_watchdog(now=timezone.now()) == 0  # not stale yet

    when = timezone.now() + STALE
    with driver.capture(execute=True):
        assert recheck_watchdog(now=when) == 1
    assert driver.sent == [*first, first[1]]  # only the queued chunk, sent again
    run.refresh_from_db()
    assert run.status == "running" and run.error_log[-1]["resumed"] == 1
    with driver.capture(execute=True):
        assert recheck_watchdog(now=when + timedelta(seconds=1)) == 0  # waits again
    for _ in range(settings.RECHECK_WATCHDOG_RESUMES - 1):
        when += STALE
        with driver.capture(execute=True):
            assert recheck_watchdog(now=when) == 1
    run.refresh_from_db()
    assert run.status == "running"
    assert len(driver.sent) == 2 + settings.RECHECK_WATCHDOG_RESUMES
    when += STALE
    assert recheck_watchdog(now=when) == 1  # no progress after every resume: failed
    run.refresh_from_db()
    assert run.status == "failed" and run.finished_at is not None
    assert run.error_log[-1] == {"watchdog": "no progress; marked failed"}


@pytest.mark.django_db
def test_a_resent_chunk_completes_the_run_and_progress_resets_the_count(
    portfolio: dict[str, Any], driver: Driver
) -> None:
    run = driver.request(trigger="test", scope_key="all", today=TODAY, chunk_size=1)
    first = list(driver.sent)
    recheck_chunk_execute(chunk_id=first[0])
    with driver.capture(execute=True):
        recheck_watchdog(now=timezone.now() + STALE)
    assert recheck_chunk_execute(chunk_id=driver.sent[-1]) == "done"
    assert recheck_chunk_execute(chunk_id=first[1]) == "done"  # the lost message came back
    run.refresh_from_db()
    assert run.status == "done" and run.errors == 0 and run.projects_checked == 2
    assert set(run.chunks.values_list("attempts", flat=True)) == {1}


@pytest.mark.django_db
def test_the_watchdog_closes_a_run_whose_last_chunk_could_not(
    portfolio: dict[str, Any], driver: Driver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every chunk committed, but the database went away before the last one closed the run."""
    run = driver.request(trigger="test", scope_key="all", today=TODAY, chunk_size=1)
    monkeypatch.setattr("compliance.services.recheck.recheck_run_finish", lambda run_id: False)
    for chunk_id in driver.sent:
        recheck_chunk_execute(chunk_id=chunk_id)
    run.refresh_from_db()
    assert run.status == "running"
    assert recheck_watchdog(now=timezone.now() + STALE) == 1
    run.refresh_from_db()
    assert run.status == "done" and run.projects_checked == 2 and run.findings_new > 0


def _connection_lost(*args: Any, **kwargs: Any) -> Any:
    raise OperationalError("server closed the connection unexpectedly")


@pytest.mark.django_db
def test_a_lost_connection_is_raised_for_a_retry_and_keeps_the_chunk_queued(
    portfolio: dict[str, Any], driver: Driver, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = driver.request(trigger="test", scope_key="all", today=TODAY, chunk_size=1)
    monkeypatch.setattr("compliance.services.recheck.project_facts_build", _connection_lost)
    with pytest.raises(OperationalError):
        recheck_chunk_execute(chunk_id=driver.sent[0], raise_transient=True)
    chunk = RecheckChunk.objects.get(pk=driver.sent[0])
    assert (chunk.status, chunk.attempts, chunk.error) == ("queued", 0, "")
    assert not Finding.objects.exists()
    run.refresh_from_db()
    assert run.status == "running" and run.error_log == []
    # Without raise_transient (retries used up), the chunk fails as any error does.
    assert recheck_chunk_execute(chunk_id=driver.sent[0]) == "failed"
    assert "server closed the connection" in RecheckChunk.objects.get(pk=driver.sent[0]).error


@pytest.mark.django_db
def test_the_chunk_task_retries_on_a_lost_connection_until_its_retries_are_used(
    portfolio: dict[str, Any], driver: Driver, monkeypatch: pytest.MonkeyPatch
) -> None:
    driver.request(trigger="test", scope_key="all", today=TODAY, chunk_size=1)
    monkeypatch.setattr("compliance.services.recheck.project_facts_build", _connection_lost)
    asked: list[dict[str, Any]] = []

    def retry(**kwargs: Any) -> Retry:
        asked.append(kwargs)
        return Retry("retry", when=kwargs.get("countdown"))

    monkeypatch.setattr(recheck_chunk_task, "retry", retry)
    cast(Any, recheck_chunk_task).push_request(retries=2, is_eager=False)
    try:
        with pytest.raises(Retry):
            recheck_chunk_task.run(driver.sent[0])
    finally:
        recheck_chunk_task.pop_request()
    assert asked[0]["countdown"] == 8 and isinstance(asked[0]["exc"], OperationalError)
    assert RecheckChunk.objects.get(pk=driver.sent[0]).status == "queued"

    from compliance.tasks import CHUNK_RETRIES

    cast(Any, recheck_chunk_task).push_request(retries=CHUNK_RETRIES, is_eager=False)
    try:
        assert recheck_chunk_task.run(driver.sent[0]) == "failed"
    finally:
        recheck_chunk_task.pop_request()
    assert len(asked) == 1
