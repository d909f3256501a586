"""The database side of the multi-host test (tests/ops/test_multihost.py), run on the
"services" host: `python tests/ops/multihost_driver.py COMMAND [ARG]`, settings from the
environment (DATABASE_URL, REDIS_URL ...). Each command prints one JSON object.

  setup N     migrate, then the synthetic portfolio of bench/recheck.py (N projects)
  request     empty findings, history, audit events and runs, purge the queue, then request a
              full re-check (executed in this process when CELERY_TASK_ALWAYS_EAGER is true)
  verify RUN  the run, its chunks and an md5 digest of every finding (identity and content)
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

REPO = Path(__file__).resolve().parents[2]
for _path in (REPO, REPO / "bench"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))


def _bench() -> Any:
    """bench/recheck.py: the portfolio builder, the reset and the findings digest."""
    return importlib.import_module("recheck")


def setup(projects: int) -> dict[str, Any]:
    bench = _bench()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    info = bench.build_portfolio(SimpleNamespace(projects=projects, seed=1))
    return {"projects": info["projects"], "counts": info["counts"]}


def request() -> dict[str, Any]:
    bench = _bench()

    from compliance.services.recheck import recheck_request
    from config.celery import app

    bench.reset_state(SimpleNamespace(queue="celery"), app)
    run = recheck_request(trigger="multihost test", scope_key="all")
    run.refresh_from_db()
    return {"run": run.pk, "status": run.status, "chunks": run.chunks_total}


def verify(run_id: int) -> dict[str, Any]:
    bench = _bench()
    from django.apps import apps

    from compliance.models import RecheckRun

    run = RecheckRun.objects.get(pk=run_id)
    chunks = list(run.chunks.values("index", "status", "attempts", "project_ids", "counts"))
    planned = sorted(pid for c in chunks for pid in c["project_ids"])
    history = apps.get_model("compliance", "HistoricalFinding")
    finding = apps.get_model("compliance", "Finding")
    audit = apps.get_model("compliance", "AuditEvent")
    return {
        "status": run.status,
        "errors": run.errors,
        "error_log": [{k: v for k, v in e.items() if k != "traceback"} for e in run.error_log],
        "projects_planned": run.projects_planned,
        "projects_checked": run.projects_checked,
        "projects_unique": len(set(planned)) == len(planned),
        "findings_new": run.findings_new,
        "chunk_status": sorted({c["status"] for c in chunks}),
        "chunk_attempts": sorted({c["attempts"] for c in chunks}),
        "chunks": len(chunks),
        "findings": finding.objects.count(),
        "findings_of_run": finding.objects.filter(run=run).count(),
        "history": history.objects.count(),
        "audit_events": audit.objects.count(),
        "digest": bench.findings_digest(),
        "seconds": (run.finished_at - run.started_at).total_seconds()
        if run.finished_at and run.started_at
        else None,
    }


def main(argv: list[str]) -> int:
    import django

    django.setup()
    command = argv[0]
    if command == "setup":
        out = setup(int(argv[1]))
    elif command == "request":
        out = request()
    elif command == "verify":
        out = verify(int(argv[1]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(out, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
