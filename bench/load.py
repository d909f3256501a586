"""Load benchmark: grantcheck served by gunicorn under 50 signed-in clients, idle and during a
full re-check.

Serves grantcheck as shipped (`gunicorn -c config/gunicorn.py config.wsgi`, 2 worker
processes, DEBUG off, static files collected, behind the HTTPS proxy's header) on PostgreSQL
and Redis, with a real `celery worker` (re-check chunks and background exports). The portfolio
is bench/recheck.py's synthetic one (--projects 5,000, ten ties each), its findings come from
a real full re-check, topped up with synthetic findings to --findings (100,000).

Then --clients (50) clients sign in through the login form and, for --duration (60) seconds
each, act by their role with think time between requests (exponential, mean --think 1 s: a
person reading a page, not a flood): reviewers (40%) open review-queue pages (most often the
first ones, a third filtered by department) and finding pages; PIs (50%) run self-checks of
their projects and export their findings as CSV; API scripts (10%) call the screen API with
five names. One full-register export runs in the background (Celery) during the window.

Mode "idle" measures that alone; mode "recheck" the same while full re-checks run back to back
on the worker for the whole window (the last one is waited for, and every one must end done).
Prints requests/s, p50/p95/p99 latency per kind and the errors of each mode, and as the LAST
line one JSON object. Goals (2-core machine): idle 0 errors and p95 < 300 ms; during a
re-check 0 errors, p95 < 800 ms and the re-check completes. p95 is judged on every request of
the mode; the per-kind figures are printed beside it.

Bounded: each window lasts --duration seconds and sends at most --max-requests requests;
waiting for a re-check or an export is bounded by --timeout. Loopback only.

Usage:
  .venv/bin/python bench/load.py [--mode both|idle|recheck] [--clients 50] [--duration 60]
      [--think 1.0] [--projects 5000] [--findings 100000] [--database grantcheck_load]
      [--postgres postgresql://postgres@127.0.0.1:5432] [--redis redis://127.0.0.1:6379/14]
      [--reuse]

Exit status: 0 when every goal is met, 1 when one is not, 2 when PostgreSQL or Redis is
unreachable.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
for _path in (REPO, REPO / "bench"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import recheck as rbench  # noqa: E402  (bench/recheck.py: portfolio, reset, worker)
from _load_clients import Client, Plan, drive, server_times, summary  # noqa: E402

GOALS = {"idle": 300.0, "recheck": 800.0}
PASSWORD = "load-bench-" + secrets.token_hex(8)
ROLES = (("reviewer", 0.4), ("pi", 0.5), ("api", 0.1))


def log(message: str) -> None:
    print(f"[load {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mode", choices=["both", "idle", "recheck"], default="both")
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--duration", type=float, default=60.0, help="seconds per window")
    p.add_argument("--think", type=float, default=1.0, help="mean think time, seconds (0: none)")
    p.add_argument("--max-requests", type=int, default=100_000, help="per window, at most")
    p.add_argument("--projects", type=int, default=5000)
    p.add_argument("--findings", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--web-workers", type=int, default=2, help="gunicorn WEB_CONCURRENCY")
    p.add_argument("--celery-workers", type=int, default=2, help="celery --concurrency")
    p.add_argument("--database", default="grantcheck_load")
    p.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    p.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    p.add_argument("--reuse", action="store_true", help="keep a portfolio and findings in place")
    p.add_argument("--timeout", type=float, default=1200, help="seconds to wait for a run/export")
    args = p.parse_args(argv)
    if "load" not in args.database and "bench" not in args.database:
        p.error("--database must contain 'load' or 'bench' (it is dropped and re-created)")
    # What bench/recheck.py's helpers read. The web processes enqueue exports on the default
    # queue: the bench's Redis database is its own.
    args.queue = "celery"
    args.stall = 600.0
    args.workers = args.celery_workers
    args.chunk_size = 2000
    return args


def environment(args: argparse.Namespace, tmp: Path, port: int) -> dict[str, str]:
    """Production settings, on loopback: the secure cookies and redirects stay on, the
    clients send the HTTPS proxy's header (GRANTCHECK_TRUSTED_PROXY)."""
    env = rbench.bench_environment(args)
    env.update(
        ALLOWED_HOSTS="127.0.0.1",
        PORTAL_BASE_URL=f"https://127.0.0.1:{port}",
        GRANTCHECK_TRUSTED_PROXY="true",
        STATIC_ROOT=str(tmp / "static"),
        EXPORT_ROOT=str(tmp / "exports"),
        GRANTCHECK_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY=str(args.web_workers),
    )
    env.pop("SECURE_SSL_REDIRECT", None)  # as shipped: on
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- data ----------------------------------------------------------------------------------


