"""Strict readers for configuration taken from the environment.

A typo in a boolean ("ture", "yes please") must stop the service rather than
silently fall back to a default, so only a fixed vocabulary is accepted.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})
# Every name a reader below was asked for: known to environment_check even if not listed in
# KNOWN_VARIABLES yet.
READ_VARIABLES: set[str] = set()


def env_str(name: str, default: str = "") -> str:
    READ_VARIABLES.add(name)
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    READ_VARIABLES.add(name)
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean; use one of {sorted(TRUE_WORDS)} or {sorted(FALSE_WORDS)}"
    )


def env_int(name: str, default: int) -> int:
    READ_VARIABLES.add(name)
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from exc


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    READ_VARIABLES.add(name)
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return list(default or [])
    return [part.strip() for part in raw.split(",") if part.strip()]


def env_float(name: str, default: float | None) -> float | None:
    READ_VARIABLES.add(name)
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number") from exc


# --- The registry of environment variables --------------------------------------------------
# Every variable grantcheck reads, by its documented name (README, "Production"). A setting
# that reads a new variable adds its name here; the env_* readers above also record every
# name they are asked for, so a variable read by settings is never refused. Anything else
# spelled like one of ours stops start-up (environment_check, called last in settings.py).
KNOWN_VARIABLES: frozenset[str] = frozenset(
    {
        # core
        "DEBUG",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        "LOG_LEVEL",
        # database, Redis, Celery
        "DATABASE_URL",
        "DATABASE_TCP_KEEPALIVE_SECONDS",
        "SQLITE_PATH",
        "REDIS_URL",
        "REDIS_CACHE_URL",
        "CELERY_TASK_ALWAYS_EAGER",
        "CELERY_TASK_SOFT_TIME_LIMIT",
        "CELERY_TASK_TIME_LIMIT",
        "CELERY_VISIBILITY_TIMEOUT",
        "CELERY_DB_REUSE_MAX",
        # re-checks
        "RECHECK_CHUNK_SIZE",
        "RECHECK_PARALLELISM",
        "RECHECK_STALE_SECONDS",
        "RECHECK_WATCHDOG_RESUMES",
        "RECHECK_WATCHDOG_SECONDS",
        "RECHECK_TIE_CACHE_SIZE",
        "RECHECK_CHUNK_PAUSE_SECONDS",
        # sign-in, HTTPS
        "LOGIN_FAILURE_LIMIT",
        "LOGIN_FAILURE_WINDOW",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_PRELOAD",
        "GRANTCHECK_TRUSTED_PROXY",
        # uploads, screening, exports
        "DATA_UPLOAD_MAX_MEMORY_SIZE",
        "SCREENING_ACCEPT_THRESHOLD",
        "SCREENING_REVIEW_THRESHOLD",
        "EXPORT_ROOT",
        "STATIC_ROOT",
        # e-mail and notifications
        "EMAIL_BACKEND",
        "EMAIL_HOST",
        "EMAIL_PORT",
        "EMAIL_HOST_USER",
        "EMAIL_HOST_PASSWORD",
        "EMAIL_USE_TLS",
        "EMAIL_TIMEOUT",
        "DEFAULT_FROM_EMAIL",
        "PORTAL_BASE_URL",
        "NOTIFY_FINDING_SCENARIOS",
        # single sign-on (docs/sso.md)
        "OIDC_RP_CLIENT_ID",
        "OIDC_RP_CLIENT_SECRET",
        "OIDC_OP_AUTHORIZATION_ENDPOINT",
        "OIDC_OP_TOKEN_ENDPOINT",
        "OIDC_OP_USER_ENDPOINT",
        "OIDC_OP_JWKS_ENDPOINT",
        "OIDC_RP_SIGN_ALGO",
        "OIDC_RP_SCOPES",
        "OIDC_GROUPS_CLAIM",
        "OIDC_GROUP_MAP",
        "OIDC_CREATE_USER",
        "OIDC_USE_PKCE",
        # audit seal, health
        "GRANTCHECK_AUDIT_SEAL_TARGET",
        "GRANTCHECK_AUDIT_SEAL_MINUTES",
        "GRANTCHECK_WORKER_HEARTBEAT_SECONDS",
        "GRANTCHECK_HOME_INSTITUTIONS",
        # web server (config/gunicorn.py)
        "GRANTCHECK_BIND",
        "WEB_CONCURRENCY",
        "GRANTCHECK_WEB_TIMEOUT",
        "FORWARDED_ALLOW_IPS",
        # tools and tests, not the service
        "GRANTCHECK_CHROMIUM",
        "GRANTCHECK_SHARED_DATA",
        "GRANTCHECK_ENV_ALLOW",
    }
)
# Django's own variables in our namespaces (DJANGO_SUPERUSER_<FIELD> for createsuperuser).
DJANGO_VARIABLES = frozenset(
    {
        "DJANGO_SETTINGS_MODULE",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
        "DJANGO_COLORS",
        "DJANGO_WATCHMAN_TIMEOUT",
        "DJANGO_TEST_PROCESSES",
        "DJANGO_AUTO_COMPLETE",
        "DJANGO_RUNSERVER_HIDE_WARNING",
    }
)
DJANGO_PREFIXES = ("DJANGO_SUPERUSER_",)
# Ours entirely: any variable named like this must be a known one.
OUR_PREFIXES = ("DJANGO_", "GRANTCHECK_")
# How alike (difflib ratio) a name must be to a known one to count as its misspelling.
NEAR_MISS_CUTOFF = 0.8
MSG_UNKNOWN = "{name} is not a grantcheck setting"
MSG_DID_YOU_MEAN = "; did you mean {known}?"
MSG_HOW = (
    " (the settings are listed in README.md, Production; a variable of another program that "
    "only looks like ours can be named in GRANTCHECK_ENV_ALLOW)"
)


def _suggestion(name: str, known: set[str]) -> str | None:
    for prefix in OUR_PREFIXES:  # DJANGO_DEBUG -> DEBUG
        if name.startswith(prefix) and name[len(prefix) :] in known:
            return name[len(prefix) :]
    stripped = name
    for prefix in OUR_PREFIXES:
        if stripped.startswith(prefix):
            stripped = stripped[len(prefix) :]
    candidates = sorted(known)
    for candidate_name in (name, stripped):
        close = difflib.get_close_matches(candidate_name, candidates, n=1, cutoff=NEAR_MISS_CUTOFF)
        if close:
            return close[0]
    return None


def environment_problems(environ: Mapping[str, str] | None = None) -> list[str]:
    """One message per variable in the environment that looks like a grantcheck setting and
    is not one: in our namespaces (DJANGO_*, GRANTCHECK_*) and unknown, or a near miss of a
    known name anywhere (SECRETKEY, ALLOWED_HOST, DATABSE_URL)."""
    env = os.environ if environ is None else environ
    known = set(KNOWN_VARIABLES) | READ_VARIABLES
    allowed = {n.strip() for n in env.get("GRANTCHECK_ENV_ALLOW", "").split(",") if n.strip()}
    problems: list[str] = []
    for name in sorted(env):
        if name in known or name in DJANGO_VARIABLES or name in allowed:
            continue
        if name.startswith(DJANGO_PREFIXES):
            continue
        ours = name.startswith(OUR_PREFIXES)
        suggestion = _suggestion(name, known)
        if suggestion is None and not ours:
            continue  # another program's variable
        message = MSG_UNKNOWN.format(name=name)
        if suggestion is not None:
            message += MSG_DID_YOU_MEAN.format(known=suggestion)
        problems.append(message + MSG_HOW)
    return problems


def environment_check(environ: Mapping[str, str] | None = None) -> None:
    """Stop start-up when the environment holds a misspelt or unknown grantcheck setting: a
    setting the service would silently ignore (DJANGO_DEBUG=0 leaving DEBUG on)."""
    problems = environment_problems(environ)
    if problems:
        raise ImproperlyConfigured("; ".join(problems))
