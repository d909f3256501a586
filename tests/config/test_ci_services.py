"""CI runs on real PostgreSQL and Redis; a real Celery worker and beat start against Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from tests.services import IN_CI, require_postgresql, require_redis

ROOT = Path(__file__).resolve().parents[2]


def test_ci_runs_on_postgresql_and_reaches_redis(db: None) -> None:
    if not IN_CI:
        pytest.skip("checks the CI environment itself; runs when CI=true")
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        assert "PostgreSQL" in cursor.fetchone()[0]
    require_redis()
    assert settings.CELERY_TASK_ALWAYS_EAGER is False
    cache.set("ci-probe", "reached", 30)
    assert cache.get("ci-probe") == "reached"


@pytest.mark.django_db
def test_database_constraints_hold_on_postgresql() -> None:
    require_postgresql()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conname IN "
            "('project_amount_not_negative', 'tie_end_not_before_start', "
            "'project_unique_award_per_sponsor')"
        )
        assert len(cursor.fetchall()) == 3


def _celery(*args: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONUNBUFFERED": "1",  # its log lines reach the pipe as they are written
    }
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_celery_worker_runs_a_task_through_redis() -> None:
    require_redis()
    from config.celery import app

    queue = f"ci-{os.getpid()}"
    worker = _celery("worker", "--pool=solo", "--concurrency=1", "-Q", queue, "--loglevel=INFO")
    try:
        result = app.send_task("grantcheck.ping", queue=queue)
        assert result.get(timeout=60) == "pong"
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def _read_until(proc: subprocess.Popen[str], marker: str, timeout: float) -> str:
    """The process's output until a line holds marker, waiting at most timeout seconds (a
    loaded machine can take a while to start beat; a fixed sleep made this flaky). A thread
    reads the pipe, so no line is held back in a buffer that a select() would not see."""
    assert proc.stdout is not None
    stream = proc.stdout
    seen: list[str] = []
    found = threading.Event()

    def pump() -> None:
        for line in stream:
            seen.append(line)
            if marker in line:
                found.set()

    threading.Thread(target=pump, daemon=True).start()
    found.wait(timeout)
    return "".join(seen)


def test_celery_beat_starts_against_redis(tmp_path: Path) -> None:
    require_redis()
    beat = _celery("beat", "--loglevel=INFO", f"--schedule={tmp_path / 'beat-schedule'}")
    try:
        output = _read_until(beat, "beat: Starting", timeout=90)
        assert beat.poll() is None, output
    finally:
        beat.terminate()
        beat.wait(timeout=30)
    assert "beat: Starting" in output
