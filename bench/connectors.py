"""Connector benchmark: import all NSF FY2017 awards (11,252 XML files in one .tar.gz) into an
empty database, then again (nothing may change), and print time, rows per second and peak
memory per run. Goal: the tarball in under 2 minutes and under 300 MB.

Each import runs in its own child process (`bench/connectors.py --child ...`), which reports
its own peak resident memory (ru_maxrss); the parent creates the database and migrates it.
The database: with DATABASE_URL (PostgreSQL), a fresh database next to it named --database
(dropped and created again); without, a temporary SQLite file. Production-like settings: DEBUG
off (no query log), Celery not eager and no broker, so the re-checks and screening the import
requests are queued, not run here (bench/recheck.py measures those).

Sections: ``bench_nsf`` (NSF award XML) and ``bench_medline`` (the MEDLINE sample through
`import_publications medline-xml`, into the portfolio the NSF import left: papers parsed,
authors linked, co-author affiliations turned into evidence). Each returns its figures or
None; the LAST line printed is one JSON object with all of them.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/grantcheck_h4 \\
        .venv/bin/python bench/connectors.py [--nsf PATH] [--database NAME]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("GRANTCHECK_SHARED_DATA", ROOT.parent / "shared" / "data"))
for candidate in (SHARED, Path("/work/shared/data")):
    if (candidate / "nsf-awards-2017").exists():
        SHARED = candidate
        break
NSF_TARBALL = SHARED / "nsf-awards-2017" / "nsf_awards_2017_xml.tar.gz"
MEDLINE_FOLDER = SHARED / "pubmed-medline-affiliations"
GOAL_SECONDS = 120.0
GOAL_MB = 300.0


def log(message: str) -> None:
    print(f"[connectors {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- child: one import


def _rows() -> dict[str, int]:
    from projects.models import Organisation, Person, Project, Role, Tie

    return {
        "projects": Project.objects.count(),
        "ties": Tie.objects.count(),
        "people": Person.objects.count(),
        "roles": Role.objects.count(),
        "organisations": Organisation.objects.count(),
    }


def database_cpu_seconds() -> float | None:
    """CPU seconds of this connection's PostgreSQL server process so far (when the server
    runs on this machine and /proc shows it), None otherwise."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child_nsf(path: Path) -> dict[str, Any]:
    from projects.connectors.nsf_import import import_nsf_awards

    before = _rows()
    started = time.perf_counter()
    run = import_nsf_awards(path)
    seconds = time.perf_counter() - started
    database_cpu = database_cpu_seconds()
    after = _rows()
    written = sum(after.values()) - sum(before.values())
    counts = run.counts
    awards = counts.get("imported", 0) + counts.get("updated", 0) + counts.get("unchanged", 0)
    return {
        "seconds": round(seconds, 2),
        "counts": counts,
        "rows_written": written,
        "rows_per_second": round(written / seconds, 1) if seconds else 0.0,
        "awards_per_second": round((awards + counts.get("rejected", 0)) / seconds, 1),
        "rows_in_db": after,
        "status": run.status,
        "database_cpu_seconds": round(database_cpu, 2) if database_cpu is not None else None,
    }


def child_medline(path: Path) -> dict[str, Any]:
    from projects.connectors.medline import import_medline
    from projects.models import TieEvidence

    before = _rows()
    evidence_before = TieEvidence.objects.count()
    started = time.perf_counter()
    report = import_medline(path)
    seconds = time.perf_counter() - started
    after = _rows()
    papers = report.counts.get("papers", 0)
    return {
        "seconds": round(seconds, 2),
        "counts": report.counts,
        "rows_written": sum(after.values()) - sum(before.values()),
        "evidence_written": TieEvidence.objects.count() - evidence_before,
        "papers_per_second": round(papers / seconds, 1) if seconds else 0.0,
        "status": report.run.status if report.run else None,
    }


CHILDREN: dict[str, Callable[[Path], dict[str, Any]]] = {
    "nsf": child_nsf,
    "medline": child_medline,
}


def run_child(section: str, path: Path) -> int:
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    result = CHILDREN[section](path)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["peak_mb"] = round(usage.ru_maxrss / 1024, 1)
    # CPU seconds of this process (start-up included): the machine may be shared
    result["cpu_seconds"] = round(usage.ru_utime + usage.ru_stime, 2)
    print(json.dumps(result))
    return 0


# ---------------------------------------------------------------- parent


