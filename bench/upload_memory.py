"""Upload benchmark: peak server memory while a 50 MB file is uploaded to the portfolio API.

Starts the app under gunicorn (one sync worker, 127.0.0.1 only, a temporary SQLite database,
DEBUG on, eager Celery), signs in with HTTP Basic as a temporary superuser, and POSTs a
--mb MB people.csv (streamed from disk) to /api/v1/imports/portfolio/ in two cases:

- ``default_limit``: GRANTCHECK_UPLOAD_MAX_BYTES at its default (25 MB): the upload must be
  refused with 413 before its body is read;
- ``raised_limit``: the limit raised above the file (--raised-limit-mb): the file is spooled
  to disk and imported; every row has a bad e-mail address, so the answer is a 400 whose
  report lists the first GRANTCHECK_IMPORT_MAX_PROBLEMS problems and the total.

For each case it records the worker's resident memory before the upload and its peak during
it (VmHWM after a reset through /proc/PID/clear_refs, and VmRSS sampled every 10 ms), the
status, the response size and the time. Goal: peak under 200 MB in every case (and 413 in
the default one).
Prints the figures and, as its LAST line, one JSON object. Exit status 0 when the goal is met.

Usage:
  .venv/bin/python bench/upload_memory.py [--mb 50] [--raised-limit-mb 64] [--timeout 600]
      [--skip-raised]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from base64 import b64encode
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GOAL_MB = 200.0
USER, PASSWORD = "bench-admin", "bench-upload-memory"  # a throwaway user in a temporary DB
MB = 1024 * 1024


def log(message: str) -> None:
    print(f"[upload {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mb", type=int, default=50, help="size of the uploaded file")
    p.add_argument("--raised-limit-mb", type=int, default=64)
    p.add_argument("--timeout", type=int, default=600, help="per request and per server start")
    p.add_argument("--skip-raised", action="store_true", help="only the default-limit case")
    return p.parse_args(argv)


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        SQLITE_PATH=str(tmp / "bench.sqlite3"),
        DEBUG="true",
        PYTHONUNBUFFERED="1",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    env.update(extra)
    return env


def manage(tmp: Path, *args: str, timeout: int) -> None:
    subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=REPO,
        env=_env(tmp),
        check=True,
        timeout=timeout,
        stdout=subprocess.DEVNULL,
    )


def make_file(path: Path, size: int) -> int:
    """people.csv of about ``size`` bytes; every row's e-mail is invalid (one problem each)."""
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("email,name,orcid,department\n")
        written = 0
        block: list[str] = []
        while written < size:
            line = f"person{rows:08d}-at-univ.edu,Person {rows},,Department {rows % 8}\n"
            block.append(line)
            written += len(line)
            rows += 1
            if len(block) >= 10_000:
                out.write("".join(block))
                block = []
        out.write("".join(block))
    return rows


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _status(pid: int) -> dict[str, int]:
    fields: dict[str, int] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0]) * 1024
    return fields


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text(encoding="ascii")
    except OSError:
        return []
    return [int(x) for x in text.split()]


class Server:
    def __init__(self, tmp: Path, port: int, limit: int | None, timeout: int) -> None:
        extra = {} if limit is None else {"GRANTCHECK_UPLOAD_MAX_BYTES": str(limit)}
        self.port = port
        self.log = (tmp / f"gunicorn-{port}.log").open("wb")
        self.proc = subprocess.Popen(
            [
                str(Path(PYTHON).parent / "gunicorn"),
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--threads",
                "1",
                "--timeout",
                str(timeout),
            ],
            cwd=REPO,
            env=_env(tmp, **extra),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    pass
                if _children(self.proc.pid):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start in time")
        self.worker = _children(self.proc.pid)[0]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)
        self.log.close()


def post_file(port: int, path: Path, field: str, timeout: int) -> tuple[int, bytes, float]:
    """POST one file as multipart/form-data, streamed from disk; (status, body, seconds)."""
    boundary = "grantcheck-bench-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
        f'filename="{path.name}"\r\nContent-Type: text/csv\r\n\r\n'
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    length = len(head) + path.stat().st_size + len(tail)
    auth = b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.perf_counter()
    conn.putrequest("POST", "/api/v1/imports/portfolio/")
    conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    conn.putheader("Content-Length", str(length))
    conn.putheader("Authorization", f"Basic {auth}")
    conn.endheaders()
    try:
        conn.send(head)
        with path.open("rb") as fh:
            while chunk := fh.read(256 * 1024):
                conn.send(chunk)
        conn.send(tail)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered before reading the body: read that answer
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body, time.perf_counter() - started


class Sampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.running = True

    def run(self) -> None:
        while self.running:
            try:
                self.peak = max(self.peak, _status(self.pid)["VmRSS"])
            except (OSError, KeyError):
                return
            time.sleep(0.01)


def run_case(
    name: str, tmp: Path, upload: Path, limit: int | None, args: argparse.Namespace
) -> dict[str, Any]:
    server = Server(tmp, free_port(), limit, args.timeout)
    try:
        warm = tmp / "people.csv.warm"
        warm.write_text("email,name,orcid,department\nnot-an-email,X,,\n", encoding="utf-8")
        warm_status, _, _ = post_file(server.port, warm, "people", args.timeout)
        before = _status(server.worker)
        try:  # reset the peak (VmHWM) to the current RSS; we own this process
            Path(f"/proc/{server.worker}/clear_refs").write_text("5", encoding="ascii")
            hwm_reset = True
        except OSError:
            hwm_reset = False
        sampler = Sampler(server.worker)
        sampler.start()
        status, body, seconds = post_file(server.port, upload, "people", args.timeout)
        sampler.running = False
        sampler.join()
        after = _status(server.worker)
    finally:
        server.stop()
    peak = max(sampler.peak, after["VmHWM"] if hwm_reset else 0)
    result: dict[str, Any] = {
        "name": name,
        "limit_bytes": limit,
        "warmup_status": warm_status,
        "status": status,
        "seconds": round(seconds, 2),
        "response_bytes": len(body),
        "rss_before_mb": round(before["VmRSS"] / MB, 1),
        "peak_mb": round(peak / MB, 1),
        "growth_mb": round((peak - before["VmRSS"]) / MB, 1),
        "peak_source": "VmHWM+sampled" if hwm_reset else "sampled",
    }
    try:
        data = json.loads(body)
        result["detail"] = data.get("detail")
        if "problem_count" in data:
            result["problem_count"] = data["problem_count"]
            result["problems_listed"] = len(data.get("problems", []))
    except ValueError:
        result["detail"] = body[:200].decode("utf-8", "replace")
    return result


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="grantcheck-upload-bench-"))
    try:
        log("migrating a temporary SQLite database")
        manage(tmp, "migrate", "--noinput", timeout=args.timeout)
        create = (
            "from django.contrib.auth import get_user_model; "
            f"get_user_model().objects.create_superuser({USER!r}, 'bench@example.org', "
            f"{PASSWORD!r}, is_staff=True)"
        )
        manage(tmp, "shell", "-c", create, timeout=args.timeout)
        upload = tmp / "people.csv"
        rows = make_file(upload, args.mb * MB)
        size = upload.stat().st_size
        log(f"upload: {upload.name}, {size / MB:.1f} MB, {rows:,} rows")
        cases = [("default_limit", None)]
        if not args.skip_raised:
            cases.append(("raised_limit", args.raised_limit_mb * MB))
        results = []
        for name, limit in cases:
            log(f"case {name}: starting gunicorn")
            result = run_case(name, tmp, upload, limit, args)
            results.append(result)
            log(
                f"case {name}: status {result['status']} in {result['seconds']} s; worker RSS "
                f"{result['rss_before_mb']} MB before, peak {result['peak_mb']} MB "
                f"(+{result['growth_mb']} MB); response {result['response_bytes']:,} bytes"
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    default = results[0]
    goal_met = default["status"] == 413 and all(r["peak_mb"] < GOAL_MB for r in results)
    summary = {
        "bench": "upload_memory",
        "file_mb": round(size / MB, 1),
        "rows": rows,
        "goal_peak_mb": GOAL_MB,
        "goal_met": goal_met,
        "cases": results,
    }
    for r in results:
        print(
            f"{r['name']:<14} status {r['status']}  peak {r['peak_mb']:>7.1f} MB  "
            f"(before {r['rss_before_mb']:.1f} MB, +{r['growth_mb']:.1f})  {r['seconds']:>6.2f} s  "
            f"response {r['response_bytes']:,} B"
            + (
                f"  problems {r['problems_listed']}/{r['problem_count']:,}"
                if "problem_count" in r
                else ""
            )
        )
    print(json.dumps(summary))
    return 0 if goal_met else 1


if __name__ == "__main__":
    sys.exit(main())