def prepare(args: argparse.Namespace, app: Any, worker: rbench.Worker) -> dict[str, Any]:
    """Portfolio (reused when --reuse finds it), real findings from a full re-check, the
    synthetic top-up, users. Returns counts."""
    from django.core.management import call_command

    from compliance.models import Finding

    if args.reuse and Finding.objects.count() >= args.findings:
        log("reusing the portfolio and findings in place")
        return {"projects": args.projects, "findings": Finding.objects.count(), "reused": True}
    call_command("migrate", verbosity=0, interactive=False)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [rbench.MARKER_TABLE])
        built = cursor.fetchone()[0]
    if not built:
        rbench.build_portfolio(args)
    rbench.reset_state(args, app)
    started = time.perf_counter()
    run = _full_recheck(args, app, worker, "build")
    real = Finding.objects.count()
    log(f"a real full re-check: {real:,} findings in {time.perf_counter() - started:.1f} s")
    topped = top_up(args.findings - real, args.seed)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"projects": args.projects, "findings_real": real, "findings_synthetic": topped,
            "findings": Finding.objects.count(), "build_run": run}  # fmt: skip


def top_up(count: int, seed: int) -> int:
    """Synthetic findings on the portfolio's projects (bulk_create: no history, no audit
    event), so that the review queue holds --findings."""
    import random

    from django.utils import timezone

    from compliance.models import Finding
    from projects.models import Project
    from rules.models import RuleVersion, Scenario

    if count <= 0:
        return 0
    rng = random.Random(f"{seed}:top-up")
    projects = list(Project.objects.values_list("pk", "amount_usd"))
    scenarios = list(Scenario.objects.all())
    versions = list(RuleVersion.objects.select_related("rule").order_by("pk"))
    severities = ["block", "high", "medium", "low", "info"]
    now = timezone.now()
    batch: list[Finding] = []
    for i in range(count):
        pk, amount = projects[rng.randrange(len(projects))]
        version = versions[rng.randrange(len(versions))]
        batch.append(
            Finding(
                scenario=scenarios[i % len(scenarios)],
                rule=version.rule,
                rule_version=version,
                project_id=pk,
                subject=f"load:{i}",
                severity=rng.choices(severities, [3, 20, 35, 25, 17])[0],
                trace=[f"synthetic evidence line {n}" for n in range(3)],
                explanation=f"Synthetic finding {i}: a collaboration with Example Institute "
                f"{i % 997}.",
                remediation="Review the tie and document the outcome.",
                amount_usd=amount,
                status="open" if rng.random() < 0.85 else "resolved",
                last_confirmed=now,
            )
        )
        if len(batch) == 5000:
            Finding.objects.bulk_create(batch)
            batch = []
    Finding.objects.bulk_create(batch)
    return count


