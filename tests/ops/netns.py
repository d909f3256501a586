"""Three hosts on one machine for the multi-host test: Linux network namespaces joined by veth
pairs, a "services" host with its own PostgreSQL (initdb into a temporary directory) and
redis-server, and worker hosts running `celery worker` against them (`ip netns exec`).

Everything is created by Hosts.start() and removed by Hosts.stop(): the namespaces (their
veth links and addresses go with them), the servers and the workers. Addresses live only on
those links (10.213.N.0/30, one subnet per worker host); nothing touches the machine's own
interfaces. Needs root (ip netns) and the PostgreSQL server binaries (initdb, pg_ctl).
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

REPO = Path(__file__).resolve().parents[2]
DRIVER = REPO / "tests" / "ops" / "multihost_driver.py"


def pg_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_version)
    return candidates[-1] if candidates else None


def _version(path: str) -> float:
    try:
        return float(Path(path).parent.parent.name)
    except ValueError:
        return 0.0


def unavailable() -> str | None:
    """Why this machine cannot build the hosts (None when it can)."""
    if os.geteuid() != 0:
        return "network namespaces need root (ip netns), and this test runs as a normal user"
    if not shutil.which("ip"):
        return "iproute2 (ip) is not installed"
    for name in ("initdb", "pg_ctl"):
        if not pg_binary(name):
            return f"PostgreSQL's {name} is not installed"
    if not shutil.which("redis-server"):
        return "redis-server is not installed"
    try:
        import pwd

        pwd.getpwnam("postgres")
    except KeyError:
        return "there is no postgres user to run the test's own PostgreSQL"
    probe = f"gcprobe{os.getpid()}"
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if made.returncode != 0:
        return f"network namespaces are not allowed here: {made.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


def sh(*cmd: str, check: bool = True, timeout: float = 60) -> str:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout


class Hosts:
    """services + workers; `env_for(host)` is the settings a host's processes run with."""

    def __init__(self, tmp: Path, workers: Sequence[str] = ("w1", "w2"), **settings: str) -> None:
        self.tmp = tmp
        self.tag = f"gc{os.getpid() % 100000}"
        self.services = f"{self.tag}-svc"
        self.workers = list(workers)
        self.settings = settings
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.logs: dict[str, IO[bytes]] = {}
        self.pgdata = tmp / "pgdata"
        self.started: list[str] = []

    # --- network -----------------------------------------------------------------------

    def ns(self, host: str) -> str:
        return self.services if host == "services" else f"{self.tag}-{host}"

    def address(self, host: str) -> str:
        """The services host's address on the link to `host` ("services": its loopback)."""
        if host == "services":
            return "127.0.0.1"
        return f"10.213.{self.workers.index(host) + 1}.1"

    def worker_address(self, host: str) -> str:
        """A worker host's own address on its link."""
        return f"10.213.{self.workers.index(host) + 1}.2"

    def link(self, host: str) -> str:
        return f"{self.tag}-s{self.workers.index(host) + 1}"

    def start(self) -> None:
        for host in ["services", *self.workers]:
            sh("ip", "netns", "add", self.ns(host))
            self.started.append(self.ns(host))
            sh("ip", "-n", self.ns(host), "link", "set", "lo", "up")
        for i, host in enumerate(self.workers, start=1):
            near, far = self.link(host), f"{self.tag}-w{i}"
            sh("ip", "link", "add", near, "netns", self.services, "type", "veth",
               "peer", "name", far, "netns", self.ns(host))  # fmt: skip
            sh("ip", "-n", self.services, "addr", "add", f"10.213.{i}.1/30", "dev", near)
            sh("ip", "-n", self.ns(host), "addr", "add", f"10.213.{i}.2/30", "dev", far)
            sh("ip", "-n", self.services, "link", "set", near, "up")
            sh("ip", "-n", self.ns(host), "link", "set", far, "up")
        self._postgres_init()
        self.postgres_start()
        self._as_postgres("createdb", "-h", "127.0.0.1", "-U", "postgres", "grantcheck")
        self.redis_start()

    def cut(self, host: str) -> None:
        """The link between `host` and the services host goes down: no FIN, no RST, silence."""
        sh("ip", "-n", self.services, "link", "set", self.link(host), "down")

    def mend(self, host: str) -> None:
        sh("ip", "-n", self.services, "link", "set", self.link(host), "up")

    # --- services ----------------------------------------------------------------------

    def _as_postgres(self, *cmd: str, timeout: float = 120) -> str:
        return sh("ip", "netns", "exec", self.services, "runuser", "-u", "postgres", "--", *cmd,
                  timeout=timeout)  # fmt: skip

    def _postgres_init(self) -> None:
        sh("install", "-d", "-o", "postgres", "-m", "700", str(self.pgdata))
        sh("chmod", "755", str(self.tmp))
        initdb = pg_binary("initdb") or "initdb"
        self._as_postgres(initdb, "-D", str(self.pgdata), "-U", "postgres", "--auth=trust",
                          "--no-sync", "-E", "UTF8", "--locale=C.UTF-8")  # fmt: skip
        listen = ",".join(["127.0.0.1", *(self.address(h) for h in self.workers)])
        with (self.pgdata / "postgresql.conf").open("a") as conf:
            conf.write(
                f"listen_addresses = '{listen}'\nport = 5432\n"
                f"unix_socket_directories = '{self.pgdata}'\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                "max_connections = 60\nshared_buffers = 64MB\n"
            )
        with (self.pgdata / "pg_hba.conf").open("a") as hba:
            hba.write("host all all 10.213.0.0/16 trust\n")

    def postgres_start(self) -> None:
        pg_ctl = pg_binary("pg_ctl") or "pg_ctl"
        self._as_postgres(pg_ctl, "-D", str(self.pgdata), "-l", str(self.pgdata / "postgres.log"),
                          "-w", "-t", "60", "start")  # fmt: skip

    def postgres_restart(self) -> None:
        """A fast restart: every session is ended, open transactions are rolled back."""
        pg_ctl = pg_binary("pg_ctl") or "pg_ctl"
        self._as_postgres(pg_ctl, "-D", str(self.pgdata), "-l", str(self.pgdata / "postgres.log"),
                          "-m", "fast", "-w", "-t", "60", "restart")  # fmt: skip

    def postgres_stop(self) -> None:
        pg_ctl = pg_binary("pg_ctl") or "pg_ctl"
        if (self.pgdata / "postmaster.pid").exists():
            self._as_postgres(pg_ctl, "-D", str(self.pgdata), "-m", "immediate", "stop")

    def redis_start(self) -> None:
        binds = ["127.0.0.1", *(self.address(h) for h in self.workers)]
        self.spawn("redis", "services", ["redis-server", "--bind", *binds, "--port", "6379",
                   "--save", "", "--appendonly", "no", "--protected-mode", "no"])  # fmt: skip
        for _ in range(100):
            if self.redis_ping():
                return
            time.sleep(0.1)
        raise RuntimeError("redis-server did not answer")

    def redis_ping(self) -> bool:
        done = subprocess.run(
            ["ip", "netns", "exec", self.services, "redis-cli", "-p", "6379", "ping"],
            capture_output=True, text=True,
        )  # fmt: skip
        return done.stdout.strip() == "PONG"

    def redis_restart(self, down_seconds: float) -> None:
        """Redis stops (no persistence: every queued message is gone) and comes back."""
        self.kill("redis")
        time.sleep(down_seconds)
        self.redis_start()

    def psql(self, sql: str) -> str:
        return self._as_postgres("psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "grantcheck",
                                 "-tAc", sql, timeout=30).strip()  # fmt: skip

    # --- grantcheck processes ----------------------------------------------------------

    def env_for(self, host: str) -> dict[str, str]:
        address = self.address(host)
        keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
        return {
            **keep,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"postgres://postgres@{address}:5432/grantcheck",
            "REDIS_URL": f"redis://{address}:6379/0",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "DEBUG": "false",
            "SECRET_KEY": "multihost-test-" + "x" * 40,
            "ALLOWED_HOSTS": "localhost",
            "PORTAL_BASE_URL": "http://localhost",
            "SECURE_SSL_REDIRECT": "false",
            "LOG_LEVEL": "WARNING",
            "EXPORT_ROOT": str(self.tmp / "exports"),
            **self.settings,
        }

    def run(self, host: str, args: Sequence[str], timeout: float = 240, **env: str) -> str:
        """A driver command on `host`, waited for; its JSON line."""
        cmd = ["ip", "netns", "exec", self.ns(host), "env", "-i",
               *(f"{k}={v}" for k, v in {**self.env_for(host), **env}.items()),
               sys.executable, str(DRIVER), *args]  # fmt: skip
        done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"driver {args} on {host} failed: {done.stderr[-4000:]}")
        return done.stdout.strip().splitlines()[-1]

    def spawn(self, name: str, host: str, cmd: Sequence[str], **env: str) -> None:
        log = (self.tmp / f"{name}.log").open("ab")
        self.logs[name] = log
        full = ["ip", "netns", "exec", self.ns(host), "env", "-i",
                *(f"{k}={v}" for k, v in {**self.env_for(host), **env}.items()), *cmd]  # fmt: skip
        self.procs[name] = subprocess.Popen(
            full, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def worker(self, host: str) -> None:
        self.spawn(host, host, [sys.executable, "-m", "celery", "-A", "config", "worker",
                   "--concurrency=1", "--pool=prefork", f"--hostname={host}@multihost",
                   "--loglevel=INFO", "--without-gossip", "--without-mingle"])  # fmt: skip

    def beat(self) -> None:
        self.spawn("beat", "services", [sys.executable, "-m", "celery", "-A", "config", "beat",
                   "--loglevel=INFO", "-s", str(self.tmp / "beat-schedule")])  # fmt: skip

    def kill(self, name: str, grace: float = 10) -> None:
        proc = self.procs.pop(name, None)
        if proc is None:
            return
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # the session started above, nothing else
            try:
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        log = self.logs.pop(name, None)
        if log:
            log.close()

    def log_size(self, name: str) -> int:
        path = self.tmp / f"{name}.log"
        return path.stat().st_size if path.exists() else 0

    def log_tail(self, name: str, chars: int = 3000, start: int = -1) -> str:
        """The end of a process's log, or everything written after byte `start`."""
        path = self.tmp / f"{name}.log"
        if not path.exists():
            return ""
        data = path.read_bytes()
        return (
            data[start:].decode(errors="replace")
            if start >= 0
            else data.decode(errors="replace")[-chars:]
        )

    def stop(self) -> None:
        for name in list(self.procs):
            try:
                self.kill(name, grace=5)
            except Exception as exc:  # go on removing the rest
                print(f"stopping {name}: {exc}", file=sys.stderr)
        try:
            self.postgres_stop()
        except Exception as exc:
            print(f"stopping PostgreSQL: {exc}", file=sys.stderr)
        for ns in reversed(self.started):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        self.started.clear()


def wait_for(predicate: Any, timeout: float, step: float = 0.3) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(step)
    return False
