"""`manage.py check --deploy` under the documented production environment: no warnings."""

from __future__ import annotations

import re
import secrets
import subprocess
import sys
from pathlib import Path

from tests.config.test_env_check import _drop

ROOT = Path(__file__).resolve().parents[2]
# README, Production: the variables a deployment sets (DATABASE_URL/REDIS_URL left out: the
# checks below read no database).
DOCUMENTED_PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "grants.example.edu",
    "CSRF_TRUSTED_ORIGINS": "https://grants.example.edu",
    "PORTAL_BASE_URL": "https://grants.example.edu",
    "GRANTCHECK_TRUSTED_PROXY": "1",
}


def test_check_deploy_is_clean_under_the_documented_production_environment() -> None:
    import os

    env = {k: v for k, v in os.environ.items() if not _drop(k)}
    env.update(DOCUMENTED_PRODUCTION, DJANGO_SETTINGS_MODULE="config.settings")
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
    issues = [line for line in output.splitlines() if re.match(r"^\S*: \([\w.]+\.[WE]\d+\)", line)]
    assert issues == [], output
    reported = re.search(r"System check identified (\d+) issues?", output)
    assert reported is None or int(reported.group(1)) == 0, output
