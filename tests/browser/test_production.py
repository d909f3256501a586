"""The portal as deployed: gunicorn with the shipped config (config/gunicorn.py), DEBUG off,
static files collected and served by the app itself (whitenoise), the CSP in force. htmx
works: the tie form's screening hint appears as the PI types, and "Use <organisation>"
(static JavaScript, no inline handler) fills the form. The browser reports no CSP violation.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import PASSWORD, sign_in
from tests.config.test_env_check import _drop
from tests.services import IN_CI

if not IN_CI:
    pytest.importorskip("playwright", reason="the playwright package is not installed")
from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
GUNICORN = Path(sys.executable).with_name("gunicorn")
HIT = "Harbin Institute of Technology"
SEED = """
from django.contrib.auth.models import Group
from projects.access import PI
from datetime import date
from projects.services import organisation_get_or_create, tie_create
from tests.factories import PersonFactory, ProjectFactory, RoleFactory, UserFactory
user = UserFactory.create(username="prod_pi")
user.groups.add(Group.objects.get_or_create(name=PI)[0])
person = PersonFactory.create(user=user, email="prod_pi@univ.edu")
project = ProjectFactory.create(sponsor="DOD", award_number="W911NF-26-1-0001")
RoleFactory.create(project=project, person=person, role="pi")
# an organisation already on record for this PI: the form suggests it
heu, _ = organisation_get_or_create(
    name="Harbin Engineering University", country="CN", type="university"
)
tie_create(person=person, organisation=heu, kind="visiting_at", start_date=date(2025, 1, 6))
print(project.pk)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _run(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)}: {result.stderr[-2000:]}"
    return result.stdout


@pytest.fixture(scope="module")
def production_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A fresh SQLite database and collected static files, served by gunicorn, DEBUG off."""
    if not GUNICORN.exists():
        pytest.fail(f"gunicorn is not installed at {GUNICORN} (the prod extra)", pytrace=False)
    tmp = tmp_path_factory.mktemp("production")
    port = _free_port()
    base = f"http://localhost:{port}"
    env = {k: v for k, v in os.environ.items() if not _drop(k)}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="localhost",
        PORTAL_BASE_URL=base,
        # a test server without TLS: the one documented override (README, Production)
        SECURE_SSL_REDIRECT="false",
        SQLITE_PATH=str(tmp / "db.sqlite3"),
        STATIC_ROOT=str(tmp / "static"),
        GRANTCHECK_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
    )
    _run(env, "migrate", "--noinput", "-v0")
    _run(env, "collectstatic", "--noinput", "-v0")
    _run(env, "import_list", "grantcheck-yaml", "seeds/lists")
    project_id = int(_run(env, "shell", "-c", SEED).strip().splitlines()[-1])
    server = subprocess.Popen(
        [str(GUNICORN), "-c", "config/gunicorn.py", "config.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp / "gunicorn.log").open("w"),
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310
                    assert response.status == 200
                    break
            except OSError:
                assert server.poll() is None, (tmp / "gunicorn.log").read_text()[-2000:]
                assert time.monotonic() < deadline, "gunicorn did not answer in 60 s"
                time.sleep(0.3)
        yield {"url": base, "project": project_id, "log": tmp / "gunicorn.log"}
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_static_files_are_served_hashed_and_compressed(production_server: dict[str, Any]) -> None:
    base = production_server["url"]
    with urllib.request.urlopen(f"{base}/accounts/login/", timeout=10) as response:  # noqa: S310
        html = response.read().decode()
    [htmx] = re.findall(r'src="(/static/django_htmx/htmx[\w.-]*\.[0-9a-f]{12}\.js)"', html)
    request = urllib.request.Request(f"{base}{htmx}", headers={"Accept-Encoding": "gzip"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as static:  # noqa: S310
        assert static.status == 200
        assert static.headers["Content-Encoding"] == "gzip"
        assert "immutable" in static.headers["Cache-Control"]  # cache-busted: kept for good


def test_htmx_works_with_debug_off_under_the_csp(
    production_server: dict[str, Any], new_page: Any
) -> None:
    base, project = production_server["url"], production_server["project"]
    page = new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    sign_in(page, base, "prod_pi", PASSWORD)
    page.goto(f"{base}/projects/{project}/ties/new/")
    organisation = page.get_by_label("Organisation", exact=True)
    organisation.press_sequentially(HIT, delay=10)
    expect(page.get_by_test_id("screening-hint")).to_contain_text(HIT)  # htmx round trip

    organisation.fill("")
    organisation.press_sequentially("Harbin Engineering", delay=10)
    use = page.get_by_role("button", name=re.compile("Use Harbin Engineering University"))
    use.click()  # compliance/static/compliance/portal.js
    expect(organisation).to_have_value("Harbin Engineering University")
    expect(page.get_by_label("Country", exact=True)).to_have_value("CN")

    assert violations == [], violations
    assert failed == [], failed
