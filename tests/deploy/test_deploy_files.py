"""deploy/: the systemd units and the example environment file.

The web unit's ExecStart, run as written (the install paths mapped to this checkout and its
virtual environment) under the example environment with its CHANGE-ME values filled in,
serves 200 on /healthz. Bounded in time; it listens on loopback only.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from config.env import environment_problems
from tests.config.test_env_check import _drop

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = ("grantcheck-web.service", "grantcheck-worker.service", "grantcheck-beat.service")
ENV_EXAMPLE = DEPLOY / "grantcheck.env.example"
START_SECONDS = 60


def unit_service_settings(path: Path) -> dict[str, str]:
    """The [Service] section of a systemd unit as KEY -> value (the last one wins)."""
    section = ""
    values: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        if section == "Service" and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


def env_file(path: Path) -> dict[str, str]:
    """KEY=value lines as systemd's EnvironmentFile reads them (comments and blanks skipped)."""
    values: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: not KEY=value: {raw!r}"
        values[key.strip()] = value.strip()
    return values


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.mark.parametrize("unit", UNITS)
def test_each_unit_runs_from_the_app_with_the_environment_file(unit: str) -> None:
    service = unit_service_settings(DEPLOY / unit)
    assert service["EnvironmentFile"] == "/etc/grantcheck/grantcheck.env"
    assert service["WorkingDirectory"] == "/srv/grantcheck/app"
    assert service["User"] == "grantcheck"
    program = shlex.split(service["ExecStart"])[0]
    assert program.startswith("/srv/grantcheck/venv/bin/")


def test_the_web_unit_uses_the_shipped_gunicorn_config() -> None:
    argv = shlex.split(unit_service_settings(DEPLOY / UNITS[0])["ExecStart"])
    assert argv[argv.index("-c") + 1] == "config/gunicorn.py"
    assert (ROOT / "config" / "gunicorn.py").is_file()


def test_the_example_environment_names_only_grantcheck_settings() -> None:
    values = env_file(ENV_EXAMPLE)
    assert environment_problems(values) == []
    assert values["DEBUG"] == "false"
    assert values["GRANTCHECK_BIND"].startswith("127.0.0.1:")


def _filled_environment(tmp_path: Path, port: int) -> dict[str, str]:
    """The example environment with every CHANGE-ME (and the machine-specific paths and
    addresses) filled in for this test: SQLite in a temporary folder unless the test run has
    PostgreSQL/Redis, whose addresses it then uses."""
    values = env_file(ENV_EXAMPLE)
    base = f"http://127.0.0.1:{port}"
    values.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        CSRF_TRUSTED_ORIGINS=base,
        PORTAL_BASE_URL=base,
        GRANTCHECK_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
        STATIC_ROOT=str(tmp_path / "static"),
        EXPORT_ROOT=str(tmp_path / "exports"),
        LIST_IMPORT_STAGING_DIR=str(tmp_path / "staging"),
        GRANTCHECK_AUDIT_SEAL_TARGET=f"file:{tmp_path / 'audit-seals.jsonl'}",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    if os.environ.get("DATABASE_URL"):
        values["DATABASE_URL"] = os.environ["DATABASE_URL"]
    else:
        del values["DATABASE_URL"]
        values["SQLITE_PATH"] = str(tmp_path / "db.sqlite3")
    if os.environ.get("REDIS_URL"):
        values["REDIS_URL"] = os.environ["REDIS_URL"]
    else:
        del values["REDIS_URL"]
    assert not [k for k, v in values.items() if "CHANGE-ME" in v]
    return values


def test_the_web_units_command_serves_healthz_under_the_example_environment(
    tmp_path: Path,
) -> None:
    service = unit_service_settings(DEPLOY / UNITS[0])
    argv = shlex.split(service["ExecStart"])
    venv_bin = Path(sys.executable).parent
    # The unit's install paths, mapped to this checkout and its virtual environment.
    argv[0] = str(venv_bin / Path(argv[0]).name)
    assert Path(argv[0]).exists(), f"{argv[0]} is missing (the prod extra installs gunicorn)"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not _drop(k)}
    env.update(_filled_environment(tmp_path, port))
    env["PATH"] = f"{venv_bin}{os.pathsep}{env.get('PATH', '')}"
    log = tmp_path / "web.log"
    with log.open("w") as out:
        server = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                url = f"http://127.0.0.1:{port}/healthz"
                with urllib.request.urlopen(url, timeout=5) as response:
                    status, body = response.status, json.loads(response.read())
                    break
            except OSError:
                assert server.poll() is None, log.read_text()[-3000:]
                assert time.monotonic() < deadline, f"no answer in {START_SECONDS} s"
                time.sleep(0.3)
        assert status == 200
        assert body["database"] == "ok"
        assert body["status"] in {"ok", "degraded"}  # no worker runs in this test
        assert re.search(r"Listening at: http://127\.0\.0\.1:\d+", log.read_text())
    finally:
        server.terminate()
        server.wait(timeout=40)
    assert server.returncode == 0, log.read_text()[-3000:]


def test_check_deploy_is_clean_under_the_example_environment(tmp_path: Path) -> None:
    """The example, its secrets filled in, is a valid production configuration as written
    (its host names included); the database is not read by these checks."""
    values = env_file(ENV_EXAMPLE)
    values["SECRET_KEY"] = secrets.token_urlsafe(50)
    for name in ("DATABASE_URL", "REDIS_URL"):
        del values[name]
    values["SQLITE_PATH"] = str(tmp_path / "db.sqlite3")
    env = {k: v for k, v in os.environ.items() if not _drop(k)}
    env.update(values, DJANGO_SETTINGS_MODULE="config.settings")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert not re.search(r"\([\w.]+\.[WE]\d+\)", output), output
