"""Re-check benchmark: a full re-check, a one-rule change, a naive loop and the SQL floor.

Builds a deterministic synthetic portfolio in its own PostgreSQL database (default
``grantcheck_bench``; the name must contain "bench", it is dropped and re-created when the
portfolio is rebuilt) and prints, side by side from one run:

(a) a full re-check of every scenario (``recheck_request(scope_key="all")``) executed by a real
    ``celery -A config worker --concurrency=W`` subprocess on Redis, timed from the request
    until the run is done;
(b) a one-rule change: ``pack_parameter_set(r07_lookback_years: 5 -> 3)``, whose ``rules_changed``
    signal creates a scoped run (scope key "rules:R07") after commit; timed from the call
    until that run is done;
(c) the naive baseline on a sample: per project, separate ORM queries for its project, roles,
    ties, people, organisations, list matches and field tags, ``ProjectFacts`` built by hand,
    every scenario evaluated with the same compiled scenario, findings written one by one with
    ``update_or_create`` keyed like ``Finding``'s unique constraint; extrapolated to all projects;
(d) the floor: the SQL statements of ``rules.facts.project_facts_build`` for all projects
    in one pass (every fact delivered once), raw cursor, every row fetched, one process.
    Beside it, for information: the same pass delivering only the ties a full re-check asks
    the database for (``TieFilter.narrowing``: the others no rule can use).

(a) runs on an empty findings table (every finding new: insert, history, audit event): the
goal is judged on it. A second full re-check follows with every finding in place, as the nightly
run finds them (each confirmed unchanged), reported beside it with its own ratio to (d);
--no-warm skips it. After each
full re-check an md5 digest of every finding (identity and content) is reported: two code
versions that find the same things report the same digest for the same portfolio.
--build-only builds (or, with --reuse, keeps) the portfolio and stops.

Each measured phase ((d), (a), the nightly run, (b)) starts after a CHECKPOINT, so that it does
not pay for writing out what the build or the phase before it left dirty; its own writes, and
the checkpoints they bring about, count.

Also: peak worker memory (VmHWM of the worker and its pool children, sampled while it runs),
the goals (a) <= 10x (d), (b) <= 2x (d), (c) >= 50x (a), and as the LAST line one JSON object.

The bench runs with DEBUG off (production-like: no query log) and CELERY_TASK_ALWAYS_EAGER off,
on a dedicated Celery queue that is purged at start. Findings (with their history, decisions and
audit events) and re-check runs are emptied at the start of every run, and r07_lookback_years
is reset to 5, so runs are comparable.

Usage:
  .venv/bin/python bench/recheck.py [--projects 100000] [--seed 1] [--workers 2]
      [--chunk-size 2000] [--sample 2000] [--reuse] [--no-warm] [--database grantcheck_bench]
      [--postgres postgresql://postgres@127.0.0.1:5432] [--redis redis://127.0.0.1:6379/15]

Exit status: 0 when every run finished done without errors (goals met or not), 1 when a run
failed or timed out, 2 when PostgreSQL or Redis is unreachable or an option is invalid.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

REPO = Path(__file__).resolve().parent.parent
for _path in (REPO, REPO / "bench"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

MARKER_TABLE = "bench_recheck_marker"
GOAL_A_OVER_D = 10.0
GOAL_B_OVER_D = 2.0
GOAL_C_OVER_A = 50.0


def log(message: str) -> None:
    print(f"[recheck {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class BenchError(Exception):
    """A measurement could not be completed (exit status 1)."""


def refuse(message: str) -> NoReturn:
    """Stop before measuring anything (exit status 2)."""
    print(f"recheck bench: {message}", file=sys.stderr)
    sys.exit(2)


# --- preflight and database (before Django is set up) -------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--projects", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--workers", type=int, default=2, help="worker --concurrency")
    p.add_argument("--chunk-size", type=int, default=2000, help="RECHECK_CHUNK_SIZE")
    p.add_argument(
        "--sample", type=int, default=2000, help="projects in the naive sample (0: skip (c))"
    )
    p.add_argument("--reuse", action="store_true", help="keep a portfolio with the same N/seed")
    p.add_argument(
        "--no-warm",
        dest="warm",
        action="store_false",
        help="skip the second full re-check (findings in place, as nightly)",
    )
    p.add_argument("--warm", action="store_true", help=argparse.SUPPRESS)  # the default now
    p.add_argument(
        "--build-only", action="store_true", help="build (or reuse) the portfolio, then stop"
    )
    p.add_argument(
        "--chunked-floor",
        action="store_true",
        help="also time the floor SQL chunk by chunk (information only; takes minutes at 100k)",
    )
    p.add_argument("--database", default="grantcheck_bench")
    p.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    # Its own Redis database: a FLUSHDB elsewhere (e.g. a test's cache.clear() on db 0, which the
    # cache shares with the broker) would otherwise drop the bench's queued chunks.
    p.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    p.add_argument("--queue", default="", help="Celery queue (default grantcheck-bench-<pid>)")
    p.add_argument("--timeout", type=float, default=7200, help="seconds to wait for a run")
    p.add_argument(
        "--stall", type=float, default=300, help="give up after this long without progress"
    )
    args = p.parse_args(argv)
    if "bench" not in args.database:
        p.error("--database must contain 'bench' (it is dropped and re-created on rebuild)")
    if not args.database.replace("_", "").isalnum():
        p.error("--database: letters, digits and underscores only")
    if args.projects < 10 or args.workers < 1 or args.chunk_size < 1 or args.sample < 0:
        p.error("--projects >= 10, --workers, --chunk-size >= 1, --sample >= 0")
    args.queue = args.queue or f"grantcheck-bench-{os.getpid()}"
    return args


def preflight(args: argparse.Namespace) -> None:
    """Refuse (exit 2) when PostgreSQL or Redis cannot be reached."""
    import psycopg
    import redis

    try:
        with psycopg.connect(f"{args.postgres}/postgres", connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        refuse(f"PostgreSQL unreachable at {args.postgres}: {exc}".strip())
    try:
        redis.Redis.from_url(args.redis, socket_connect_timeout=5).ping()
    except redis.RedisError as exc:
        refuse(f"Redis unreachable at {args.redis}: {exc}")


def existing_marker(args: argparse.Namespace) -> dict[str, Any] | None:
    """The marker row of the bench database, if it exists (None when absent)."""
    import psycopg

    try:
        with psycopg.connect(f"{args.postgres}/{args.database}", connect_timeout=5) as conn:
            row = conn.execute(f"SELECT to_regclass('{MARKER_TABLE}') IS NOT NULL").fetchone()
            if not row or not row[0]:
                return None
            found = conn.execute(f"SELECT info FROM {MARKER_TABLE} LIMIT 1").fetchone()
            return dict(found[0]) if found else None
    except psycopg.OperationalError:
        return None


def recreate_database(args: argparse.Namespace) -> None:
    import psycopg

    with psycopg.connect(f"{args.postgres}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{args.database}"')


def bench_environment(args: argparse.Namespace) -> dict[str, str]:
    """Environment shared by this process and the worker; set before django.setup()."""
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"{args.postgres}/{args.database}",
        "REDIS_URL": args.redis,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "RECHECK_CHUNK_SIZE": str(args.chunk_size),
        "RECHECK_PARALLELISM": str(args.workers),
        "RECHECK_CHUNK_PAUSE_SECONDS": "0",
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": os.environ.get("ALLOWED_HOSTS") or "localhost",
        "PORTAL_BASE_URL": os.environ.get("PORTAL_BASE_URL") or "http://localhost",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
    }


# --- worker process and its memory --------------------------------------------------------


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text()
            out += [int(c) for c in text.split()]
    except OSError:
        pass
    return out


def _vm_hwm_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class MemoryMonitor(threading.Thread):
    """Samples VmHWM (peak RSS) of a process tree every half second."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peaks: dict[int, int] = {}
        self._halt = threading.Event()

    def sample(self) -> None:
        todo, seen = [self.pid], set()
        while todo:
            pid = todo.pop()
            if pid in seen:
                continue
            seen.add(pid)
            kb = _vm_hwm_kb(pid)
            if kb:
                self.peaks[pid] = max(self.peaks.get(pid, 0), kb)
            todo += _children(pid)

    def run(self) -> None:
        while not self._halt.wait(0.5):
            self.sample()

    def stop(self) -> None:
        self.sample()
        self._halt.set()
        self.join(timeout=5)

    @property
    def max_mb(self) -> float:
        return max(self.peaks.values(), default=0) / 1024

    @property
    def sum_mb(self) -> float:
        return sum(self.peaks.values()) / 1024


