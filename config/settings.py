"""grantcheck settings, read from the environment.

Embedded default (nothing set): SQLite, eager Celery, local-memory cache, DEBUG on.
`DATABASE_URL` switches to PostgreSQL, `REDIS_URL` to a Redis broker, result
backend and cache with real workers. With DEBUG off the service refuses to
start without SECRET_KEY, ALLOWED_HOSTS and PORTAL_BASE_URL.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import csp.constants as csp
import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_float, env_int, env_list, env_str, environment_check

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=True)

SECRET_KEY_MIN_LENGTH = 50
MSG_SECRET_KEY_WEAK = (
    f"SECRET_KEY is too weak for DEBUG off: it needs {SECRET_KEY_MIN_LENGTH} characters or "
    "more and must not be Django's development key (django-insecure-...); make one with "
    "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
)

SECRET_KEY = env_str("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not DEBUG:
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off")
    # A guessable key signs sessions and password-reset links: refuse "changeme" and the
    # key `startproject` writes for development.
    if len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH or SECRET_KEY.startswith("django-insecure-"):
        raise ImproperlyConfigured(MSG_SECRET_KEY_WEAK)
if not SECRET_KEY:
    # Development only: DEBUG is on, so this key never protects real data.
    SECRET_KEY = "grantcheck-insecure-development-key"  # noqa: S105
if not ALLOWED_HOSTS:
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "django_countries",
    "simple_history",
    "django_htmx",
    "csp",
    "projects",
    "rules",
    "compliance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads a body: uploads over GRANTCHECK_UPLOAD_MAX_BYTES get 413.
    "projects.upload_limits.UploadLimitMiddleware",
    # Static files, served by the app itself in production (compressed, cache-busted); it
    # answers before the middleware below, so static files get none of their headers. With
    # DEBUG on, runserver serves them from the apps.
    *([] if DEBUG else ["whitenoise.middleware.WhiteNoiseMiddleware"]),
    "csp.middleware.CSPMiddleware",
    "config.security.PermissionsPolicyMiddleware",
    "config.security.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "compliance.audit.context.AuditContextMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "compliance.context_processors.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    # Connections are kept for a minute, by web requests and worker tasks alike (see
    # config/celery.py), and checked before reuse: one the server dropped is replaced.
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
    }
    # A peer that vanished (a worker host cut off, a database server gone) is noticed in about
    # twice DATABASE_TCP_KEEPALIVE_SECONDS, at both ends: the worker's query fails instead of
    # waiting for hours, and the server ends the session, so the row locks of the cut-off
    # worker's transaction (its re-check chunk) are released for the chunk's redelivery.
    # TCP keepalive probes an idle connection; TCP_USER_TIMEOUT bounds unacknowledged data.
    _keepalive = env_int("DATABASE_TCP_KEEPALIVE_SECONDS", 30)
    if _keepalive > 0 and DATABASES["default"]["ENGINE"].endswith("postgresql"):
        _interval, _timeout_ms = max(1, _keepalive // 3), _keepalive * 2000
        _options = DATABASES["default"].setdefault("OPTIONS", {})
        _options.update(
            keepalives=1,
            keepalives_idle=_keepalive,
            keepalives_interval=_interval,
            keepalives_count=3,
            tcp_user_timeout=_timeout_ms,
        )
        _options["options"] = " ".join(
            [
                _options.get("options", ""),
                f"-c tcp_keepalives_idle={_keepalive} -c tcp_keepalives_interval={_interval}",
                f"-c tcp_keepalives_count=3 -c tcp_user_timeout={_timeout_ms}",
            ]
        ).strip()
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
        }
    }
    # The covering index on ties (projects.Tie, tie_person_facts) is a plain index on SQLite,
    # as intended: the warning that its INCLUDE columns are ignored there says nothing more.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, Celery broker and results -------------------------------
REDIS_URL = env_str("REDIS_URL")


def _next_redis_db(url: str) -> str:
    """The cache lives in the next Redis database: clearing it must never drop queued tasks."""
    from urllib.parse import urlparse, urlunparse

    parts = urlparse(url)
    db = int(parts.path.lstrip("/") or 0)
    return urlunparse(parts._replace(path=f"/{db + 1}"))


if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env_str("REDIS_CACHE_URL") or _next_redis_db(REDIS_URL),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 600)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 720)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A message whose worker died unacknowledged is redelivered after this many seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# Celery closes a worker's database connections before and after every task unless this is
# set; with it, connections live across tasks as across web requests (CONN_MAX_AGE, checked
# before and after every task by config/celery.py); Celery still closes them every this many
# tasks.
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 100)

# --- Re-checks -----------------------------------------------------------------------
# Projects per chunk, at most: one transaction each. Bigger chunks mean fewer round trips but
# hold more in memory: about 300 MB per worker process at 2,000 (tie cache included).
RECHECK_CHUNK_SIZE = env_int("RECHECK_CHUNK_SIZE", 2000)
# Worker processes consuming re-check chunks (celery worker --concurrency): a run is cut
# into a multiple of this many equal chunks, so none finishes a last short chunk alone.
RECHECK_PARALLELISM = env_int("RECHECK_PARALLELISM", 2)
# A run with no chunk finished for this long is resumed by the watchdog (its queued chunks
# sent again); after RECHECK_WATCHDOG_RESUMES resumes in a row without progress it is marked
# failed (never hangs). A chunk takes seconds; one resent while its first delivery is still
# running waits for that one's lock, then finds it done and changes nothing.
RECHECK_STALE_SECONDS = env_int("RECHECK_STALE_SECONDS", 300)
RECHECK_WATCHDOG_RESUMES = env_int("RECHECK_WATCHDOG_RESUMES", 3)
# How often beat runs the watchdog (seconds): a stalled run waits at most this much longer.
RECHECK_WATCHDOG_SECONDS = env_int("RECHECK_WATCHDOG_SECONDS", 60)
# Per worker process: built ties kept across the chunks of a run (people + ties; 0 = off).
RECHECK_TIE_CACHE_SIZE = env_int("RECHECK_TIE_CACHE_SIZE", 1_000_000)
# Optional pause before each chunk (seconds), to throttle re-checks on a busy database.
RECHECK_CHUNK_PAUSE_SECONDS = float(env_str("RECHECK_CHUNK_PAUSE_SECONDS", "0") or 0)
CELERY_TIMEZONE = "UTC"
# The beat schedule lives in one place: config/celery.py.

# --- Auth ------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Sign-in throttling (django-axes), API tokens (knox), Basic auth: the "Sign-in and API
# access" block below.

# --- Security (production) --------------------------------------------------
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = 0 if DEBUG else env_int("SECURE_HSTS_SECONDS", 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- Production posture (issue 20 §7): proxy, health, static files, CSP, headers ---------
# X-Forwarded-Proto is believed only behind a proxy that sets it: without one, any client
# could claim HTTPS.
TRUSTED_PROXY = env_bool("GRANTCHECK_TRUSTED_PROXY", default=False)
if TRUSTED_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Load balancers check health over plain HTTP: no redirect to HTTPS for it.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# The HSTS preload directive; a browser preload list takes a registrable domain only, and
# only when its owner submits it, so on a host such as grants.example.edu it changes nothing.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
# collectstatic writes hashed, compressed copies (whitenoise); DEBUG serves the sources.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Content-Security-Policy (django-csp): scripts only from our own static files, never
# inline; <style> blocks carry the request's nonce. The API docs page widens it for the
# Swagger UI only (config/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF, csp.NONCE],
        "img-src": [csp.SELF, "data:"],
        "font-src": [csp.SELF],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.NONE],
        "frame-ancestors": [csp.NONE],
        "form-action": [csp.SELF],
    },
}
# Browser features the portal never uses, switched off (config.security).
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=()"
)
# Workers report in every few seconds (compliance.health); /healthz calls them absent after
# this long without a word.
WORKER_HEARTBEAT_SECONDS = env_int("GRANTCHECK_WORKER_HEARTBEAT_SECONDS", 60)

# --- I18N -------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where collectstatic writes (and whitenoise serves from, in production).
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))

# --- REST framework -----------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.BasicAuthentication",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    # JSON bodies are bounded in size and depth (config/parsers.py, "Bad input" block below).
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.LimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "grantcheck API",
    "DESCRIPTION": "Research-security exposure of grant projects and collaborator ties.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
}

# --- Bad input: uploads, JSON bodies and error reports (issue 21 §3) -----------------
# Uploads above GRANTCHECK_UPLOAD_MAX_BYTES are refused with 413 before the body is read
# (Content-Length, projects/upload_limits.py); while streaming, a handler counts the bytes.
# Files above FILE_UPLOAD_MAX_MEMORY_SIZE are spooled to disk, never held whole in memory.
GRANTCHECK_UPLOAD_MAX_BYTES = env_int("GRANTCHECK_UPLOAD_MAX_BYTES", 25 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("FILE_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)  # Django's 2.5 MB
FILE_UPLOAD_HANDLERS = [
    "projects.upload_limits.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Non-file request data (form fields, request.body); Django's default is 2.5 MB.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
# JSON API bodies (config/parsers.py): size and nesting depth, each answered with 400.
GRANTCHECK_JSON_MAX_BYTES = env_int("GRANTCHECK_JSON_MAX_BYTES", 2 * 1024 * 1024)
GRANTCHECK_JSON_MAX_DEPTH = env_int("GRANTCHECK_JSON_MAX_DEPTH", 64)
# Import error reports list the first N problems and the total count.
GRANTCHECK_IMPORT_MAX_PROBLEMS = env_int("GRANTCHECK_IMPORT_MAX_PROBLEMS", 200)
# The institution's own names, ";"-separated ("Johns Hopkins;JHU"): publication and ORCID
# imports link authors on them and never take them for a second appointment.
GRANTCHECK_HOME_INSTITUTIONS = env_str("GRANTCHECK_HOME_INSTITUTIONS", "")

# --- Screening ---------------------------------------------------------------------
# Scores at or above ACCEPT count as a match without review; between REVIEW and ACCEPT
# a reviewer decides; below REVIEW there is no match. Unset: the calibrated defaults.
SCREENING_ACCEPT_THRESHOLD = env_float("SCREENING_ACCEPT_THRESHOLD", None)
SCREENING_REVIEW_THRESHOLD = env_float("SCREENING_REVIEW_THRESHOLD", None)

# Files of exports run in the background (Celery); served only through the API.
EXPORT_ROOT = Path(env_str("EXPORT_ROOT", str(BASE_DIR / "exports")))
# Uploads waiting for their preview to be confirmed (list editions): the system temp folder
# unless set; several web servers need a folder they share (or sticky sessions).
LIST_IMPORT_STAGING_DIR = env_str("LIST_IMPORT_STAGING_DIR", "")

# --- E-mail and notifications (docs/notifications.md) -------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
# A mail server that does not answer must not hold a Celery worker for long.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "grantcheck <grantcheck@localhost>")
# Links in e-mails are absolute: the portal's address as users reach it, without a final "/".
# Required in production: a PI's e-mail must not link to the development server.
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL").rstrip("/")
if PORTAL_BASE_URL:
    _portal = urlsplit(PORTAL_BASE_URL)
    if _portal.scheme not in ("http", "https") or not _portal.hostname or _portal.query:
        raise ImproperlyConfigured(
            f"PORTAL_BASE_URL {PORTAL_BASE_URL!r} is not an absolute http(s) address such as "
            "https://grants.example.edu (it starts every link in e-mails)"
        )
elif not DEBUG:
    raise ImproperlyConfigured(
        "PORTAL_BASE_URL must be set when DEBUG is off: it starts every link in e-mails "
        "(e.g. https://grants.example.edu)"
    )
else:
    PORTAL_BASE_URL = "http://127.0.0.1:8000"  # the development server
# PIs hear about high and block findings in these scenarios only (blank: every scenario), so
# a finding that exists only "if a bill passes" does not alarm them.
NOTIFY_FINDING_SCENARIOS = env_list("NOTIFY_FINDING_SCENARIOS", ["current"])

# --- Single sign-on: OpenID Connect (docs/sso.md) -------------------------------------
# Off unless OIDC_RP_CLIENT_ID is set; then the endpoints and the secret are required.
OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]


def _group_map_parse(text: str) -> dict[str, str]:
    """Parse "research-office=reviewer,audit=auditor" into {"research-office": "reviewer", ...}."""
    from projects.access import ROLE_GROUPS

    mapping: dict[str, str] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        claim_group, sep, role = (x.strip() for x in item.partition("="))
        if not sep or not claim_group or role not in ROLE_GROUPS:
            raise ImproperlyConfigured(
                f"OIDC_GROUP_MAP entry {item!r} must be <identity-provider group>=<one of "
                f"{', '.join(ROLE_GROUPS)}>"
            )
        mapping[claim_group] = role
    return mapping


if OIDC_ENABLED:
    OIDC_RP_CLIENT_SECRET = env_str("OIDC_RP_CLIENT_SECRET")
    OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_OP_AUTHORIZATION_ENDPOINT")
    OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_OP_TOKEN_ENDPOINT")
    OIDC_OP_USER_ENDPOINT = env_str("OIDC_OP_USER_ENDPOINT")
    OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_OP_JWKS_ENDPOINT")
    OIDC_RP_SIGN_ALGO = env_str("OIDC_RP_SIGN_ALGO", "RS256")
    _oidc_required = {
        "OIDC_RP_CLIENT_SECRET": OIDC_RP_CLIENT_SECRET,
        "OIDC_OP_AUTHORIZATION_ENDPOINT": OIDC_OP_AUTHORIZATION_ENDPOINT,
        "OIDC_OP_TOKEN_ENDPOINT": OIDC_OP_TOKEN_ENDPOINT,
        "OIDC_OP_USER_ENDPOINT": OIDC_OP_USER_ENDPOINT,
    }
    if OIDC_RP_SIGN_ALGO.startswith(("RS", "ES")):
        _oidc_required["OIDC_OP_JWKS_ENDPOINT"] = OIDC_OP_JWKS_ENDPOINT
    _oidc_missing = sorted(k for k, v in _oidc_required.items() if not v)
    if _oidc_missing:
        raise ImproperlyConfigured(
            f"OIDC_RP_CLIENT_ID is set, so single sign-on needs {', '.join(_oidc_missing)}"
        )
    OIDC_RP_SCOPES = env_str("OIDC_RP_SCOPES", "openid email profile")
    OIDC_GROUPS_CLAIM = env_str("OIDC_GROUPS_CLAIM", "groups")
    OIDC_GROUP_MAP = _group_map_parse(env_str("OIDC_GROUP_MAP"))
    OIDC_CREATE_USER = env_bool("OIDC_CREATE_USER", default=True)
    OIDC_USE_PKCE = env_bool("OIDC_USE_PKCE", default=True)
    LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/?sso=failed"
    AUTHENTICATION_BACKENDS.append("config.oidc.GrantcheckOIDCBackend")

# --- Sign-in and API access (issue 20 §2-§4; docs/security.md) -------------------------
# django-axes throttles failed sign-ins on every path that checks a password (portal and
# admin sign-in, HTTP Basic on the API, the API token endpoint): LOGIN_FAILURE_LIMIT
# failures for one account within LOGIN_FAILURE_WINDOW seconds lock that account (every
# address) for the window; an address is locked only after LOGIN_ADDRESS_FAILURE_LIMIT
# failures (all accounts together), so one person's typos never lock out colleagues behind
# the same NAT. Lockouts are audited; administrators lift them in the admin (Access attempts).
INSTALLED_APPS += ["axes", "knox"]
MIDDLEWARE.append("axes.middleware.AxesMiddleware")
AUTHENTICATION_BACKENDS.insert(0, "axes.backends.AxesStandaloneBackend")
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_WINDOW = env_int("LOGIN_FAILURE_WINDOW", 900)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 200)
AXES_HANDLER = "compliance.security.lockout.GrantcheckAxesHandler"
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 asks for "ip_address" in the parameters: that would lock a whole NAT at the
# per-account limit. The address limit is the handler's (LOGIN_ADDRESS_FAILURE_LIMIT), and an
# account's count does not depend on the user agent or cookies, so rotating them gains nothing.
SILENCED_SYSTEM_CHECKS = [*globals().get("SILENCED_SYSTEM_CHECKS", []), "axes.W006"]
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(seconds=LOGIN_FAILURE_WINDOW)
AXES_RESET_ON_SUCCESS = True
# Attempts during a lockout do not extend it (an attacker cannot keep an account locked
# forever by guessing once per window) and are not recorded again.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "compliance.security.lockout.lockout_response"
AXES_VERBOSE = False
# The admin of attempts is compliance.security.admin (lifting a lockout is audited).
AXES_ENABLE_ADMIN = False
# HTTP Basic on the API: on in development, off in production unless asked for.
API_BASIC_AUTH = env_bool("GRANTCHECK_API_BASIC_AUTH", default=DEBUG)
# The OpenAPI schema and Swagger UI: public in development, sign-in required in production.
API_SCHEMA_PUBLIC = env_bool("GRANTCHECK_API_SCHEMA_PUBLIC", default=DEBUG)
# Per-user API tokens (knox keeps only a hash; compliance.ApiToken their name and scope):
# the lifetime asked for, at most API_TOKEN_MAX_DAYS. knox's own model (its migrations
# create its table whatever this says; Django's test set-up reads the swappable setting).
KNOX_TOKEN_MODEL = "knox.AuthToken"  # noqa: S105  (a model name)
API_TOKEN_DEFAULT_DAYS = env_int("API_TOKEN_DEFAULT_DAYS", 90)
API_TOKEN_MAX_DAYS = env_int("API_TOKEN_MAX_DAYS", 365)
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=API_TOKEN_DEFAULT_DAYS),
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_PREFIX": "gc_",
}
REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] = [
    "compliance.security.api_auth.AuditedSessionAuthentication",
    "compliance.security.api_auth.AuditedTokenAuthentication",
    *(["compliance.security.api_auth.AuditedBasicAuthentication"] if API_BASIC_AUTH else []),
]
SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"] = [
    "rest_framework.permissions.AllowAny"
    if API_SCHEMA_PUBLIC
    else "rest_framework.permissions.IsAuthenticated"
]
# Choice sets that share a field name get their own schema names.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    "RecheckRunStatusEnum": "compliance.models.findings.RecheckRun.Status",
}
# --- end of sign-in and API access -----------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# --- Audit seal (issue 20 §8): the chain's head, written outside the database --------------
# file:/path (JSON lines, appended), mail:addr[,addr], or log; every few minutes by beat.
AUDIT_SEAL_TARGET = env_str("GRANTCHECK_AUDIT_SEAL_TARGET", "log")
AUDIT_SEAL_MINUTES = env_int("GRANTCHECK_AUDIT_SEAL_MINUTES", 15)
_seal_kind, _, _seal_where = AUDIT_SEAL_TARGET.partition(":")
if not (
    (_seal_kind == "log" and not _seal_where)
    or (_seal_kind == "file" and _seal_where.startswith("/"))
    or (_seal_kind == "mail" and "@" in _seal_where)
):
    raise ImproperlyConfigured(
        f"GRANTCHECK_AUDIT_SEAL_TARGET={AUDIT_SEAL_TARGET!r} must be log, file:/absolute/path "
        "or mail:address[,address]"
    )

# Keep last: every setting above has read its variables; anything else in the environment
# that looks like a setting (DJANGO_DEBUG, SECRETKEY) stops start-up (config/env.py).
environment_check()
