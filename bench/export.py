"""Benchmark: a 1,000,000-finding CSV export — time and peak memory (goal: under 200 MB).

Builds (once) a synthetic findings table in its own PostgreSQL database with COPY, then runs
`manage.py export_report findings --format csv` in a child process and reads the child's peak
resident memory from the kernel. Prints the figures and, last, one JSON line.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/grantcheck .venv/bin/python bench/export.py
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _bench_url(base: str, name: str) -> str:
    parts = urlparse(base)
    return urlunparse(parts._replace(path=f"/{name}"))


def _ensure_database(base_url: str, name: str) -> None:
    import psycopg

    parts = urlparse(base_url)
    admin = urlunparse(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def build(findings: int, projects: int, seed: int) -> float:
    """Create the portfolio skeleton and COPY the findings; returns seconds spent."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from compliance.models import Finding
    from projects.models import Organisation, Person, Project, Tie
    from rules.models import Rule, RulePack, RuleVersion, Scenario

    call_command("migrate", verbosity=0)
    if Finding.objects.count() == findings:
        return 0.0
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE compliance_finding, compliance_historicalfinding CASCADE")
    pack, _ = RulePack.objects.get_or_create(code="bench", defaults={"title": "Bench"})
    rule, _ = Rule.objects.get_or_create(key="RB", defaults={"pack": pack, "title": "Bench rule"})
    version = RuleVersion.objects.filter(rule=rule).first() or RuleVersion.objects.create(
        rule=rule, number=1, content={"id": "RB"}, content_hash="b" * 64, status="published"
    )
    scenario, _ = Scenario.objects.get_or_create(code="bench", defaults={"name": "Bench"})
    rng = random.Random(seed)
    if Project.objects.count() < projects:
        Project.objects.bulk_create(
            [
                Project(
                    sponsor=rng.choice(["NSF", "NIH", "DOD", "DOE"]),
                    award_number=f"B-{i:07d}",
                    title=f"Bench project {i}",
                    amount_usd=rng.randint(50, 5000) * 1000,
                    department=f"Dept {i % 40}",
                )
                for i in range(projects)
            ],
            batch_size=5000,
        )
    person, _ = Person.objects.get_or_create(email="bench@univ.edu", defaults={"name": "Bench PI"})
    org, _ = Organisation.objects.get_or_create(
        normalized_name="harbin institute of technology",
        country="CN",
        defaults={"name": "Harbin Institute of Technology"},
    )
    tie = Tie.objects.filter(person=person).first() or Tie.objects.create(
        person=person, organisation=org, kind="visiting_at"
    )
    project_ids = list(Project.objects.values_list("pk", flat=True))
    now = datetime.now(UTC)
    severities = ["block", "high", "medium", "low", "info"]
    with (
        connection.cursor() as cursor,
        cursor.connection.cursor().copy(
            "COPY compliance_finding (scenario_id, rule_id, rule_version_id, project_id, subject, "
            "person_id, tie_id, match_score, severity, held_for_review, trace, explanation, "
            "remediation, amount_usd, status, review_status, first_seen, last_confirmed) FROM STDIN"
        ) as copy,
    ):
        for i in range(findings):
            pid = project_ids[i % len(project_ids)]
            copy.write_row(
                (
                    scenario.pk,
                    rule.pk,
                    version.pk,
                    pid,
                    f"tie:{i}",
                    person.pk,
                    tie.pk,
                    round(rng.uniform(0.88, 1.0), 4),
                    rng.choice(severities),
                    False,
                    "[]",
                    f"Tie {i}: visiting appointment at Harbin Institute of Technology (DOD1286 "
                    f"entry 'Harbin Institute of Technology'; match 0.98), 2022-09-01 to "
                    f"2023-06-30, within the 5-year look-back ending 2026-11-28.",
                    "Mitigation plan.",
                    rng.randint(50, 5000) * 1000,
                    "open",
                    "new",
                    now - timedelta(days=i % 400),
                    now,
                )
            )
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--findings", type=int, default=1_000_000)
    parser.add_argument("--projects", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database", default="grantcheck_bench_export")
    parser.add_argument("--output", type=Path, default=Path("/tmp/grantcheck-bench-export.csv"))
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        print("bench/export.py needs DATABASE_URL pointing at PostgreSQL", file=sys.stderr)
        return 2
    _ensure_database(base, args.database)
    url = _bench_url(base, args.database)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    build_seconds = build(args.findings, args.projects, args.seed)

    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "export_report",
            "findings",
            "--format",
            "csv",
            "--output",
            str(args.output),
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if result.returncode != 0:
        print(result.stderr, file=sys.stderr)
        return 1
    manifest = json.loads(Path(str(args.output) + ".manifest.json").read_text())
    # rows in the file (the manifest counts them per scenario; the benchmark needs the file's)
    rows = sum(manifest["row_counts"].values())
    size_mb = args.output.stat().st_size / 1e6
    figures = {
        "findings": rows,
        "build_seconds": round(build_seconds, 1),
        "export_seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
        "file_mb": round(size_mb, 1),
        "peak_rss_mb": round(peak_mb, 1),
        "peak_rss_goal_mb": 200,
        "goal_met": peak_mb < 200 and rows == args.findings,
        "earlier_children_peak_mb": round(before / 1024, 1),
    }
    print(f"exported {rows:,} findings in {seconds:.1f} s ({figures['rows_per_second']:,} rows/s),")
    print(f"file {size_mb:.0f} MB, export process peak memory {peak_mb:.0f} MB (goal < 200 MB)")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