class Worker:
    """A real `celery -A config worker` subprocess on the bench queue."""

    def __init__(self, args: argparse.Namespace, env: dict[str, str]) -> None:
        self.args = args
        self.env = {**os.environ, **env}
        fd, name = tempfile.mkstemp(prefix="grantcheck-bench-worker-", suffix=".log")
        os.close(fd)
        self.log_path = Path(name)
        self.proc: subprocess.Popen[bytes] | None = None
        self.monitor: MemoryMonitor | None = None

    def start(self, app: Any) -> float:
        started = time.perf_counter()
        with self.log_path.open("wb") as out:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    f"--concurrency={self.args.workers}",
                    "--pool=prefork",
                    "-Q",
                    self.args.queue,
                    "--loglevel=WARNING",
                    f"--hostname=bench-{os.getpid()}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
                cwd=REPO,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.monitor = MemoryMonitor(self.proc.pid)
        self.monitor.start()
        result = app.send_task("grantcheck.ping", queue=self.args.queue)
        try:
            if result.get(timeout=120) != "pong":
                raise BenchError("worker answered the ping wrongly")
        except Exception as exc:
            self.stop()
            raise BenchError(f"worker did not start ({exc}); log: {self.log_path}") from exc
        return time.perf_counter() - started

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.monitor is not None:
            try:
                self.monitor.stop()
            except Exception as exc:  # never leave the worker running
                log(f"memory monitor: {exc}")
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)  # warm shutdown
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)  # our own session, started above
            self.proc.wait(timeout=30)


# --- the benchmark (Django set up) --------------------------------------------------------


