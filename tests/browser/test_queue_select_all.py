"""The queue's select-all box in a real browser: shown only with JavaScript (a static file, no
inline script), ticks and clears every row of the page, and shows a partial selection."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from compliance.models import Finding
from tests.browser.conftest import sign_in
from tests.compliance.conftest import finding_build
from tests.factories import ProjectFactory
from tests.services import IN_CI

if not IN_CI:  # under CI=true a missing playwright is a collection error, not a skip
    pytest.importorskip("playwright", reason="the playwright package is not installed")
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def three_findings(rules_loaded: None) -> list[Finding]:
    findings = [finding_build(ProjectFactory.create().pk, "project") for _ in range(3)]
    for finding in findings:
        finding.save()
    return findings


def test_select_all_ticks_and_clears_every_row_on_the_page(
    live_server: Any, new_page: Any, three_findings: list[Finding], reviewer: Any
) -> None:
    page = new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live_server.url, reviewer.username)
    page.goto(f"{live_server.url}{reverse('portal-queue')}")
    master = page.get_by_label("Select every finding on this page")
    rows = page.locator('input[type="checkbox"][name="finding"]')
    expect(master).to_be_visible()
    expect(rows).to_have_count(3)
    master.check()
    for i in range(3):
        expect(rows.nth(i)).to_be_checked()
    rows.nth(1).uncheck()
    expect(master).not_to_be_checked()
    assert master.evaluate("box => box.indeterminate") is True
    rows.nth(1).check()
    expect(master).to_be_checked()
    master.uncheck()
    for i in range(3):
        expect(rows.nth(i)).not_to_be_checked()
    assert errors == []