def users(args: argparse.Namespace) -> tuple[list[tuple[str, str]], dict[str, list[int]]]:
    """(username, role) for every client, and each PI's projects. PIs are people of the
    portfolio with a PI role, linked to a user; one password hash serves every user."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, User
    from django.db.models import Count

    from projects.access import PI, REVIEWER
    from projects.models import Person, Role

    encoded = make_password(PASSWORD)
    counts = {role: max(1, round(args.clients * share)) for role, share in ROLES}
    counts["pi"] = args.clients - counts["reviewer"] - counts["api"]
    pi_people = list(
        Person.objects.filter(roles__role="pi")
        .annotate(n=Count("roles"))
        .filter(n__gte=2)
        .order_by("-n", "pk")
        .values_list("pk", flat=True)[: counts["pi"]]
    )
    out: list[tuple[str, str]] = []
    projects: dict[str, list[int]] = {}
    groups = {"reviewer": REVIEWER, "api": REVIEWER, "pi": PI}
    for role in ("reviewer", "pi", "api"):
        for i in range(counts[role]):
            name = f"load_{role}_{i}"
            user, _ = User.objects.update_or_create(username=name, defaults={"password": encoded})
            user.groups.set([Group.objects.get_or_create(name=groups[role])[0]])
            if role == "pi":
                person = pi_people[i % len(pi_people)]
                Person.objects.filter(user=user).exclude(pk=person).update(user=None)
                Person.objects.filter(pk=person).update(user=user)
                projects[name] = list(
                    Role.objects.filter(person_id=person).values_list("project_id", flat=True)
                )
            out.append((name, role))
    return out, projects


def plan(projects: dict[str, list[int]]) -> Plan:
    from compliance.models import Finding
    from projects.models import Organisation, Project

    open_count = Finding.objects.filter(status="open").count()
    ids = list(Finding.objects.order_by("?").values_list("pk", flat=True)[:5000])
    names = list(Organisation.objects.order_by("pk").values_list("name", flat=True)[:400])
    names += ["Harbin Institute of Technology", "Acme Robotics", "University of Example"]
    departments = sorted(
        set(Project.objects.exclude(department="").values_list("department", flat=True))
    )
    return Plan(ids, projects, names, max(1, min(200, open_count // 50)), departments)


# --- processes -----------------------------------------------------------------------------


class Gunicorn:
    def __init__(self, env: dict[str, str], tmp: Path, port: int) -> None:
        self.port = port
        self.log = tmp / "gunicorn.log"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"],
                cwd=REPO,
                env={**os.environ, **env},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 120) -> None:
        import requests

        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise rbench.BenchError(f"gunicorn exited; log: {self.log}")
            try:
                if requests.get(f"http://127.0.0.1:{self.port}/healthz", timeout=5).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise rbench.BenchError(f"gunicorn did not answer /healthz; log: {self.log}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # our own session, started above
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


def _full_recheck(args: argparse.Namespace, app: Any, worker: rbench.Worker, label: str) -> Any:
    from compliance.services.recheck import recheck_request

    run = recheck_request(trigger=f"load bench {label}", scope_key="all")
    return rbench.wait_for_run(run.pk, worker, args, app, label)


# --- the windows ---------------------------------------------------------------------------


def background_export(client: Client) -> tuple[int, float]:
    """Start the full findings register as a background CSV export (POST, 202)."""
    started = time.monotonic()
    answer = client.post_json("/api/v1/reports/findings/exports/?format=csv", {}, status=202)
    return int(answer.json()["id"]), started


def export_finished(
    client: Client, export_id: int, started: float, timeout: float
) -> dict[str, Any]:
    """Wait (bounded) for the export, then download it; its wall time and size."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        state = client.get(f"/api/v1/report-exports/{export_id}/").json()
        if state.get("status") in ("done", "failed"):
            break
        time.sleep(1)
    else:
        return {"status": "timeout"}
    if state["status"] != "done":
        return {"status": state["status"], "error": str(state)[:300]}
    body = client.get(f"/api/v1/report-exports/{export_id}/download/")
    return {
        "status": "done",
        "seconds": time.monotonic() - started,
        "bytes": len(body.content),
        "rows": body.content.count(b"\n"),
    }


class Rechecks:
    """Full re-checks back to back, in a thread, until stopped; every one must end done."""

    def __init__(self, args: argparse.Namespace) -> None:
        import threading

        self.args = args
        self.runs: list[dict[str, Any]] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        from django.db import close_old_connections, connection

        from compliance.models import RecheckRun
        from compliance.services.recheck import recheck_request

        try:
            while not self._stop.is_set():
                started = time.monotonic()
                run = recheck_request(trigger="load bench", scope_key="all")
                end = started + self.args.timeout
                while time.monotonic() < end:
                    row: dict[str, Any] = dict(
                        RecheckRun.objects.values(
                            "id", "status", "errors", "projects_checked", "findings_resolved"
                        ).get(pk=run.pk)
                    )
                    if row["status"] in ("done", "failed", "superseded"):
                        break
                    time.sleep(0.5)
                row["seconds"] = time.monotonic() - started
                self.runs.append(row)
                if row["status"] != "done" or row["errors"]:
                    self.errors.append(f"run {row['id']} ended {row['status']}")
                    return
        except Exception as exc:  # reported, never swallowed
            self.errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            close_old_connections()
            connection.close()

    def start(self) -> None:
        self.thread.start()

    def finish(self) -> None:
        """No new run after the current one, which is waited for."""
        self._stop.set()
        self.thread.join(timeout=self.args.timeout + 60)
        if self.thread.is_alive():
            self.errors.append("the last re-check did not finish in time")