@dataclass
class Report:
    figures: dict[str, Any] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def __setitem__(self, key: str, value: Any) -> None:
        self.figures[key] = value

    def __getitem__(self, key: str) -> Any:
        return self.figures[key]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def build_portfolio(args: argparse.Namespace) -> dict[str, Any]:
    """Reference data, organisations, screening, then people/projects/roles/ties/tags."""
    from _synthetic import GENERATOR_VERSION, Portfolio, listed_organisations
    from django.db import connection

    from rules.models import OrganisationMatch
    from rules.services.lists import list_import
    from rules.services.rulepacks import rules_load
    from rules.services.screening import organisations_screen

    seconds: dict[str, float] = {}
    seeds = REPO / "seeds"
    seconds["reference_data"], _ = timed(
        lambda: (
            list_import(fmt="grantcheck-yaml", path=seeds / "lists"),
            rules_load(directory=seeds / "rules"),
        )
    )
    portfolio = Portfolio(
        projects=args.projects, seed=args.seed, listed=listed_organisations(seeds / "lists")
    )
    connection.ensure_connection()
    raw = connection.connection  # the psycopg 3 connection (autocommit: each COPY commits)
    with raw.cursor() as cursor:
        portfolio.write_organisations(cursor)
    log(f"{portfolio.counts.organisations:,} organisations written; screening them")
    # Screening before any tie exists: its organisations_rescreened signal finds no project.
    seconds["screening"], screening_run = timed(lambda: organisations_screen(trigger="bench"))
    log(f"screening done in {seconds['screening']:.1f} s; writing the portfolio")
    with raw.cursor() as cursor:
        portfolio.write_portfolio(cursor)
    seconds["vacuum_analyze"], _ = timed(lambda: connection.cursor().execute("VACUUM ANALYZE"))
    counts = portfolio.counts.as_dict()
    info = {
        "version": GENERATOR_VERSION,
        "projects": args.projects,
        "seed": args.seed,
        "counts": {k: v for k, v in counts.items() if k != "seconds"},
        "matches": OrganisationMatch.objects.filter(active=True).count(),
        "matches_accept": OrganisationMatch.objects.filter(active=True, decision="accept").count(),
        "screening_organisations": screening_run.organisations,
        "seconds": {**seconds, **{f"copy_{k}": v for k, v in counts["seconds"].items()}},
    }
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {MARKER_TABLE} (info jsonb NOT NULL)")
        cursor.execute(f"INSERT INTO {MARKER_TABLE} (info) VALUES (%s)", [json.dumps(info)])
    return info


RESET_MODELS = (
    "compliance.Finding",
    "compliance.HistoricalFinding",
    "compliance.FindingDecision",
    "compliance.RecheckChunk",
    "compliance.RecheckRun",
    "compliance.AuditEvent",
)


def reset_state(args: argparse.Namespace, app: Any) -> None:
    """Empty findings (and their history and audit events) and runs, r07_lookback_years back
    to 5 (no signal), purge the queue: every run starts from the same state."""
    from django.apps import apps
    from django.db import connection

    from rules.models import PackParameter

    tables = []
    for label in RESET_MODELS:
        try:
            tables.append(apps.get_model(label)._meta.db_table)
        except LookupError:
            continue
    with connection.cursor() as cursor:
        # The audit table refuses TRUNCATE (compliance.0014); this throwaway database's owner
        # switches the guard off for the reset, as only an owner can.
        cursor.execute("ALTER TABLE compliance_auditevent DISABLE TRIGGER auditevent_no_truncate")
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        cursor.execute("ALTER TABLE compliance_auditevent ENABLE TRIGGER auditevent_no_truncate")
        for table in tables:
            cursor.execute(f"ANALYZE {table}")
    PackParameter.objects.filter(name="r07_lookback_years").update(value=5)
    with app.connection_for_write() as conn:
        purged = conn.default_channel.queue_purge(args.queue) or 0
    log(f"state reset; {purged} stale message(s) purged from {args.queue}")


# --- (d) the floor ------------------------------------------------------------------------


def facts_querysets(
    step: str,
    ids: Sequence[int],
    people: Iterable[int],
    orgs: Iterable[int],
    narrowing: Any = None,
) -> Any:
    """The querysets of rules.facts.project_facts_build, step by step (the same code)."""
    from rules import facts, facts_people

    if step == "projects":
        return facts.projects_qs(ids)
    if step == "roles":
        return facts.roles_qs(ids)
    if step == "ties":
        return facts.ties_qs(list(people), ids, narrowing)
    if step == "matches":
        return facts.matches_qs(orgs)
    if step == "organisations":
        return facts.organisations_qs(orgs)
    if step == "people":
        return facts.people_qs(people)
    if step == "tags":
        return facts.tags_qs(ids)
    if step == "trainings":
        return facts_people.trainings_qs(people)
    if step == "trips":
        return facts_people.trips_qs(people)
    if step == "certifications":
        return facts_people.certifications_qs(ids)
    if step.startswith("records:"):
        return facts_people.records_qs(step.split(":", 1)[1])
    if step in ("institution", "equipment", "components", "patents"):
        from rules import facts_items

        if step == "institution":
            return facts_items.institution_qs()
        if step == "patents":
            return facts_items.patents_qs(ids, set(people))
        return getattr(facts_items, f"{step}_qs")(ids)
    raise KeyError(step)


def _fetch_all(cursor: Any, qs: Any, *columns: str) -> tuple[int, list[list[Any]]]:
    """Execute the queryset's SQL on a raw cursor, fetch every row; collect some columns."""
    sql, params = qs.query.sql_with_params()
    cursor.execute(sql, params)
    names = [d.name for d in cursor.description]
    indexes = [names.index(column) for column in columns]
    rows, collected = 0, [[] for _ in columns]  # type: ignore[var-annotated]
    while batch := cursor.fetchmany(20_000):
        rows += len(batch)
        for index, out in zip(indexes, collected, strict=True):
            out += [r[index] for r in batch]
    return rows, collected


