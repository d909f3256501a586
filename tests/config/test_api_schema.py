"""The OpenAPI schema validates with no warnings; it and Swagger UI need a sign-in in
production unless made public; HTTP Basic on the API is off in production unless asked for.

`manage.py spectacular --validate --fail-on-warn` runs here, so CI (make test) runs it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.settings_probe import settings_probe

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k3y-" + "x9" * 30,
    "ALLOWED_HOSTS": "testserver",
    "PORTAL_BASE_URL": "https://grants.example.edu",
}
PROBE = (
    "import json, django; django.setup(); from django.test import Client; "
    "from rest_framework.settings import api_settings; c = Client(); "
    "print(json.dumps({'schema': c.get('/api/schema/', secure=True).status_code, "
    "'docs': c.get('/api/docs/', secure=True).status_code, "
    "'auth': [k.__name__ for k in api_settings.DEFAULT_AUTHENTICATION_CLASSES]}))"
)


def _probe(**env: str) -> dict[str, Any]:
    result = settings_probe(
        PROBE,
        env,
        drop=lambda k: (
            k in PRODUCTION or k.startswith(("GRANTCHECK_", "DATABASE_URL", "REDIS_URL"))
        ),
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_schema_validates_without_a_single_warning(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--file",
            str(tmp_path / "schema.yaml"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr, result.stderr
    schema = (tmp_path / "schema.yaml").read_text()
    assert "ScreenInput" in schema and "WhatIfInput" in schema  # one name per serializer


def test_in_production_the_schema_and_docs_need_a_sign_in_and_basic_auth_is_off() -> None:
    values = _probe(**PRODUCTION)
    assert values["schema"] == 403 and values["docs"] == 403
    assert "AuditedBasicAuthentication" not in values["auth"]
    assert "AuditedTokenAuthentication" in values["auth"]


def test_settings_make_the_schema_public_and_turn_basic_auth_on_in_production() -> None:
    values = _probe(
        **PRODUCTION, GRANTCHECK_API_SCHEMA_PUBLIC="true", GRANTCHECK_API_BASIC_AUTH="true"
    )
    assert values["schema"] == 200 and values["docs"] == 200
    assert "AuditedBasicAuthentication" in values["auth"]


def test_in_development_the_schema_is_public_and_basic_auth_is_on() -> None:
    values = _probe()
    assert values["schema"] == 200 and values["docs"] == 200
    assert "AuditedBasicAuthentication" in values["auth"]
