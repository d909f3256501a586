"""Response headers: CSP without inline scripts, Permissions-Policy, and no-store on every
authenticated response, API response and export. Templates hold no inline script."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import Client, RequestFactory

from config.security import NoStoreMiddleware

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(
    p for app in ("compliance", "projects", "rules", "config") for p in (ROOT / app).rglob("*.html")
)


def _directives(header: str) -> dict[str, list[str]]:
    parts = (d.strip().split() for d in header.split(";") if d.strip())
    return {name: values for name, *values in parts}


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_portal_pages_carry_a_csp_without_inline_scripts(pi: Any, pi_project: Any) -> None:
    response = _signed_in(pi).get(f"/projects/{pi_project.pk}/")
    assert response.status_code == 200
    policy = _directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["style-src"]
    # the page's <style> blocks carry this response's nonce, and only they
    [nonce] = [v for v in policy["style-src"] if v.startswith("'nonce-")]
    html = response.content.decode()
    styles = re.findall(r"<style([^>]*)>", html)
    assert styles and all(f'nonce="{nonce[7:-1]}"' in attrs for attrs in styles)
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None  # no inline script


@pytest.mark.django_db
def test_every_page_gets_a_permissions_policy(pi: Any) -> None:
    for response in (Client().get("/accounts/login/"), _signed_in(pi).get("/projects/")):
        policy = response["Permissions-Policy"]
        assert "camera=()" in policy and "geolocation=()" in policy and "microphone=()" in policy


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_hold_no_inline_script_handler_or_style_attribute(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) is None, "inline <script>"
    assert re.search(r"\son[a-z]+\s*=", text) is None, "inline event handler (onclick=...)"
    assert re.search(r"\shx-on[:-]", text) is None, "htmx handler evaluated in the page"
    assert re.search(r"=\s*['\"](js|javascript):", text) is None, "htmx value evaluated"
    assert re.search(r"\sstyle\s*=", text) is None, "style attribute (CSP allows none)"
    assert all("nonce=" in attrs for attrs in re.findall(r"<style([^>]*)>", text))


@pytest.mark.django_db
def test_authenticated_pages_api_responses_and_exports_are_not_stored(
    pi: Any, pi_project: Any
) -> None:
    client = _signed_in(pi)
    for url in (f"/projects/{pi_project.pk}/", "/api/v1/projects/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
    export = client.get("/api/v1/reports/findings/", {"format": "csv"})
    assert export.status_code == 200
    assert export["Content-Disposition"].startswith("attachment")
    assert "no-store" in export["Cache-Control"]
    # an API refusal for an anonymous caller is not kept either
    anonymous = Client().get("/api/v1/projects/")
    assert anonymous.status_code in (401, 403) and "no-store" in anonymous["Cache-Control"]


def test_no_store_spares_anonymous_pages_but_not_downloads() -> None:
    request = RequestFactory().get("/some/page/")
    request.user = AnonymousUser()
    page = NoStoreMiddleware(lambda r: HttpResponse("public"))(request)
    assert "Cache-Control" not in page
    download = HttpResponse("a,b", headers={"Content-Disposition": 'attachment; filename="x.csv"'})
    assert "no-store" in NoStoreMiddleware(lambda r: download)(request)["Cache-Control"]


@pytest.mark.django_db
def test_api_docs_page_alone_allows_the_swagger_ui_cdn(admin_user: Any) -> None:
    client = _signed_in(admin_user)
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    policy = _directives(docs["Content-Security-Policy"])
    assert "https://cdn.jsdelivr.net" in policy["script-src"]
    assert "'unsafe-inline'" not in policy["script-src"]
    html = docs.content.decode()
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None
    script = client.get("/api/docs/", {"script": ""})
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
    portal = _directives(client.get("/projects/")["Content-Security-Policy"])
    assert "https://cdn.jsdelivr.net" not in portal["script-src"]