def floor_pass(ids: Sequence[int], narrowing: Any = None) -> dict[str, int]:
    """The statements of project_facts_build for these projects (every tie kept, or with a
    tie narrowing only the ties it keeps), on a raw cursor; rows fetched per query."""
    from django.db import connection

    rows: dict[str, int] = {}
    with connection.cursor() as cursor:
        rows["projects"], (project_ids,) = _fetch_all(
            cursor, facts_querysets("projects", ids, [], []), "id"
        )
        if not project_ids:
            return rows
        rows["roles"], (people,) = _fetch_all(
            cursor, facts_querysets("roles", project_ids, [], []), "person_id"
        )
        rows["ties"], (orgs, tie_people) = _fetch_all(
            cursor,
            facts_querysets("ties", project_ids, set(people), [], narrowing),
            "organisation_id",
            "person_id",
        )
        rows["matches"], _ = _fetch_all(cursor, facts_querysets("matches", [], [], set(orgs)))
        rows["organisations"], _ = _fetch_all(
            cursor, facts_querysets("organisations", [], [], set(orgs))
        )
        everyone = set(people) | set(tie_people)
        if everyone:
            rows["people"], _ = _fetch_all(cursor, facts_querysets("people", [], everyone, []))
            for step in ("trainings", "trips"):
                rows[step], _ = _fetch_all(cursor, facts_querysets(step, [], everyone, []))
        rows["certifications"], _ = _fetch_all(
            cursor, facts_querysets("certifications", project_ids, [], [])
        )
        for kind in ("training", "certifications", "travel"):
            _fetch_all(cursor, facts_querysets(f"records:{kind}", [], [], []))
        rows["tags"], _ = _fetch_all(cursor, facts_querysets("tags", project_ids, [], []))
        # the facts beyond ties (rules.facts_items): none in the synthetic portfolio
        for step in ("institution", "equipment", "components", "patents"):
            rows[step], _ = _fetch_all(cursor, facts_querysets(step, project_ids, people, []))
    return rows


def floor_sql_matches_selector(ids: Sequence[int]) -> bool:
    """True when project_facts_build issues exactly the statements the floor runs."""
    from django.db import connection

    from rules.facts import project_facts_build

    selector: list[str] = []
    floor: list[str] = []
    with connection.execute_wrapper(_collector(selector)):
        project_facts_build(list(ids))
    with connection.execute_wrapper(_collector(floor)):
        floor_pass(ids)
    return bool(selector) and selector == floor