def prepare_environment(args: argparse.Namespace, tmp: str) -> str:
    """Settings for the children (env), and a fresh database; returns a label."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="false",
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(48),
        ALLOWED_HOSTS="localhost",
        PORTAL_BASE_URL=os.environ.get("PORTAL_BASE_URL") or "http://localhost",
        SECURE_SSL_REDIRECT="false",
        CELERY_TASK_ALWAYS_EAGER="false",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    os.environ.pop("REDIS_URL", None)  # no broker: requested tasks stay in memory, unrun
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        os.environ["SQLITE_PATH"] = str(Path(tmp) / "connectors.sqlite3")
        return "sqlite"
    import psycopg

    parts = urlparse(url)
    with psycopg.connect(urlunparse(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.database}"')
        conn.execute(f'CREATE DATABASE "{args.database}"')
    os.environ["DATABASE_URL"] = urlunparse(parts._replace(path=f"/{args.database}"))
    return "postgresql"


def child(section: str, path: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", section, str(path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def bench_nsf(args: argparse.Namespace) -> dict[str, Any] | None:
    path: Path = args.nsf
    if not path.exists():
        log(f"NSF: {path} not found; skipped")
        return None
    log(f"NSF: first import of {path}")
    first = child("nsf", path)
    log(
        f"NSF first: {first['seconds']} s, {first['rows_written']} rows "
        f"({first['rows_per_second']} rows/s, {first['awards_per_second']} awards/s), "
        f"peak {first['peak_mb']} MB, CPU {first['cpu_seconds']} s (database "
        f"{first['database_cpu_seconds']} s), counts {first['counts']}"
    )
    log("NSF: second import (must change nothing)")
    second = child("nsf", path)
    log(
        f"NSF second: {second['seconds']} s, {second['rows_written']} rows written, "
        f"peak {second['peak_mb']} MB, CPU {second['cpu_seconds']} s (database "
        f"{second['database_cpu_seconds']} s), counts {second['counts']}"
    )
    log(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    counts = first["counts"]
    every_award = counts["imported"] + counts["rejected"]
    return {
        "source": str(path),
        "first": first,
        "second": second,
        "awards_read": every_award,
        "idempotent": second["rows_written"] == 0
        and second["counts"]["imported"] == 0
        and second["counts"]["updated"] == 0,
        "goal_met": first["seconds"] < GOAL_SECONDS
        and max(first["peak_mb"], second["peak_mb"]) < GOAL_MB,
    }


def bench_medline(args: argparse.Namespace) -> dict[str, Any] | None:
    """The MEDLINE sample, twice: the second import must write nothing new."""
    path: Path = args.medline
    if not path.exists():
        log(f"MEDLINE: {path} not found; skipped")
        return None
    runs = []
    for label in ("first", "second"):
        result = child("medline", path)
        log(
            f"MEDLINE {label}: {result['seconds']} s, {result['counts'].get('papers', 0)} papers "
            f"({result['papers_per_second']}/s), {result['rows_written']} rows and "
            f"{result['evidence_written']} evidence rows written, peak {result['peak_mb']} MB, "
            f"CPU {result['cpu_seconds']} s, counts {result['counts']}"
        )
        runs.append(result)
    return {
        "source": str(path),
        "first": runs[0],
        "second": runs[1],
        "idempotent": runs[1]["rows_written"] == 0 and runs[1]["evidence_written"] == 0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nsf", type=Path, default=NSF_TARBALL)
    parser.add_argument("--medline", type=Path, default=MEDLINE_FOLDER)
    parser.add_argument("--database", default="grantcheck_bench_connectors")
    parser.add_argument("--child", nargs=2, metavar=("SECTION", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return run_child(args.child[0], Path(args.child[1]))
    with tempfile.TemporaryDirectory(prefix="grantcheck-bench-connectors-") as tmp:
        database = prepare_environment(args, tmp)
        log(f"database: {database}; migrating")
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        log(f"migrated in {time.perf_counter() - started:.1f} s")
        nsf = bench_nsf(args)
        medline = bench_medline(args)
    result = {
        "bench": "connectors",
        "database": database,
        "load_average": [round(x, 1) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
        "goal": {"seconds": GOAL_SECONDS, "peak_mb": GOAL_MB},
        "nsf": nsf,
        "medline": medline,
    }
    print(json.dumps(result))
    return 0 if nsf is None or (nsf["goal_met"] and nsf["idempotent"]) else 1


if __name__ == "__main__":
    sys.exit(main())
