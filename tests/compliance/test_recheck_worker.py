"""The pipeline with a real Celery worker process, Redis and PostgreSQL (CI runs these)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from compliance.models import Finding, RecheckRun
from compliance.services.recheck import recheck_request
from rules.models import Rule
from rules.services.rulepacks import rule_version_create, rule_version_publish
from tests.compliance.conftest import TODAY
from tests.factories import (
    OrganisationFactory,
    PersonFactory,
    ProjectFactory,
    RoleFactory,
    TieFactory,
)
from tests.services import require_postgresql, require_redis

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Workers:
    def __init__(self, queue: str, redis_url: str) -> None:
        self.queue = queue
        self.redis_url = redis_url
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, *, pause: float = 0.0) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "REDIS_URL": self.redis_url,
            "CELERY_VISIBILITY_TIMEOUT": "5",
            "RECHECK_CHUNK_PAUSE_SECONDS": str(pause),
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
        env.pop("CELERY_TASK_ALWAYS_EAGER", None)
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                "-Q",
                self.queue,
                "--loglevel=WARNING",
                f"--hostname={uuid.uuid4().hex[:8]}@%h",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.procs.append(proc)
        return proc

    @staticmethod
    def kill(proc: subprocess.Popen[bytes]) -> None:
        os.killpg(proc.pid, signal.SIGKILL)  # the main process and its pool, no goodbye
        proc.wait(timeout=30)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture
def workers() -> Iterator[Workers]:
    require_postgresql()
    redis_url = require_redis()
    from config.celery import app

    queue = f"test-{uuid.uuid4().hex[:10]}"
    saved = (app.conf.task_default_queue, app.conf.task_always_eager)
    app.conf.task_default_queue, app.conf.task_always_eager = queue, False
    pool = Workers(queue, redis_url)
    yield pool
    pool.stop_all()
    app.conf.task_default_queue, app.conf.task_always_eager = saved


def _wait(predicate: Callable[[], bool], timeout: float = 120, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _finished(run: RecheckRun) -> bool:
    run.refresh_from_db()
    return run.status in ("done", "failed", "superseded")


def _snapshot() -> list[tuple[Any, ...]]:
    return sorted(
        Finding.objects.values_list(
            "scenario__code",
            "rule__key",
            "project_id",
            "subject",
            "severity",
            "status",
            "rule_version__number",
            "explanation",
            "review_status",
        )
    )


@pytest.fixture
def big_portfolio(rules_loaded: None) -> list[int]:
    """30 DoD projects, each PI with a 2022-23 visit to HIT and other ordinary ties."""
    from rules.services.screening import organisations_screen

    hit = OrganisationFactory.create(name="Harbin Institute of Technology", country="CN")
    eth = OrganisationFactory.create(name="ETH Zurich", country="CH")
    ids = []
    for i in range(30):
        project = ProjectFactory.create(
            sponsor="DOD",
            award_number=f"W911NF-25-1-{i:04d}",
            amount_usd=Decimal("100000.00") * (i + 1),
        )
        person = PersonFactory.create()
        RoleFactory.create(project=project, person=person, role="pi")
        TieFactory.create(
            person=person,
            organisation=hit,
            kind="visiting_at",
            start_date=date(2022, 9, 1),
            end_date=date(2023, 6, 30),
        )
        TieFactory.create(person=person, organisation=eth, kind="coauthorship")
        ids.append(project.pk)
    organisations_screen()
    return ids


def test_worker_completes_a_run_after_another_worker_is_sigkilled(
    big_portfolio: list[int], workers: Workers, eager_celery: None
) -> None:
    # The uninterrupted run, in-process, is the reference.
    reference_run = recheck_request(trigger="reference", scope_key="all", today=TODAY, chunk_size=3)
    reference = _snapshot()
    reference_run.refresh_from_db()
    assert reference_run.status == "done" and len(reference) >= 60
    Finding.objects.all().delete()

    from config.celery import app

    app.conf.task_always_eager = False
    first = workers.start(pause=0.4)
    run = recheck_request(trigger="kill test", scope_key="all", today=TODAY, chunk_size=3)
    assert run.chunks_total == 10
    _wait(lambda: RecheckRun.objects.get(pk=run.pk).chunks_done >= 2, what="two chunks")
    workers.kill(first)
    run.refresh_from_db()
    assert run.status == "running" and run.chunks_done < run.chunks_total

    workers.start()
    _wait(lambda: _finished(run), what="the run to finish on the second worker")
    assert run.status == "done"
    assert run.projects_checked == run.projects_planned == 30
    assert run.chunks_done == 10
    assert _snapshot() == reference
    assert run.findings_new == len(reference)
    assert Finding.objects.count() == len(reference)  # nothing duplicated


def _publish_severity(severity: str) -> None:
    rule = Rule.objects.get(key="R07")
    live = rule.published_version
    assert live is not None
    draft = rule_version_create(rule=rule, content={**live.content, "severity": severity})
    rule_version_publish(version=draft)


def test_two_quick_publishes_supersede_the_first_run(
    big_portfolio: list[int], workers: Workers, eager_celery: None
) -> None:
    recheck_request(trigger="baseline", scope_key="all", today=TODAY)
    from config.celery import app

    app.conf.task_always_eager = False
    workers.start(pause=0.3)
    _publish_severity("medium")
    _publish_severity("low")
    runs = list(RecheckRun.objects.filter(scope_key="rules:R07").order_by("pk"))
    assert len(runs) == 2
    _wait(lambda: all(_finished(r) for r in runs), what="both runs")
    assert [r.status for r in runs] == ["superseded", "done"]
    r07 = Finding.objects.filter(rule__key="R07", scenario__code="current", status="open")
    assert r07.count() == 30
    assert set(r07.values_list("severity", flat=True)) == {"low"}
    assert set(r07.values_list("rule_version__number", flat=True)) == {3}


def test_a_published_rule_change_rechecks_only_its_scope_with_a_real_worker(
    big_portfolio: list[int], workers: Workers, eager_celery: None
) -> None:
    nsf = ProjectFactory.create(sponsor="NSF", award_number="2400001")
    person = PersonFactory.create()
    RoleFactory.create(project=nsf, person=person, role="pi")
    nsfc = OrganisationFactory.create(
        name="National Natural Science Foundation of China", country="CN"
    )
    TieFactory.create(
        person=person, organisation=nsfc, kind="funding", start_date=date(2025, 1, 1), end_date=None
    )
    recheck_request(trigger="baseline", scope_key="all", today=TODAY)
    outside = list(Finding.objects.filter(project=nsf).values().order_by("pk"))
    assert outside
    reviewed = Finding.objects.filter(rule__key="R07", scenario__code="current").first()
    assert reviewed is not None
    reviewed.review_status = Finding.Review.MITIGATION
    reviewed.save()

    from config.celery import app

    app.conf.task_always_eager = False
    workers.start()
    from rules.models import PackParameter
    from rules.services.rulepacks import pack_parameter_set

    pack_parameter_set(parameter=PackParameter.objects.get(name="r07_lookback_years"), value=3)
    [run] = RecheckRun.objects.filter(scope_key="rules:R07")
    _wait(lambda: _finished(run), what="the rule change run")
    assert run.status == "done" and run.projects_planned == 30
    assert run.findings_resolved == 30 * 4  # R07 in all four scenarios
    assert not Finding.objects.filter(rule__key="R07", status="open").exists()
    assert list(Finding.objects.filter(project=nsf).values().order_by("pk")) == outside
    reviewed.refresh_from_db()
    assert reviewed.review_status == "mitigation_required" and reviewed.status == "resolved"
    pack_parameter_set(parameter=PackParameter.objects.get(name="r07_lookback_years"), value=5)
    [_, back] = RecheckRun.objects.filter(scope_key="rules:R07").order_by("pk")
    _wait(lambda: _finished(back), what="the second rule change run")
    reviewed.refresh_from_db()
    assert reviewed.status == "open" and reviewed.review_status == "mitigation_required"


def test_a_worker_keeps_one_database_connection_across_the_chunks_it_runs(
    big_portfolio: list[int], workers: Workers
) -> None:
    """Celery's default is a new connection per task: ten chunks, ten server processes."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        started = cursor.fetchone()[0]
    workers.start()
    run = recheck_request(trigger="reuse test", scope_key="all", today=TODAY, chunk_size=3)
    _wait(lambda: _finished(run), what="the run")
    assert run.status == "done" and run.chunks_done == 10
    first_done = run.chunks.order_by("finished_at").values_list("finished_at", flat=True)[0]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT backend_start FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid() "
            "AND backend_start >= %s",
            [started],
        )
        opened = [row[0] for row in cursor.fetchall()]
    assert len(opened) == 1  # the worker's, idle now
    assert opened[0] <= first_done  # it served the first chunk and every one after