def _collector(out: list[str]) -> Callable[..., Any]:
    def capture(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        out.append(sql)
        return execute(sql, params, many, context)

    return capture


def full_run_narrowing() -> Any:
    """The tie narrowing of a full re-check (every scenario, every rule): the ties the
    workers ask the database for."""
    from compliance.services.recheck_compile import scenarios_compiled
    from rules.models import Scenario

    _s, _c, tie_filter = scenarios_compiled(list(Scenario.objects.values_list("code", flat=True)))
    return tie_filter.narrowing if tie_filter is not None else None


def measure_floor(ids: list[int], chunk_size: int, report: Report, chunked: bool) -> None:
    report["floor_sql_matches_selector"] = floor_sql_matches_selector(ids[:50])
    passes = []
    for _ in range(2):  # the floor is a best case: the better of two passes
        seconds, rows = timed(lambda: floor_pass(ids))
        passes.append(seconds)
    report["d_s"] = min(passes)
    report["d_passes_s"] = [round(s, 3) for s in passes]
    report["d_rows"] = rows
    # Information: the same pass delivering only the ties a full re-check asks for (the
    # others no rule can use; see TieFilter.narrowing). The goals use the floor above.
    narrowing = full_run_narrowing()
    passes = [timed(lambda: floor_pass(ids, narrowing)) for _ in range(2)]
    report["d_narrowed_s"] = min(seconds for seconds, _rows in passes)
    report["d_narrowed_rows"] = passes[0][1]
    if chunked:
        measure_chunked_floor(ids, chunk_size, report)


def measure_chunked_floor(ids: list[int], chunk_size: int, report: Report) -> None:
    # Information only: the same statements chunk by chunk, as the workers issue them once
    # per chunk (ties of people on several chunks are delivered more than once).
    chunked_rows: dict[str, int] = {}

    def chunked() -> None:
        for i in range(0, len(ids), chunk_size):
            for key, value in floor_pass(ids[i : i + chunk_size]).items():
                chunked_rows[key] = chunked_rows.get(key, 0) + value

    report["d_chunked_s"], _ = timed(chunked)
    report["d_chunked_rows"] = chunked_rows


# --- (a) and (b): re-check runs through the worker ----------------------------------------


def queued_messages(app: Any, queue: str) -> int:
    with app.connection_for_write() as conn:
        return int(conn.default_channel.client.llen(queue))


def wait_for_run(
    run_id: int, worker: Worker, args: argparse.Namespace, app: Any, label: str
) -> dict[str, Any]:
    from compliance.models import RecheckRun

    deadline = time.monotonic() + args.timeout
    last_note = last_progress = time.monotonic()
    done = -1
    while True:
        run = RecheckRun.objects.values().get(pk=run_id)
        if run["status"] in (RecheckRun.Status.DONE, RecheckRun.Status.FAILED):
            return run
        if run["status"] == RecheckRun.Status.SUPERSEDED:
            raise BenchError(f"{label}: run {run_id} was superseded")
        if not worker.alive():
            raise BenchError(f"{label}: the worker exited; log: {worker.log_path}")
        now = time.monotonic()
        if now > deadline:
            raise BenchError(f"{label}: run {run_id} not done after {args.timeout:.0f} s")
        if run["chunks_done"] != done:
            done, last_progress = run["chunks_done"], now
        elif now - last_progress > args.stall:
            raise BenchError(
                f"{label}: run {run_id} made no progress for {args.stall:.0f} s at "
                f"{done}/{run['chunks_total']} chunks; {queued_messages(app, args.queue)} "
                f"message(s) waiting in {args.queue}, not counting the worker's unacknowledged "
                f"ones (none at all: the messages were lost, e.g. to a FLUSHDB)"
            )
        if now - last_note > 15:
            log(f"{label}: {run['chunks_done']}/{run['chunks_total']} chunks")
            last_note = now
        time.sleep(0.1)


def check_run(run: dict[str, Any], label: str, report: Report) -> None:
    if run["status"] != "done" or run["errors"]:
        report.failures.append(
            f"{label}: run {run['id']} ended {run['status']} with {run['errors']} error(s): "
            f"{json.dumps(run['error_log'])[:2000]}"
        )


def run_summary(run: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "id",
        "status",
        "scope_key",
        "projects_planned",
        "projects_checked",
        "chunks_total",
        "findings_new",
        "findings_unchanged",
        "findings_changed",
        "findings_resolved",
        "errors",
    )
    out = {k: run[k] for k in keys}
    out["scenarios"] = len(run["scenarios"])
    if run["started_at"] and run["finished_at"]:
        out["db_seconds"] = round((run["finished_at"] - run["started_at"]).total_seconds(), 3)
    return out


def measure_full(
    args: argparse.Namespace, worker: Worker, app: Any, report: Report, key: str = "a"
) -> None:
    """A full re-check; key "a" on an empty findings table, "a_warm" with every finding in place."""
    from compliance.services.recheck import recheck_request

    log(f"({key}) full re-check requested")
    start = time.perf_counter()
    run = recheck_request(trigger=f"bench: full re-check ({key})", scope_key="all")
    run_dict = wait_for_run(run.pk, worker, args, app, f"({key})")
    report[f"{key}_s"] = time.perf_counter() - start
    report[f"{key}_run"] = run_summary(run_dict)
    report[f"{key}_findings_digest"] = findings_digest()
    check_run(run_dict, f"({key})", report)
    if key == "a":
        measure_tie_rows(run.pk, args.chunk_size, report)


def tie_rows(chunks: Iterable[Sequence[int]]) -> int:
    """Tie rows the workers' facts query delivers for these chunks (a person's ties come
    once per chunk holding one of their projects; only the ties a full re-check asks for)."""
    from projects.models import Role
    from rules.facts import ties_qs

    narrowing = full_run_narrowing()
    total = 0
    for ids in chunks:
        people = set(Role.objects.filter(project_id__in=ids).values_list("person_id", flat=True))
        total += ties_qs(list(people), ids, narrowing).count()
    return total


def measure_tie_rows(run_id: int, chunk_size: int, report: Report) -> None:
    """Tie rows per full run: as fetched (the workers' tie caches), and without caches as the
    run was chunked and with plain slices in id order."""
    from compliance.models import RecheckChunk

    rows = list(
        RecheckChunk.objects.filter(run_id=run_id)
        .order_by("index")
        .values_list("project_ids", "counts")
    )
    chunks = [project_ids for project_ids, _counts in rows]
    ids = sorted(pk for c in chunks for pk in c)
    report["a_tie_rows"] = sum(counts.get("tie_rows", 0) for _ids, counts in rows)
    report["a_tie_rows_uncached"] = tie_rows(chunks)
    report["a_tie_rows_by_id"] = tie_rows(
        ids[i : i + chunk_size] for i in range(0, len(ids), chunk_size)
    )


def findings_digest() -> str:
    """md5 over every finding's identity and content, in a fixed order: two code versions that
    produce the same findings produce the same digest."""
    from django.db import connection

    sql = """
        SELECT md5(coalesce(string_agg(
            concat_ws('|', s.code, r.key, f.project_id, f.subject, f.status, f.severity,
                      f.held_for_review, f.person_id, f.tie_id, f.list_entry_id, f.match_score,
                      f.explanation, f.remediation, f.amount_usd, f.trace::text),
            E'\\n' ORDER BY s.code, r.key, f.project_id, f.subject), ''))
        FROM compliance_finding f
        JOIN rules_scenario s ON s.id = f.scenario_id
        JOIN rules_rule r ON r.id = f.rule_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return str(cursor.fetchone()[0])


def measure_rule_change(args: argparse.Namespace, worker: Worker, app: Any, report: Report) -> None:
    from compliance.models import RecheckRun
    from rules.models import PackParameter
    from rules.services.rulepacks import pack_parameter_set

    before = RecheckRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    parameter = PackParameter.objects.get(name="r07_lookback_years")
    log("(b) r07_lookback_years 5 -> 3")
    start = time.perf_counter()
    pack_parameter_set(parameter=parameter, value=3)
    report["b_request_s"] = time.perf_counter() - start  # scope + run creation (after commit)
    run = RecheckRun.objects.filter(pk__gt=before, scope_key="rules:R07").order_by("-pk").first()
    if run is None:
        raise BenchError("(b): pack_parameter_set created no 'rules:R07' run")
    run_dict = wait_for_run(run.pk, worker, args, app, "(b)")
    report["b_s"] = time.perf_counter() - start
    report["b_run"] = run_summary(run_dict)
    check_run(run_dict, "(b)", report)
    others = RecheckRun.objects.filter(pk__gt=before).exclude(pk=run.pk).count()
    report["b_other_runs"] = others


# --- (c) the naive baseline ---------------------------------------------------------------


def naive_facts(project_id: int, tag_threshold: float) -> Any:
    """Facts for one project with separate ORM queries (same shape as rules.facts)."""
    from django.db.models import Q

    from projects.models import FieldTag, Organisation, Person, Project, Role, Tie
    from projects.vocabulary import KEY_ROLES, TIE_KINDS
    from rules.engine import ProjectFacts, TieFacts
    from rules.facts import NO_ROLE, PROJECT_FIELDS
    from rules.facts_people import certifications_index, person_records_attach, records_loaded
    from rules.models import OrganisationMatch

    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        return None
    roles = list(Role.objects.filter(project_id=project_id))
    role_people = [r.person_id for r in roles]
    ties = list(Tie.objects.filter(Q(person_id__in=role_people) | Q(project_id=project_id)))
    people = {
        p.pk: {"id": p.pk, "name": p.name, "department": p.department}
        for p in Person.objects.filter(pk__in=set(role_people) | {t.person_id for t in ties})
    }
    orgs = {
        o.pk: {"id": o.pk, "name": o.name, "country": o.country.code or "", "type": o.type}
        for o in Organisation.objects.filter(pk__in={t.organisation_id for t in ties})
    }
    matches: dict[int, list[dict[str, Any]]] = {}
    for m in (
        OrganisationMatch.objects.filter(organisation_id__in=list(orgs), active=True)
        .exclude(review_status=OrganisationMatch.Review.REJECTED)
        .select_related("reference_list", "entry")
    ):
        matches.setdefault(m.organisation_id, []).append(
            {
                "list": m.reference_list.code,
                "score": m.score,
                "decision": m.decision,
                "confirmed": m.review_status == OrganisationMatch.Review.CONFIRMED,
                "method": m.method,
                "alias": m.alias,
                "entry_id": m.entry_id,
                "entry_name": m.entry.primary_name,
                "listed_on": m.entry.listed_on,
                "delisted_on": m.entry.delisted_on,
                "rating": (m.entry.raw or {}).get("rating") or "",
            }
        )
    tags = frozenset(
        FieldTag.objects.filter(
            project_id=project_id, suppressed=False, confidence__gte=tag_threshold
        ).values_list("area", flat=True)
    )
    person_records_attach(people, list(people))
    certified = certifications_index([project_id])
    role_of = {
        r.person_id: {
            "role": r.role,
            "is_key": r.role in KEY_ROLES,
            "joined_on": r.joined_on,
            "certified_on": certified.get((project_id, r.person_id)),
        }
        for r in roles
    }
    tie_facts = []
    for t in ties:
        kind = TIE_KINDS[t.kind].label.lower() if t.kind in TIE_KINDS else t.kind
        tie_facts.append(
            TieFacts(
                tie={
                    "id": t.pk,
                    "kind": t.kind,
                    "kind_label": kind,
                    "start_date": t.start_date,
                    "end_date": t.end_date,
                    "compensated": t.compensated,
                    "source": t.source,
                    "disclosed_in": frozenset(t.disclosed_in or ()),
                    "project_id": t.project_id,
                },
                org=orgs[t.organisation_id],
                person=people[t.person_id],
                role=role_of.get(t.person_id, NO_ROLE),
                matches=matches.get(t.organisation_id, []),
            )
        )
    return ProjectFacts(
        project={f: getattr(project, f) for f in PROJECT_FIELDS},
        field={"tags": tags, "sensitive": bool(tags)},
        people=[(people[pid], role) for pid, role in role_of.items()],
        ties=tie_facts,
        records=records_loaded(),
    )


def naive_loop(sample: Sequence[int], today: date) -> dict[str, int]:
    from django.utils import timezone

    from compliance.models import Finding
    from compliance.services.evaluation import finding_values
    from rules.engine import evaluate_project
    from rules.facts import field_tag_threshold
    from rules.models import Rule, Scenario
    from rules.services.rulepacks import scenario_compile

    scenarios = [(s, *scenario_compile(scenario=s)) for s in Scenario.objects.order_by("position")]
    rule_ids = dict(Rule.objects.values_list("key", "pk"))
    threshold = field_tag_threshold()
    counts = {"projects": 0, "findings": 0, "created": 0, "errors": 0}
    for project_id in sample:
        facts = naive_facts(project_id, threshold)
        if facts is None:
            continue
        counts["projects"] += 1
        for scenario, compiled, versions in scenarios:
            seen: set[tuple[int, str]] = set()
            for r in evaluate_project(compiled, facts, today):
                rule_id = rule_ids[r.rule_key]
                if (rule_id, r.subject) in seen:
                    continue
                seen.add((rule_id, r.subject))
                counts["errors"] += int(r.severity == "error")
                _, created = Finding.objects.update_or_create(
                    scenario=scenario,
                    rule_id=rule_id,
                    project_id=r.project_id,
                    subject=r.subject,
                    defaults={
                        **finding_values(r, versions),
                        "status": Finding.Status.OPEN,
                        "resolved_at": None,
                        "resolved_by_run": None,
                        "last_confirmed": timezone.now(),
                        "run": None,
                    },
                )
                counts["findings"] += 1
                counts["created"] += int(created)
    return counts


def naive_matches_bulk(sample: Sequence[int], today: date) -> bool:
    """The naive facts give the same findings as rules.facts.project_facts_build."""
    from rules.engine import evaluate, evaluate_project
    from rules.facts import field_tag_threshold, project_facts_build
    from rules.models import Scenario
    from rules.services.rulepacks import scenario_compile

    def keys(results: Iterable[Any]) -> set[tuple[Any, ...]]:
        return {
            (r.rule_key, r.project_id, r.subject, r.severity, r.held_for_review) for r in results
        }

    threshold = field_tag_threshold()
    naive = [f for f in (naive_facts(pid, threshold) for pid in sample) if f is not None]
    bulk = project_facts_build(list(sample))
    for scenario in Scenario.objects.all():
        compiled, _ = scenario_compile(scenario=scenario)
        mine = keys(r for f in naive for r in evaluate_project(compiled, f, today))
        if mine != keys(evaluate(compiled, bulk, today)):
            return False
    return True


def measure_naive(args: argparse.Namespace, ids: list[int], report: Report) -> None:
    from django.utils import timezone

    k = min(args.sample, len(ids))
    sample = sorted(random.Random(f"{args.seed}:naive").sample(ids, k))
    today = timezone.localdate()
    report["c_matches_bulk"] = naive_matches_bulk(sample[:200], today)
    log(f"(c) naive loop over {k:,} projects")
    seconds, counts = timed(lambda: naive_loop(sample, today))
    report["c_sample"] = k
    report["c_sample_s"] = seconds
    report["c_counts"] = counts
    report["c_s"] = seconds * len(ids) / k
    if counts["errors"]:
        report.failures.append(f"(c): {counts['errors']} rule error(s) in the naive loop")


# --- output ---------------------------------------------------------------------------------


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


def finish(report: Report) -> None:
    f = report.figures
    a, b, c, d = f.get("a_s"), f.get("b_s"), f.get("c_s"), f.get("d_s")
    f["a_over_d"] = _ratio(a, d)
    f["b_over_d"] = _ratio(b, d)
    f["c_over_a"] = _ratio(c, a)
    f["a_warm_over_d"] = _ratio(f.get("a_warm_s"), d)
    f["goal_a_met"] = f["a_over_d"] is not None and f["a_over_d"] <= GOAL_A_OVER_D
    f["goal_b_met"] = f["b_over_d"] is not None and f["b_over_d"] <= GOAL_B_OVER_D
    f["goal_c_met"] = f["c_over_a"] is not None and f["c_over_a"] >= GOAL_C_OVER_A
    f["failures"] = report.failures
    f["load_average_end"] = list(os.getloadavg())


def print_report(report: Report) -> None:
    f = report.figures
    n = f["projects"]
    counts = f["portfolio"]["counts"]

    def row(label: str, seconds: float | None, note: str = "", projects: int | None = None) -> None:
        if seconds is None:
            print(f"  {label:<44} {'-':>10}")
            return
        count = n if projects is None else projects
        rate = f"{count / seconds:>12,.0f}" if seconds else f"{'':>12}"
        print(f"  {label:<44} {seconds:>10.2f} {rate} {note}".rstrip())

    def goal(label: str, value: float | None, target: str, met: bool) -> None:
        shown = f"{value:,.1f}x" if value is not None else "-"
        print(f"  {label:<24} {shown:>10}   goal {target:<8} {'met' if met else 'NOT MET'}")

    print(
        f"grantcheck re-check benchmark: {n:,} projects, seed {f['seed']}, "
        f"{f['workers']} worker process(es), chunk size {f['chunk_size']}"
    )
    print(
        f"portfolio: {counts['people']:,} people, {counts['roles']:,} roles, "
        f"{counts['ties']:,} ties ({counts['ties_to_listed']:,} to listed organisations, "
        f"{counts['ties_project_scoped']:,} project-scoped), {counts['organisations']:,} "
        f"organisations ({counts['listed_organisations']:,} listed), "
        f"{f['portfolio']['matches']:,} list matches, {counts['field_tags']:,} field tags"
        + (" [reused]" if f["reused"] else "")
    )
    print(f"  {'phase':<44} {'seconds':>10} {'projects/s':>12}")
    build = f["portfolio"]["seconds"]
    row("build (lists, rules, generate + COPY, analyze)", f["build_s"], "(not a goal)")
    row("screening (organisations_screen)", build.get("screening"), "(not a goal)")
    row("(d) floor: facts SQL, all projects, 1 pass", f.get("d_s"))
    if "d_narrowed_s" in f:
        row(
            "    (info) only the ties (a) asks for",
            f["d_narrowed_s"],
            f"{f['d_narrowed_rows']['ties']:,} of {f['d_rows']['ties']:,} ties",
        )
    row("    (info) same SQL chunk by chunk", f.get("d_chunked_s"))
    a_run, b_run = f.get("a_run") or {}, f.get("b_run") or {}
    row("(a) full re-check, all scenarios", f.get("a_s"), "(findings table empty: all new)")
    if "a_tie_rows" in f:
        print(
            f"  {'    (info) tie rows fetched by (a)':<44} {f['a_tie_rows']:>10,} "
            f"(uncached: {f['a_tie_rows_uncached']:,} as chunked, "
            f"{f['a_tie_rows_by_id']:,} in id-order slices)"
        )
    if "a_warm_s" in f:
        row("(a) again, findings in place (nightly)", f["a_warm_s"], "(all confirmed unchanged)")
    b_note = f"{b_run.get('projects_planned', 0):,} projects in scope" if b_run else ""
    b_projects = b_run.get("projects_planned") if b_run else None
    row("(b) one-rule change R07 lookback 5 -> 3", f.get("b_s"), b_note, b_projects)
    c_note = (
        f"sample {f['c_sample']:,} in {f['c_sample_s']:.1f} s, extrapolated"
        if "c_sample" in f
        else ""
    )
    row("(c) naive per-project ORM loop", f.get("c_s"), c_note)
    print("ratios and goals:")
    goal("(a) / (d)", f["a_over_d"], "<= 10x", f["goal_a_met"])
    goal("(b) / (d)", f["b_over_d"], "<= 2x", f["goal_b_met"])
    goal("(c) / (a)", f["c_over_a"], ">= 50x", f["goal_c_met"])
    if f.get("a_warm_over_d") is not None:
        ratio = f["a_warm_over_d"]
        print(
            f"  {'(a) again / (d)':<24} {ratio:>9,.1f}x   (information: the nightly run; "
            f"within 10x: {'yes' if ratio <= GOAL_A_OVER_D else 'no'})"
        )
    runs = (("(a)", a_run), ("(a) again", f.get("a_warm_run") or {}), ("(b)", b_run))
    for label, run in runs:
        if run:
            print(
                f"  run {label}: {run['status']}, {run['projects_checked']:,}/"
                f"{run['projects_planned']:,} projects x {run['scenarios']} scenarios, "
                f"{run['chunks_total']} chunks, findings new {run['findings_new']:,} "
                f"unchanged {run['findings_unchanged']:,} changed {run['findings_changed']:,} "
                f"resolved {run['findings_resolved']:,}, errors {run['errors']}"
            )
    if "worker_peak_rss_mb" in f:
        print(
            f"  peak worker memory: {f['worker_peak_rss_mb']:.0f} MB max RSS of one process, "
            f"{f['worker_peak_rss_sum_mb']:.0f} MB summed over {f['worker_processes']} processes"
        )
    if "server" in f:
        server = dict(f["server"])
        version = server.pop("server_version", "?")
        shown = ", ".join(f"{k} {v}" for k, v in server.items())
        print(f"  server: PostgreSQL {version}; {shown}")
        unsettled = f.get("unsettled")
        print(
            "  each measured phase starts after a CHECKPOINT"
            if not unsettled
            else f"  no CHECKPOINT (not permitted) before {', '.join(unsettled)}"
        )
    print(
        f"  checks: floor SQL = selector SQL: {f.get('floor_sql_matches_selector')}, "
        f"naive facts = bulk facts: {f.get('c_matches_bulk')}"
    )
    for failure in report.failures:
        print(f"  FAILURE: {failure}")
    print(json.dumps(f, sort_keys=True, default=_json_default))


SERVER_SETTINGS = ("autovacuum", "jit", "shared_buffers", "max_wal_size", "synchronous_commit")


def settle(report: Report, phase: str) -> None:
    """CHECKPOINT before a measured phase: it then does not pay for writing out what the
    build, the reset or the phase before it left dirty (a checkpoint falling inside a phase
    flushes everything dirty at that moment, whoever wrote it). The phase's own writes, and
    the checkpoints they bring about, still count. Needs a superuser or pg_checkpoint; without
    either the phase runs unsettled, and the report says so."""
    from django.db import DatabaseError, connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    except DatabaseError as exc:
        report.figures.setdefault("unsettled", []).append(phase)
        log(f"no CHECKPOINT before {phase}: {str(exc).strip()}")


def server_settings() -> dict[str, str]:
    """The PostgreSQL version and the settings that shape these figures: runs are comparable
    only on alike servers (with autovacuum off, nothing refreshes the findings' statistics
    while a run fills the table; with JIT on, queries the planner thinks big are compiled)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        found = {"server_version": str(cursor.fetchone()[0])}
        for name in SERVER_SETTINGS:
            cursor.execute(f"SHOW {name}")  # names from the tuple above
            found[name] = str(cursor.fetchone()[0])
    return found


def _json_default(value: Any) -> Any:
    return str(value)  # dates, decimals


def _round_floats(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _round_floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_round_floats(v) for v in value]
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    preflight(args)
    report = Report()
    report.figures.update(
        projects=args.projects,
        seed=args.seed,
        workers=args.workers,
        chunk_size=args.chunk_size,
        database=args.database,
        load_average_start=list(os.getloadavg()),
    )
    marker = existing_marker(args)
    reuse = bool(
        args.reuse
        and marker
        and marker.get("projects") == args.projects
        and marker.get("seed") == args.seed
    )
    if reuse:
        from _synthetic import GENERATOR_VERSION

        reuse = marker is not None and marker.get("version") == GENERATOR_VERSION
    setup_start = time.perf_counter()
    if not reuse:
        log(f"creating database {args.database}")
        recreate_database(args)
    env = bench_environment(args)
    os.environ.update(env)

    import django

    django.setup()
    from django.core.management import call_command

    from config.celery import app
    from projects.models import Project

    app.conf.task_default_queue = args.queue
    try:
        call_command("migrate", verbosity=0, interactive=False)
    except Exception as exc:
        log(f"migrate failed: {type(exc).__name__}: {exc}")
        refuse(f"cannot migrate the bench database {args.database}: {exc}")
    report["setup_s"] = time.perf_counter() - setup_start
    if reuse and marker is not None:
        log("reusing the portfolio in the bench database")
        info = marker
    else:
        log(f"building a portfolio of {args.projects:,} projects (seed {args.seed})")
        report["build_wall_s"], info = timed(lambda: build_portfolio(args))
    report["reused"] = reuse
    report["portfolio"] = info
    report["build_s"] = sum(v for k, v in info["seconds"].items() if k != "screening")
    if args.build_only:
        log("portfolio ready (--build-only)")
        return 0
    reset_state(args, app)
    report["server"] = server_settings()
    ids = list(Project.objects.order_by("pk").values_list("pk", flat=True))
    if len(ids) != args.projects:
        raise BenchError(f"the bench database holds {len(ids)} projects, not {args.projects}")

    settle(report, "(d)")
    log("(d) floor")
    measure_floor(ids, args.chunk_size, report, args.chunked_floor)
    log(f"(d) {report['d_s']:.2f} s; starting the worker")
    worker = Worker(args, env)
    try:
        report["worker_start_s"] = worker.start(app)
        try:
            settle(report, "(a)")
            measure_full(args, worker, app, report)
            log(f"(a) {report['a_s']:.1f} s")
            if args.warm:
                settle(report, "(a_warm)")
                measure_full(args, worker, app, report, key="a_warm")
                log(f"(a_warm) {report['a_warm_s']:.1f} s")
            settle(report, "(b)")
            measure_rule_change(args, worker, app, report)
            log(f"(b) {report['b_s']:.1f} s")
        except BenchError as exc:
            report.failures.append(str(exc))
    finally:
        worker.stop()
    if worker.monitor is not None:
        report["worker_peak_rss_mb"] = worker.monitor.max_mb
        report["worker_peak_rss_sum_mb"] = worker.monitor.sum_mb
        report["worker_processes"] = len(worker.monitor.peaks)
    report["worker_log"] = str(worker.log_path)
    if not report.failures and args.sample > 0:  # --sample 0: no naive loop (bench/growth.py)
        measure_naive(args, ids, report)
        log(f"(c) {report['c_sample_s']:.1f} s for the sample")
    finish(report)
    report.figures = _round_floats(report.figures)
    print_report(report)
    return 1 if report.failures else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        sys.exit(f"recheck bench: {exc}")
