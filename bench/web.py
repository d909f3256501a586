"""Web benchmark: the review queue's first page over 100,000 findings.

Builds a synthetic portfolio (projects + findings, bulk_create: no signals, no history) in a
dedicated database, then, with Django's test Client signed in as a reviewer, measures:

- the server time of GET /findings/ (first page, default filters and sort): the median of
  --runs requests after --warmup requests; in-process (middleware, view, SQL, template), no
  network;
- for ?per_page=25, 50, 100, 200: the number of SQL queries, the median time and how many
  rows the page actually shows (if the queue ignores per_page it stays at its default).

Database: with DATABASE_URL set, PostgreSQL database --database (default grantcheck_web) on the
same server, dropped and re-created (never the DATABASE_URL database itself); --reuse keeps it
when it already holds the same number of findings. Without DATABASE_URL, a temporary SQLite
file, removed at the end. Runs with DEBUG off (production-like), eager Celery, local cache.

Goals: first page < 300 ms; the query count does not grow with the page size.
Prints the figures and, as its LAST line, one JSON object. Exit status 0 when both goals are
met, 1 otherwise.

Usage:
  .venv/bin/python bench/web.py [--findings 100000] [--projects 5000] [--runs 9] [--warmup 3]
      [--database grantcheck_web] [--reuse] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

GOAL_MS = 300.0
PAGE_SIZES = (25, 50, 100, 200)
SPONSORS = ["NSF", "NIH", "DOD", "DOE", "NASA", "USDA"]
DEPARTMENTS = [
    "Physics",
    "Aerospace",
    "Computer Science",
    "Electrical and Computer Engineering",
    "School of Medicine",
    "Materials Science and Engineering",
    "Earth and Climate Sciences",
    "Chemistry",
]
SEVERITIES = [("block", 3), ("high", 20), ("medium", 35), ("low", 25), ("info", 17)]
FINDING_ROW = re.compile(r'href="/findings/(\d+)/"')


def log(message: str) -> None:
    print(f"[web {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--findings", type=int, default=100_000)
    p.add_argument("--projects", type=int, default=5_000)
    p.add_argument("--runs", type=int, default=9)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--database", default="grantcheck_web")
    p.add_argument("--reuse", action="store_true")
    p.add_argument("--seed", type=int, default=1)
    return p.parse_args(argv)


def prepare_database(args: argparse.Namespace, tmp: str) -> str:
    """Point Django at the bench database (env, before django.setup()); returns a label."""
    url = os.environ.get("DATABASE_URL", "")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="false",
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(40),
        ALLOWED_HOSTS="testserver",
        PORTAL_BASE_URL=os.environ.get("PORTAL_BASE_URL") or "http://testserver",
        SECURE_SSL_REDIRECT="false",
        CELERY_TASK_ALWAYS_EAGER="true",
        LOG_LEVEL="WARNING",
    )
    os.environ.pop("REDIS_URL", None)
    if not url:
        os.environ["SQLITE_PATH"] = str(Path(tmp) / "web.sqlite3")
        return f"sqlite {os.environ['SQLITE_PATH']}"
    parts = urlparse(url)
    if parts.path.lstrip("/") == args.database:
        raise SystemExit(f"refusing: --database {args.database} is the DATABASE_URL database")
    bench_url = urlunparse(parts._replace(path=f"/{args.database}"))
    os.environ["DATABASE_URL"] = bench_url
    if not (args.reuse and _pg_exists(url, args.database)):
        import psycopg

        admin = urlunparse(parts._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{args.database}"')
        log(f"created PostgreSQL database {args.database}")
    return f"postgresql {parts.hostname}:{parts.port or 5432}/{args.database}"


def _pg_exists(url: str, name: str) -> bool:
    import psycopg

    admin = urlunparse(urlparse(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return row is not None


def build(args: argparse.Namespace) -> dict[str, int]:
    """Schema, rules and the synthetic findings (skipped when --reuse finds them in place)."""
    from django.core.management import call_command
    from django.utils import timezone

    from compliance.models import Finding
    from projects.models import Project
    from rules.models import RuleVersion, Scenario
    from rules.services.lists import list_import
    from rules.services.rulepacks import rules_load

    call_command("migrate", verbosity=0)
    if args.reuse and Finding.objects.count() == args.findings:
        log("reusing the findings already in place")
        return _counts()
    started = time.perf_counter()
    Finding.objects.all().delete()
    Project.objects.all().delete()
    if not Scenario.objects.exists():
        list_import(fmt="grantcheck-yaml", path=REPO / "seeds" / "lists")
        rules_load(directory=REPO / "seeds" / "rules")
    rng = random.Random(args.seed)
    projects = Project.objects.bulk_create(
        [
            Project(
                sponsor=rng.choice(SPONSORS),
                award_number=f"WEB-{i:06d}",
                title=f"Synthetic research project {i}",
                amount_usd=Decimal(rng.randrange(50_000, 6_000_000, 1000)),
                start_date=date(2023, 1, 1),
                end_date=date(2028, 1, 1),
                department=rng.choice(DEPARTMENTS),
            )
            for i in range(args.projects)
        ],
        batch_size=2000,
    )
    scenarios = list(Scenario.objects.all())
    versions = list(RuleVersion.objects.select_related("rule").order_by("pk"))
    if not scenarios or not versions:
        raise SystemExit("no scenarios or rule versions after loading seeds/rules")
    names, weights = zip(*SEVERITIES, strict=True)
    now = timezone.now()
    batch: list[Finding] = []
    for i in range(args.findings):
        project = projects[rng.randrange(len(projects))]
        version = versions[rng.randrange(len(versions))]
        batch.append(
            Finding(
                scenario=scenarios[i % len(scenarios)],
                rule=version.rule,
                rule_version=version,
                project=project,
                subject=f"tie:{i}",
                severity=rng.choices(names, weights)[0],
                trace=[f"synthetic evidence line {n}" for n in range(3)],
                explanation=f"Tie {i}: synthetic collaboration with Example Institute {i % 997}.",
                remediation="Review the tie and document the outcome.",
                amount_usd=project.amount_usd,
                status="open" if rng.random() < 0.85 else "resolved",
                last_confirmed=now,
            )
        )
        if len(batch) == 5000:
            Finding.objects.bulk_create(batch)
            batch = []
    Finding.objects.bulk_create(batch)
    log(f"built {args.findings} findings in {time.perf_counter() - started:.1f} s")
    _analyze()
    return _counts()


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _counts() -> dict[str, int]:
    from compliance.models import Finding
    from projects.models import Project

    return {
        "projects": Project.objects.count(),
        "findings": Finding.objects.count(),
        "open_findings": Finding.objects.filter(status="open").count(),
    }


def reviewer_client() -> Any:
    from django.contrib.auth.models import Group, User
    from django.test import Client

    from projects.access import REVIEWER

    user, _ = User.objects.get_or_create(username="web_bench_reviewer")
    user.groups.add(Group.objects.get_or_create(name=REVIEWER)[0])
    client = Client()
    client.force_login(user)
    return client


def timed_get(client: Any, path: str) -> tuple[float, Any]:
    started = time.perf_counter()
    response = client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"GET {path} answered {response.status_code}")
    return elapsed, response


def median_ms(fn: Callable[[], float], runs: int, warmup: int) -> tuple[float, list[float]]:
    for _ in range(warmup):
        fn()
    samples = [fn() for _ in range(runs)]
    return statistics.median(samples), samples


def measure(client: Any, args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def first_page() -> float:
        return timed_get(client, "/findings/")[0]

    first_ms, samples = median_ms(first_page, args.runs, args.warmup)
    with CaptureQueriesContext(connection) as first_queries:
        total_ms = timed_get(client, "/findings/")[0]
    sql = sorted(
        ((float(q["time"]) * 1000, q["sql"]) for q in first_queries.captured_queries),
        reverse=True,
    )
    breakdown = {
        "total_ms": round(total_ms, 1),
        "sql_ms": round(sum(ms for ms, _ in sql), 1),
        "slowest_sql": [{"ms": round(ms, 1), "sql": text[:300]} for ms, text in sql[:3]],
    }
    sizes: dict[str, dict[str, Any]] = {}
    for size in PAGE_SIZES:
        path = f"/findings/?per_page={size}"
        with CaptureQueriesContext(connection) as queries:
            _ms, response = timed_get(client, path)
        # counted now: the next request's request_started signal empties the query log
        n_queries = len(queries)
        rows = len(set(FINDING_ROW.findall(response.content.decode())))
        ms, _ = median_ms(lambda p=path: timed_get(client, p)[0], args.runs, 1)
        sizes[str(size)] = {
            "queries": n_queries,
            "median_ms": round(ms, 1),
            "rows_shown": rows,
            "honoured": rows == size,
        }
    counts = [s["queries"] for s in sizes.values()]
    return {
        "first_page_median_ms": round(first_ms, 1),
        "first_page_samples_ms": [round(s, 1) for s in samples],
        "first_page_breakdown": breakdown,
        "per_page": sizes,
        "per_page_honoured": all(s["honoured"] for s in sizes.values()),
        "queries_constant": len(set(counts)) == 1,
    }


def report(database: str, counts: dict[str, int], result: dict[str, Any]) -> dict[str, Any]:
    print(f"database        {database}")
    print(
        f"data            {counts['findings']} findings ({counts['open_findings']} open) "
        f"over {counts['projects']} projects"
    )
    print(
        f"first page      median {result['first_page_median_ms']} ms "
        f"(samples {result['first_page_samples_ms']}); goal < {GOAL_MS:.0f} ms"
    )
    b = result["first_page_breakdown"]
    print(f"  one request   {b['total_ms']} ms, of which SQL {b['sql_ms']} ms; slowest SQL:")
    for q in b["slowest_sql"]:
        print(f"    {q['ms']:>7} ms  {q['sql'][:140]}")
    print("per_page        queries  median ms  rows shown")
    for size, s in result["per_page"].items():
        note = "" if s["honoured"] else "  (per_page ignored: page size unchanged)"
        print(
            f"  {size:>4}          {s['queries']:>5}  {s['median_ms']:>9}  "
            f"{s['rows_shown']:>10}{note}"
        )
    goals = {
        "first_page_under_300ms": result["first_page_median_ms"] < GOAL_MS,
        "queries_constant_across_page_sizes": result["queries_constant"],
    }
    for goal, met in goals.items():
        print(f"goal {goal:<36} {'met' if met else 'NOT met'}")
    load = [round(x, 2) for x in os.getloadavg()]
    print(f"machine         {os.cpu_count()} CPUs, load average {load} (timings scale with load)")
    return {
        "bench": "web",
        "database": database,
        **counts,
        **result,
        "goals": goals,
        "cpus": os.cpu_count(),
        "load_average": load,
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="grantcheck-web-") as tmp:
        database = prepare_database(args, tmp)
        import django

        django.setup()
        counts = build(args)
        result = measure(reviewer_client(), args)
        out = report(database, counts, result)
        from django.db import connections

        connections.close_all()
    print(json.dumps(out, sort_keys=True))
    return 0 if all(out["goals"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