def window(
    args: argparse.Namespace, clients: list[Client], the_plan: Plan, mode: str, web: Gunicorn
) -> dict[str, Any]:
    log(f"{mode}: {len(clients)} clients for {args.duration:.0f} s")
    rechecks = Rechecks(args) if mode == "recheck" else None
    if rechecks:
        rechecks.start()
        time.sleep(2)  # the first chunks are being written when the clients start
    office = next(c for c in clients if c.role == "reviewer")
    export_id, export_started = background_export(office)
    log_start = web.log.stat().st_size
    started = time.monotonic()
    samples = drive(
        clients,
        the_plan,
        seconds=args.duration,
        think=args.think,
        max_requests=args.max_requests,
        seed=args.seed + (1 if mode == "recheck" else 0),
    )
    elapsed = time.monotonic() - started
    out = summary(samples, elapsed)
    out["seconds"] = elapsed
    with web.log.open("rb") as access:
        access.seek(log_start)
        out["server"] = server_times(access.read().decode(errors="replace"))
    out["export"] = export_finished(office, export_id, export_started, args.timeout)
    if rechecks:
        rechecks.finish()
        out["rechecks"] = rechecks.runs
        out["recheck_errors"] = rechecks.errors
        out["recheck_completed"] = bool(rechecks.runs) and not rechecks.errors
    goal = GOALS[mode]
    out["goal_p95_ms"] = goal
    out["goal_met"] = (
        out["errors"] == 0
        and out["p95_ms"] < goal
        and out["export"].get("status") == "done"
        and (rechecks is None or out["recheck_completed"])
    )
    return out


def print_mode(mode: str, out: dict[str, Any]) -> None:
    print(f"\n{mode}: {out['requests']} requests in {out['seconds']:.1f} s = "
          f"{out['requests_per_s']:.1f} requests/s, {out['errors']} error(s)")  # fmt: skip
    print(
        f"  {'kind':<10} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
        f" {'server p50':>10} {'server p95':>10}"
    )
    rows = [*out["kinds"].items(), ("all", out)]
    for kind, k in rows:
        server = out["server"].get(kind, {})
        print(
            f"  {kind:<10} {k['requests']:>8} {k['errors']:>6} {k['p50_ms']:>8.0f} "
            f"{k['p95_ms']:>8.0f} {k['p99_ms']:>8.0f} {server.get('p50_ms', 0):>10.0f} "
            f"{server.get('p95_ms', 0):>10.0f}"
        )
    print("  (client: from sending to the whole answer read; server: gunicorn's own time)")
    for example in out["error_examples"]:
        print(f"  error: {example}")
    e = out["export"]
    print(f"  background export of the findings register: {e.get('status')}"
          + (f", {e['seconds']:.1f} s, {e['rows']:,} lines" if "seconds" in e else ""))  # fmt: skip
    for run in out.get("rechecks", []):
        print(
            f"  re-check run {run['id']}: {run['status']} in {run['seconds']:.1f} s, "
            f"{run['projects_checked']:,} projects, {run['findings_resolved']:,} resolved"
        )
    for error in out.get("recheck_errors", []):
        print(f"  re-check error: {error}")
    verdict = "met" if out["goal_met"] else "NOT met"
    print(f"  goal: 0 errors, p95 < {out['goal_p95_ms']:.0f} ms"
          + (", the re-check completes" if mode == "recheck" else "") + f": {verdict}")  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    rbench.preflight(args)
    if not args.reuse:
        log(f"creating database {args.database}")
        rbench.recreate_database(args)
    tmp = Path(tempfile.mkdtemp(prefix="grantcheck-load-"))
    port = free_port()
    env = environment(args, tmp, port)
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    from config.celery import app

    report: dict[str, Any] = {"bench": "load", "clients": args.clients, "duration_s": args.duration,
                              "think_s": args.think, "web_workers": args.web_workers,
                              "celery_workers": args.celery_workers,
                              "load_average_start": list(os.getloadavg())}  # fmt: skip
    worker = rbench.Worker(args, env)
    web: Gunicorn | None = None
    failures: list[str] = []
    try:
        worker.start(app)
        report["data"] = prepare(args, app, worker)
        log(f"data ready: {report['data']}")
        call_command("collectstatic", verbosity=0, interactive=False)
        accounts, pi_projects = users(args)
        the_plan = plan(pi_projects)
        web = Gunicorn(env, tmp, port)
        web.wait_ready()
        clients = [Client(f"http://127.0.0.1:{port}", name, PASSWORD, role)
                   for name, role in accounts]  # fmt: skip
        log(f"signing in {len(clients)} clients")
        for client in clients:
            client.sign_in()
        modes = ["idle", "recheck"] if args.mode == "both" else [args.mode]
        for mode in modes:
            report[mode] = window(args, clients, the_plan, mode, web)
            print_mode(mode, report[mode])
            if not report[mode]["goal_met"]:
                failures.append(f"{mode}: goal not met")
    except rbench.BenchError as exc:
        failures.append(str(exc))
    finally:
        if web is not None:
            web.stop()
        worker.stop()
    report["load_average_end"] = list(os.getloadavg())
    report["failures"] = failures
    report["logs"] = str(tmp)
    for failure in failures:
        print(f"FAILED: {failure}")
    print(json.dumps(rbench._round_floats(report), default=rbench._json_default))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
