"""Liveness of the parts /healthz reports: database, cache, Redis (the broker), workers.

Workers report in through the cache (worker_heartbeat, called from config/celery.py on
Celery's heartbeat_sent signal, every 2 s per worker, written at most every few seconds), so
the health check reads one key instead of broadcasting a ping and waiting for answers.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection

WORKER_HEARTBEAT_KEY = "grantcheck:health:worker-heartbeat"
HEARTBEAT_WRITE_EVERY = 10.0  # seconds between one worker's writes
REDIS_TIMEOUT = 1.0  # seconds: a health check must answer quickly, even with Redis gone
OK = "ok"

_last_written = 0.0


def worker_heartbeat(hostname: str, *, now: float | None = None) -> bool:
    """Record that this worker is alive; True when written (throttled per process)."""
    global _last_written
    now = time.time() if now is None else now
    if now - _last_written < HEARTBEAT_WRITE_EVERY:
        return False
    # Kept a little longer than it counts as fresh, so /healthz can say how long ago.
    cache.set(
        WORKER_HEARTBEAT_KEY,
        {"at": now, "hostname": hostname},
        timeout=settings.WORKER_HEARTBEAT_SECONDS * 10,
    )
    _last_written = now
    return True


def _error(exc: Exception) -> str:
    return f"error: {type(exc).__name__}"


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        return _error(exc)
    return OK


def check_cache() -> str:
    try:
        cache.set("grantcheck:health", "1", 5)
        return OK if cache.get("grantcheck:health") == "1" else "error: no read-back"
    except Exception as exc:
        return _error(exc)


def check_redis() -> str:
    """The broker's Redis answers a PING (not configured: eager Celery, nothing to check)."""
    if not settings.REDIS_URL:
        return "not configured"
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
        )
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:
        return _error(exc)
    return OK


def check_workers(*, now: float | None = None) -> dict[str, Any]:
    """{"status": ok | absent | eager, "last_seen_seconds": ...}; the report is public, so
    it names no host."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"status": "eager"}  # tasks run in the web process: no worker to wait for
    try:
        beat = cache.get(WORKER_HEARTBEAT_KEY)
    except Exception as exc:
        return {"status": _error(exc)}
    if not beat:
        return {"status": "absent"}
    age = round((time.time() if now is None else now) - float(beat["at"]), 1)
    fresh = age <= settings.WORKER_HEARTBEAT_SECONDS
    return {"status": OK if fresh else "absent", "last_seen_seconds": age}


def health_report() -> tuple[dict[str, Any], int]:
    """The report and its HTTP status: 503 only when the database is down.

    A load balancer takes a 503 web node out of service; Redis or the workers being away
    does not make this node worse than any other (pages still work, re-checks wait in the
    queue or run later), so they mark the report "degraded" with a 200.
    """
    report: dict[str, Any] = {
        "database": check_database(),
        "cache": check_cache(),
        "redis": check_redis(),
        "workers": check_workers(),
    }
    if report["database"] != OK:
        return {"status": "down", **report}, 503
    fine = (
        report["cache"] == OK
        and report["redis"] in (OK, "not configured")
        and report["workers"]["status"] in (OK, "eager")
    )
    return {"status": "ok" if fine else "degraded", **report}, 200
