"""Growth curve: bench/recheck.py at several portfolio sizes, one table.

Runs `bench/recheck.py --projects N --no-warm --sample 0` for each size (ten ties per project,
the synthetic portfolio; each size builds its own portfolio in the bench database, which is
dropped and re-created) and tabulates, per size: (d) the floor, (a) the full re-check and its
ratio to (d), (b) the one-rule change, the full re-check's time per project and the peak
memory of one worker process.

Goals: time per project within +-25% from the smallest to the largest size (linear growth);
worker memory bounded by the chunk size, not the portfolio (the largest peak within 1.5x of
the smallest); (a) <= 10x (d) at every size. From the largest size, the worker machines a
1,000,000-project portfolio needs for a full re-check within an hour are estimated (the
measured per-project time, scaled linearly, two worker processes per machine as measured).

Each size is bounded by --timeout seconds; a size that fails or times out is reported and the
curve goes on with the next. Prints the table and, as the LAST line, one JSON object.

Usage:
  .venv/bin/python bench/growth.py [--sizes 10000,30000,100000,300000] [--workers 2]
      [--chunk-size 2000] [--database grantcheck_bench] [--postgres ...] [--redis ...]
      [--timeout 7200]
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
TARGET_PROJECTS = 1_000_000
TARGET_SECONDS = 3600.0


def log(message: str) -> None:
    print(f"[growth {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="10000,30000,100000,300000")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--chunk-size", type=int, default=2000)
    p.add_argument("--database", default="grantcheck_bench")
    p.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    p.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    p.add_argument("--timeout", type=float, default=7200, help="seconds per size, at most")
    args = p.parse_args(argv)
    args.size_list = [int(s) for s in args.sizes.split(",") if s.strip()]
    return args


def run_size(args: argparse.Namespace, n: int) -> dict[str, Any]:
    cmd = [sys.executable, str(REPO / "bench" / "recheck.py"), "--projects", str(n),
           "--no-warm", "--sample", "0", "--workers", str(args.workers),
           "--chunk-size", str(args.chunk_size), "--database", args.database,
           "--postgres", args.postgres, "--redis", args.redis]  # fmt: skip
    started = time.monotonic()
    try:
        done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return {"projects": n, "error": f"timed out after {args.timeout:.0f} s"}
    wall = time.monotonic() - started
    lines = done.stdout.strip().splitlines()
    try:
        figures: dict[str, Any] = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        return {"projects": n, "error": f"exit {done.returncode}: {done.stderr[-1500:]}"}
    a, b, d = figures.get("a_s"), figures.get("b_s"), figures.get("d_s")
    return {
        "projects": n,
        "ties": figures.get("portfolio", {}).get("counts", {}).get("ties"),
        "d_s": d,
        "a_s": a,
        "b_s": b,
        "a_over_d": figures.get("a_over_d"),
        "a_ms_per_project": a * 1000 / n if a else None,
        "worker_peak_mb": figures.get("worker_peak_rss_mb"),
        "findings": (figures.get("a_run") or {}).get("findings_new"),
        "failures": figures.get("failures", []),
        "wall_s": wall,
        "exit": done.returncode,
    }


def judge(rows: list[dict[str, Any]], workers: int) -> dict[str, Any]:
    ok = [r for r in rows if r.get("a_s") and r.get("d_s")]
    if not ok:
        return {"measured_sizes": 0}
    per = [r["a_ms_per_project"] for r in ok]
    base = per[0]
    spread = max(abs(p / base - 1) for p in per)
    memory = [r["worker_peak_mb"] for r in ok if r.get("worker_peak_mb")]
    largest = ok[-1]
    # One machine = `workers` worker processes, as measured; linear in projects.
    machine_seconds = largest["a_ms_per_project"] / 1000 * TARGET_PROJECTS
    machines = max(1, math.ceil(machine_seconds / TARGET_SECONDS))
    return {
        "measured_sizes": len(ok),
        "per_project_spread": spread,
        "goal_linear_met": spread <= 0.25,
        "memory_ratio": (max(memory) / min(memory)) if memory else None,
        "goal_memory_met": bool(memory) and max(memory) <= 1.5 * min(memory),
        "goal_a_over_d_met": all(r["a_over_d"] is not None and r["a_over_d"] <= 10 for r in ok),
        "million_full_recheck_s_one_machine": machine_seconds,
        "machines_for_one_hour": machines,
        "processes_per_machine": workers,
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    rows = []
    for n in args.size_list:
        log(f"{n:,} projects")
        row = run_size(args, n)
        log(json.dumps(row))
        rows.append(row)
    verdict = judge(rows, args.workers)
    print(f"re-check growth curve: {args.workers} worker processes, chunks of {args.chunk_size:,}")
    print(
        f"  {'projects':>9} {'ties':>10} {'floor s':>8} {'full s':>8} {'full/floor':>10} "
        f"{'one-rule s':>10} {'ms/project':>10} {'worker MB':>9}"
    )
    for r in rows:
        if "error" in r:
            print(f"  {r['projects']:>9,} not measured: {r['error'][:200]}")
            continue

        def num(key: str, fmt: str, row: dict[str, Any] = r) -> str:
            value = row.get(key)
            return format(value, fmt) if value is not None else "-"

        print(
            f"  {r['projects']:>9,} {num('ties', ','):>10} {num('d_s', '.2f'):>8} "
            f"{num('a_s', '.1f'):>8} {num('a_over_d', '.1f'):>9}x {num('b_s', '.2f'):>10} "
            f"{num('a_ms_per_project', '.3f'):>10} {num('worker_peak_mb', '.0f'):>9}"
        )
    if verdict.get("measured_sizes"):
        print(
            f"  time per project: spread {verdict['per_project_spread']:.0%} from the first "
            f"size (goal within 25%): {'met' if verdict['goal_linear_met'] else 'NOT met'}"
        )
        print(
            f"  worker memory: largest / smallest peak {verdict['memory_ratio']:.2f} "
            f"(goal <= 1.5): {'met' if verdict['goal_memory_met'] else 'NOT met'}"
        )
        print(
            f"  full <= 10x floor at every size: "
            f"{'met' if verdict['goal_a_over_d_met'] else 'NOT met'}"
        )
        print(
            f"  1,000,000 projects on one machine ({args.workers} worker processes): "
            f"{verdict['million_full_recheck_s_one_machine']:.0f} s; machines for one hour: "
            f"{verdict['machines_for_one_hour']}"
        )
    print(json.dumps({"bench": "growth", "rows": rows, **verdict}, default=str))
    return 0 if all("error" not in r and not r.get("failures") for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
