"""Start-up refuses settings it would silently ignore, weak secret keys in production, and
trusts X-Forwarded-Proto only behind a configured proxy."""

from __future__ import annotations

import subprocess

import pytest

from config.env import KNOWN_VARIABLES, MSG_DID_YOU_MEAN, environment_problems
from config.settings import MSG_SECRET_KEY_WEAK
from tests.settings_probe import settings_probe

STRONG_KEY = "k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ"  # 50 characters
PRODUCTION = {
    "DEBUG": "off",
    "SECRET_KEY": STRONG_KEY,
    "ALLOWED_HOSTS": "grants.example.edu",
    "PORTAL_BASE_URL": "https://grants.example.edu",
}
OURS = ("DATABASE_URL", "REDIS_URL", "SECURE_SSL_REDIRECT", "CELERY_TASK_ALWAYS_EAGER")


def _drop(name: str) -> bool:
    return name in KNOWN_VARIABLES or name in OURS or name.startswith(("DJANGO_", "GRANTCHECK_"))


def _start(
    probe: str = "import django; django.setup(); print('started')", **env: str
) -> subprocess.CompletedProcess[str]:
    return settings_probe(probe, env, drop=_drop)


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("DJANGO_DEBUG", "DEBUG"),
        ("DJANGO_SECRET_KEY", "SECRET_KEY"),
        ("SECRETKEY", "SECRET_KEY"),
        ("ALLOWED_HOST", "ALLOWED_HOSTS"),
        ("DATABSE_URL", "DATABASE_URL"),
        ("PORTAL_URL", "PORTAL_BASE_URL"),
        ("GRANTCHECK_TRUSTED_PROXIES", "GRANTCHECK_TRUSTED_PROXY"),
        ("GRANTCHECK_AUDIT_SEAL", "GRANTCHECK_AUDIT_SEAL_TARGET"),
    ],
)
def test_a_near_miss_names_the_right_variable(name: str, suggestion: str) -> None:
    [problem] = environment_problems({name: "1"})
    assert problem.startswith(f"{name} is not a grantcheck setting")
    assert MSG_DID_YOU_MEAN.format(known=suggestion) in problem


def test_an_unknown_variable_in_our_namespaces_is_refused_even_without_a_suggestion() -> None:
    [problem] = environment_problems({"GRANTCHECK_ZEBRA": "1"})
    assert problem.startswith("GRANTCHECK_ZEBRA is not a grantcheck setting")
    assert "did you mean" not in problem


def test_other_programs_variables_django_own_and_allowed_names_pass() -> None:
    environ = {
        name: "x"
        for name in (
            "PATH",
            "HOME",
            "PGHOST",
            "CI",
            "REDIS_HOST",
            "CELERY_BROKER_URL",
            "FORWARDED_ALLOW_IPS",
            "WEB_CONCURRENCY",
            "DJANGO_SETTINGS_MODULE",
            "DJANGO_SUPERUSER_PASSWORD",
            *KNOWN_VARIABLES,
        )
    }
    assert environment_problems(environ) == []
    # a variable of another program that only looks like ours, named on purpose
    assert environment_problems({"DATABSE_URL": "x", "GRANTCHECK_ENV_ALLOW": "DATABSE_URL"}) == []


def test_django_debug_zero_stops_start_up_instead_of_leaving_debug_on() -> None:
    result = _start(**PRODUCTION, DJANGO_DEBUG="0")
    assert result.returncode != 0 and "started" not in result.stdout
    assert "DJANGO_DEBUG is not a grantcheck setting; did you mean DEBUG?" in result.stderr


def test_the_documented_production_environment_starts() -> None:
    result = _start(**PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started"


@pytest.mark.parametrize(
    "key", ["changeme", "x" * 49, "django-insecure-" + "q8#v!2m@w$z&r5t^y7u*i9o(p0a)s-d_f+g=h"]
)
def test_a_weak_secret_key_stops_start_up_with_debug_off(key: str) -> None:
    result = _start(**{**PRODUCTION, "SECRET_KEY": key})
    assert result.returncode != 0 and "started" not in result.stdout
    assert MSG_SECRET_KEY_WEAK in result.stderr


def test_a_weak_secret_key_is_fine_for_development() -> None:
    result = _start(SECRET_KEY="changeme")
    assert result.returncode == 0, result.stderr


PROXY_PROBE = (
    "import django; from django.conf import settings; django.setup(); "
    "print(settings.SECURE_PROXY_SSL_HEADER)"
)


def test_forwarded_proto_is_trusted_only_behind_a_configured_proxy() -> None:
    without = _start(PROXY_PROBE, **PRODUCTION)
    assert without.returncode == 0, without.stderr
    assert without.stdout.strip() == "None"
    behind = _start(PROXY_PROBE, **PRODUCTION, GRANTCHECK_TRUSTED_PROXY="1")
    assert behind.returncode == 0, behind.stderr
    assert behind.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')"


@pytest.mark.parametrize("target", ["file:relative/seals.jsonl", "mail:nobody", "syslog"])
def test_an_audit_seal_target_that_cannot_work_stops_start_up(target: str) -> None:
    result = _start(GRANTCHECK_AUDIT_SEAL_TARGET=target)
    assert result.returncode != 0
    assert "GRANTCHECK_AUDIT_SEAL_TARGET" in result.stderr and "must be log" in result.stderr
