"""Screenshots of the portal for the README: `make screenshots`.

Builds the demo database in a temporary SQLite file (the `make demo` steps, with SQLITE_PATH
pointing at it), serves it with runserver on a free port, signs in through the login page as
the demo users and saves PNGs under docs/screenshots/. The server and the file are removed
afterwards. Drives the system Chromium (/usr/bin/chromium); never downloads a browser.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import ViewportSize

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("GRANTCHECK_CHROMIUM", "/usr/bin/chromium")
USERS = {
    "pi": "demo-pi-2026",
    "reviewer": "demo-reviewer-2026",
    "auditor": "demo-auditor-2026",
    "admin": "demo-admin-2026",
}
VIEWPORT: ViewportSize = {"width": 1280, "height": 860}
MAX_HEIGHT = 1600  # long pages are cut here so the PNGs stay readable in the README
SEVERITY_ORDER = ["block", "high", "medium", "low", "info", "error"]


def demo_env(sqlite_path: Path) -> dict[str, str]:
    """Embedded mode on the temporary file: SQLite, eager Celery, local-memory cache."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(SQLITE_PATH=str(sqlite_path), DEBUG="true", CELERY_TASK_ALWAYS_EAGER="true")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def demo_build(env: dict[str, str]) -> None:
    print("building the demo database (make demo) ...", flush=True)
    subprocess.run(  # noqa: S603
        ["make", "--no-print-directory", "-C", str(ROOT), "demo"],  # noqa: S607
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def subjects(env: dict[str, str]) -> dict[str, int]:
    """Which project and finding to show: the PI's project with the most open findings and
    its most severe open finding under today's obligations (read from the demo database)."""
    os.environ.update({k: env[k] for k in ("SQLITE_PATH", "DEBUG", "CELERY_TASK_ALWAYS_EAGER")})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connections
    from django.db.models import Count, Q

    from compliance.models import Finding
    from projects.selectors import projects_visible_to

    pi = User.objects.get(username="pi")
    project = (
        projects_visible_to(user=pi)
        .annotate(n=Count("findings", filter=Q(findings__status="open")))
        .order_by("-n", "pk")
        .first()
    )
    if project is None:
        raise SystemExit("the demo PI has no project")
    rows = Finding.objects.filter(status="open").values_list("pk", "severity", "scenario__code")
    open_findings = list(rows.filter(project=project)) or list(rows)
    if not open_findings:
        raise SystemExit("the demo database has no open finding")
    # Today's obligations first, then the most severe.
    finding = min(
        open_findings, key=lambda f: (f[2] != "current", SEVERITY_ORDER.index(f[1]), f[0])
    )[0]
    connections.close_all()
    return {"project": project.pk, "finding": finding}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def served(env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(  # noqa: S603
        [
            str(ROOT / ".venv" / "bin" / "python"),
            "manage.py",
            "runserver",
            f"127.0.0.1:{port}",
            "--noreload",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(120):
            if server.poll() is not None:
                raise SystemExit(f"runserver exited with {server.returncode}")
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2):  # noqa: S310
                    break
            except OSError:
                time.sleep(0.5)
        else:
            raise SystemExit("runserver did not answer within 60 s")
        print(f"serving {base} (pid {server.pid})", flush=True)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        print("server stopped", flush=True)


def shoot(page: Any, name: str) -> None:
    page.wait_for_load_state("networkidle")
    height = min(int(page.evaluate("document.documentElement.scrollHeight")), MAX_HEIGHT)
    path = OUT / f"{name}.png"
    page.screenshot(
        path=str(path),
        full_page=True,
        clip={"x": 0, "y": 0, "width": VIEWPORT["width"], "height": height},
    )
    print(f"  {path.relative_to(ROOT)}", flush=True)


def sign_in(browser: Any, base: str, username: str) -> Any:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(USERS[username])
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    if "/accounts/login/" in page.url:
        raise SystemExit(f"could not sign in as {username}")
    return page


def screenshots(base: str, ids: dict[str, int]) -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    project, finding = ids["project"], ids["finding"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        page = browser.new_context(viewport=VIEWPORT).new_page()
        page.goto(f"{base}/accounts/login/")
        shoot(page, "login")

        page = sign_in(browser, base, "pi")
        for path, name in (
            ("/projects/", "projects"),
            (f"/projects/{project}/", "project"),
            (f"/projects/{project}/self-check/", "self-check"),
        ):
            page.goto(base + path)
            shoot(page, name)
        page.goto(f"{base}/projects/{project}/ties/new/")
        page.get_by_label("Organisation", exact=True).press_sequentially(
            "Harbin Institute of Technology", delay=5
        )
        page.get_by_test_id("screening-hint").wait_for()
        shoot(page, "tie-form")
        page.goto(f"{base}/attestation/")
        shoot(page, "attestation")

        page = sign_in(browser, base, "reviewer")
        for path, name in (
            ("/dashboard/", "dashboard"),
            ("/findings/", "review-queue"),
            (f"/findings/{finding}/", "finding"),
            ("/matches/", "matches"),
            ("/rules/", "rules"),
            ("/lists/", "lists"),
        ):
            page.goto(base + path)
            shoot(page, name)

        page = sign_in(browser, base, "admin")
        page.goto(f"{base}/rules/R07/draft/")
        shoot(page, "rule-draft")
        page.goto(f"{base}/import/")
        sample = sorted((ROOT / "tests" / "data" / "import" / "good").glob("*.csv"))
        page.get_by_label("Files").set_input_files([str(p) for p in sample])
        with page.expect_navigation():
            page.get_by_role("button", name="Preview the import").click()
        shoot(page, "import")  # the preview; nothing is imported

        page = sign_in(browser, base, "auditor")
        page.goto(f"{base}/findings/{finding}/")
        shoot(page, "finding-auditor")
        page.goto(f"{base}/exports/")
        for kind, fmt in (("exposure", "pdf"), ("findings", "xlsx")):
            page.get_by_label("Report").select_option(kind)
            page.get_by_label("Scenario").select_option("current")
            page.get_by_label("Format").select_option(fmt)
            with page.expect_navigation():
                page.get_by_role("button", name="Start export").click()
        shoot(page, "exports")
        page.goto(f"{base}/audit-log/?object_type=report")
        shoot(page, "audit-log")
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} not found: apt-get install chromium")
    with tempfile.TemporaryDirectory(prefix="grantcheck-shots-") as tmp:
        env = demo_env(Path(tmp) / "demo.sqlite3")
        demo_build(env)
        ids = subjects(env)
        with served(env) as base:
            screenshots(base, ids)
    print(f"screenshots written to {OUT.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
