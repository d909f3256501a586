"""Real-service requirements: skip with a reason on a laptop, fail in CI (CI=true)."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.db import connection

IN_CI = os.environ.get("CI", "").lower() == "true"


def _missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(f"{reason} (set DATABASE_URL/REDIS_URL to run it; CI does)")


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        _missing(f"this test needs PostgreSQL and the database is {connection.vendor}")


def require_redis() -> str:
    url: str = settings.REDIS_URL
    if not url:
        _missing("this test needs Redis and REDIS_URL is not set")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        _missing(f"Redis at {url} is not reachable: {exc}")
    return url
