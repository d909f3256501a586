"""Worker database connections: kept across tasks, closed when broken, in a transaction or old
(config/celery.py), as Django does across web requests."""

from __future__ import annotations

import time
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from celery.fixups.django import DjangoFixup
from django.db import connection

from config.celery import app, connections_checked
from tests.services import require_postgresql

pytestmark = pytest.mark.django_db(transaction=True)

WORKER_TASK = SimpleNamespace(request=SimpleNamespace(is_eager=False))
EAGER_TASK = SimpleNamespace(request=SimpleNamespace(is_eager=True))


@pytest.fixture
def open_connection() -> Iterator[object]:
    """The default connection, open, in autocommit as a worker's is between tasks."""
    require_postgresql()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    yield connection.connection
    connection.close()  # whatever a test did to it, the next one starts afresh


def test_celery_no_longer_closes_the_connection_after_every_task(open_connection: object) -> None:
    fixup = DjangoFixup(app).worker_fixup  # what a worker installs; reads CELERY_DB_REUSE_MAX
    assert fixup.db_reuse_max
    fixup.on_task_prerun(sender=WORKER_TASK)
    fixup.on_task_postrun(sender=WORKER_TASK)
    assert connection.connection is open_connection


def test_a_healthy_connection_serves_the_next_task(open_connection: object) -> None:
    connections_checked(sender=WORKER_TASK)
    assert connection.connection is open_connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] > 0


def test_a_broken_connection_is_closed_and_the_next_task_gets_a_new_one(
    open_connection: object,
) -> None:
    connection.connection.close()  # e.g. a query interrupted by the task's time limit
    connection.errors_occurred = True
    connections_checked(sender=WORKER_TASK)
    assert connection.connection is None
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    assert connection.connection is not open_connection


def test_a_connection_left_inside_a_transaction_is_closed(open_connection: object) -> None:
    connection.set_autocommit(False)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    connections_checked(sender=WORKER_TASK)
    assert connection.connection is None
    assert connection.get_autocommit() is True  # reconnects in autocommit


def test_a_connection_older_than_conn_max_age_is_closed(open_connection: object) -> None:
    connection.close_at = time.monotonic() - 1
    connections_checked(sender=WORKER_TASK)
    assert connection.connection is None


def test_eager_tasks_leave_the_callers_connection_alone(open_connection: object) -> None:
    connection.close_at = time.monotonic() - 1  # would be closed after a worker's task
    connections_checked(sender=EAGER_TASK)
    assert connection.connection is open_connection


def test_the_database_url_keeps_connections_and_checks_them_before_reuse() -> None:
    require_postgresql()
    assert connection.settings_dict["CONN_MAX_AGE"] > 0
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
