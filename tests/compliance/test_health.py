"""/healthz: database, cache, Redis and worker liveness; plain HTTP; 503 only without the
database."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client, override_settings

from compliance import health
from config.celery import worker_alive

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_heartbeat(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.cache import cache

    cache.delete(health.WORKER_HEARTBEAT_KEY)
    monkeypatch.setattr(health, "_last_written", 0.0)


@override_settings(SECURE_SSL_REDIRECT=True)
def test_health_answers_over_plain_http_while_everything_else_redirects() -> None:
    client = Client()
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["database"] == "ok"
    assert "no-store" in response["Cache-Control"]
    login = client.get("/accounts/login/")
    assert login.status_code == 301 and login["Location"].startswith("https://")


def test_database_down_is_a_503(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse() -> Any:
        raise OperationalError("connection refused")

    monkeypatch.setattr(health.connection, "cursor", refuse)
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "down"
    assert response.json()["database"] == "error: OperationalError"


@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_absent_workers_are_reported_but_the_node_stays_in_service() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["workers"] == {"status": "absent"}


@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_a_worker_heartbeat_makes_workers_ok_until_it_goes_stale() -> None:
    worker_alive(sender=None)  # what Celery's heartbeat_sent signal calls in a worker
    body = Client().get("/healthz").json()
    assert body["status"] == "ok" and body["workers"]["status"] == "ok"
    assert 0 <= body["workers"]["last_seen_seconds"] < 5
    later = time.time() + 61  # WORKER_HEARTBEAT_SECONDS (60) without a word
    assert health.check_workers(now=later)["status"] == "absent"


def test_heartbeats_are_written_at_most_every_few_seconds() -> None:
    assert health.worker_heartbeat("w1", now=1000.0) is True
    assert health.worker_heartbeat("w1", now=1005.0) is False
    assert health.worker_heartbeat("w1", now=1011.0) is True


@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_redis_unreachable_is_reported_quickly_as_degraded() -> None:
    started = time.monotonic()
    response = Client().get("/healthz")
    assert time.monotonic() - started < 5
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["redis"].startswith("error: ")
