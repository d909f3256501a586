"""The Celery app: configured from Django settings (CELERY_ namespace)."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from celery import Celery
from celery.schedules import crontab
from celery.signals import heartbeat_sent, task_postrun, task_prerun
from django.conf import settings
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("grantcheck")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The beat schedule: one place for every periodic job.
app.conf.beat_schedule = {
    "recheck-nightly": {
        "task": "compliance.recheck_nightly",
        "schedule": crontab(hour=2, minute=30),
    },
    "recheck-watchdog": {
        "task": "compliance.recheck_watchdog",
        "schedule": timedelta(seconds=settings.RECHECK_WATCHDOG_SECONDS),
    },
    # Notifications (docs/notifications.md). Findings also go out when a re-check run ends;
    # this catches evaluations made outside a run (the evaluate command).
    "notify-findings": {
        "task": "compliance.notify_findings",
        "schedule": crontab(minute="*/10"),
    },
    "attestation-reminders": {
        "task": "compliance.attestation_reminders",
        "schedule": crontab(hour=6, minute=0),
    },
    "reviewer-digest": {
        "task": "compliance.reviewer_digest",
        "schedule": crontab(hour=7, minute=0),
    },
    "notification-digest": {
        "task": "compliance.notification_digest",
        "schedule": crontab(hour=7, minute=15),
    },
    # The audit chain's head, written outside the database (compliance/audit/seal.py).
    "audit-seal": {
        "task": "compliance.audit_seal",
        "schedule": timedelta(minutes=settings.AUDIT_SEAL_MINUTES),
    },
}


@app.task(name="grantcheck.ping")
def ping() -> str:
    """Round-trip check used by health checks and CI."""
    return "pong"


@task_prerun.connect
@task_postrun.connect
def connections_checked(sender: Any = None, **kwargs: Any) -> None:
    """Before and after every task run by a worker, close the database connections that are
    unusable (an error left them broken, an interrupted query, a transaction left open) or
    older than CONN_MAX_AGE, as Django does before and after every web request; the others
    serve the next task (CELERY_DB_REUSE_MAX). A new connection per task (Celery's default)
    means a new server process per task, which loads its catalog caches and compiles the
    findings' reference triggers again: 5-20 ms each, 50 new processes in a full re-check.
    Eager tasks run inside the caller's connection and transaction: left alone."""
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return
    close_old_connections()


@heartbeat_sent.connect
def worker_alive(sender: Any = None, **kwargs: Any) -> None:
    """Every few seconds, in each worker: tell /healthz this worker is alive (a cache key)."""
    from compliance.health import worker_heartbeat

    try:
        worker_heartbeat(app.conf.get("worker_hostname") or os.uname().nodename)
    except Exception:  # a cache hiccup must never disturb the worker's event loop
        return
