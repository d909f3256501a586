"""Settings come from the environment; production refuses to start half-configured."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.settings_probe import settings_probe

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'], "
    "'eager': settings.CELERY_TASK_ALWAYS_EAGER, 'broker': settings.CELERY_BROKER_URL, "
    "'cache': settings.CACHES['default']['BACKEND'], "
    "'cache_at': settings.CACHES['default'].get('LOCATION', ''), 'debug': settings.DEBUG, "
    "'hsts': settings.SECURE_HSTS_SECONDS, 'secure_cookie': settings.SESSION_COOKIE_SECURE, "
    "'portal': settings.PORTAL_BASE_URL}))"
)
CLEARED = (
    "DATABASE_URL",
    "REDIS_URL",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CELERY_TASK_ALWAYS_EAGER",
    "SECURE_SSL_REDIRECT",
    "PORTAL_BASE_URL",
)


def _settings_with(**env: str) -> subprocess.CompletedProcess[str]:
    return settings_probe(PROBE, env, drop=lambda k: k in CLEARED)


def _ok(**env: str) -> dict[str, Any]:
    result = _settings_with(**env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_embedded_default_is_sqlite_eager_celery_and_local_cache() -> None:
    values = _ok()
    assert values["portal"] == "http://127.0.0.1:8000"  # the development server's address
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["eager"] is True
    assert values["broker"] == "memory://"
    assert values["cache"].endswith("LocMemCache")


def test_database_and_redis_urls_switch_to_real_services() -> None:
    values = _ok(DATABASE_URL="postgres://u@127.0.0.1:5432/x", REDIS_URL="redis://127.0.0.1:6379/3")
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["eager"] is False
    assert values["broker"] == "redis://127.0.0.1:6379/3"
    assert values["cache"].endswith("RedisCache")
    # the cache is a separate Redis database: clearing it cannot drop queued Celery tasks
    assert values["cache_at"] == "redis://127.0.0.1:6379/4"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "false", "ALLOWED_HOSTS": "grants.example.edu"}, "SECRET_KEY must be set"),
        ({"DEBUG": "false", "SECRET_KEY": "x" * 50}, "ALLOWED_HOSTS must be set"),
        (
            {"DEBUG": "false", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "grants.example.edu"},
            "PORTAL_BASE_URL must be set when DEBUG is off",
        ),
        ({"PORTAL_BASE_URL": "grants.example.edu"}, "is not an absolute http(s) address"),
        ({"PORTAL_BASE_URL": "ftp://grants.example.edu"}, "is not an absolute http(s) address"),
        ({"PORTAL_BASE_URL": "https://grants.example.edu/?x=1"}, "is not an absolute http"),
        ({"DEBUG": "ture"}, "is not a boolean"),
        ({"DEBUG": "maybe"}, "is not a boolean"),
    ],
)
def test_it_refuses_to_start_misconfigured(env: dict[str, str], message: str) -> None:
    result = _settings_with(**env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_turns_on_secure_cookies_and_hsts() -> None:
    values = _ok(
        DEBUG="off",
        SECRET_KEY="s" * 50,
        ALLOWED_HOSTS="grants.example.edu",
        PORTAL_BASE_URL="https://grants.example.edu/research/",
    )
    assert values["debug"] is False
    assert values["portal"] == "https://grants.example.edu/research"  # links add their path
    assert values["secure_cookie"] is True
    assert values["hsts"] == 31_536_000
