"""Core portal journeys in a real browser (Chromium via Playwright) against live_server.

a. A PI adds a tie to a DoD 1286-listed institution and the self-check flags it.
b. A reviewer decides that finding; the decision survives a re-check.
c. An auditor sees the finding, has no decide controls, and a POST to decide is refused.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import pytest
from django.urls import reverse

from compliance.models import Finding, FindingDecision, RecheckRun
from projects.models import Project, Tie
from projects.services import organisation_get_or_create, project_update, tie_create
from tests.browser.conftest import sign_in
from tests.factories import ProjectFactory, RoleFactory
from tests.services import IN_CI

if not IN_CI:  # under CI=true a missing playwright is a collection error, not a skip
    pytest.importorskip("playwright", reason="the playwright package is not installed")
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)

HIT = "Harbin Institute of Technology"
T = TypeVar("T")


@pytest.fixture
def dod_project(rules_loaded: None, pi: Any, eager_celery: None) -> Project:
    """A DoD award led by the `pi` persona, with no ties yet."""
    project: Project = ProjectFactory.create(
        sponsor="DOD",
        award_number="W911NF-24-1-0042",
        title="Hypersonic boundary layers",
        department="Aerospace",
    )
    RoleFactory.create(project=project, person=pi.person, role="pi")
    return project


@pytest.fixture
def hit_tie(dod_project: Project, pi: Any) -> Tie:
    """The PI's visiting appointment at HIT, added through the services (screened on commit)."""
    organisation, _ = organisation_get_or_create(name=HIT, country="CN", type="university")
    return tie_create(
        person=pi.person,
        organisation=organisation,
        kind="visiting_at",
        start_date=date(2024, 9, 1),
        end_date=date(2025, 6, 30),
    )


@pytest.fixture
def r07(hit_tie: Tie) -> Finding:
    """The stored finding the tie's re-check produced under today's obligations."""
    return Finding.objects.get(rule__key="R07", scenario__code="current", tie=hit_tie)


def _today_card(page: Any) -> Any:
    heading = page.get_by_role("heading", name="Today", exact=True)
    return page.locator("section", has=heading)


def _eventually(read: Callable[[], T | None], seconds: float = 10.0) -> T:
    """The first non-None value of read(), polled while the live server finishes a request."""
    deadline = time.monotonic() + seconds
    while (value := read()) is None:
        assert time.monotonic() < deadline, "timed out waiting for the server's write"
        time.sleep(0.1)
    return value


def _csrf(page: Any) -> str:
    token: str = page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    return token


# --- a. PI: tie to a 1286-listed institution -> self-check flags it -------------------------


def test_pi_adds_hit_tie_through_the_form_and_self_check_flags_it(
    live_server: Any, new_page: Any, dod_project: Project, pi: Any
) -> None:
    add_url = reverse("portal-tie-add", args=[dod_project.pk])
    page = new_page()
    sign_in(page, live_server.url, pi.username)
    page.goto(f"{live_server.url}/projects/{dod_project.pk}/")
    page.locator(f"a[href='{add_url}']").first.click()
    expect(page.get_by_label("Organisation", exact=True)).to_be_visible()

    page.get_by_label("Person", exact=True).select_option(label=pi.person.name)
    page.get_by_label("Kind of tie").select_option("visiting_at")
    organisation = page.get_by_label("Organisation", exact=True)
    organisation.press_sequentially(HIT, delay=10)
    expect(page.get_by_test_id("screening-hint")).to_contain_text(HIT)
    page.get_by_label("Country", exact=True).select_option("CN")
    page.get_by_label("Start date").fill("2024-09-01")
    page.get_by_label("End date").fill("2025-06-30")
    page.get_by_label("Compensated").check()
    page.get_by_label("Notes").fill("Visiting appointment, autumn 2024")
    page.get_by_role("button", name="Save tie").click()
    page.wait_for_load_state("networkidle")  # a full post or an htmx swap

    tie = _eventually(lambda: Tie.objects.filter(person=pi.person, organisation__name=HIT).first())
    assert (tie.kind, tie.start_date, tie.end_date, tie.compensated) == (
        "visiting_at",
        date(2024, 9, 1),
        date(2025, 6, 30),
        True,
    )
    page.goto(f"{live_server.url}{reverse('portal-self-check', args=[dod_project.pk])}")
    today = _today_card(page)
    expect(today).to_contain_text("R07")
    expect(today).to_contain_text(HIT)


def test_pi_self_check_flags_a_hit_tie_added_in_the_data(
    live_server: Any, new_page: Any, dod_project: Project, pi: Any
) -> None:
    page = new_page()
    sign_in(page, live_server.url, pi.username)
    page.get_by_role("link", name=re.compile(dod_project.award_number)).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(dod_project.award_number)
    page.goto(f"{live_server.url}{reverse('portal-self-check', args=[dod_project.pk])}")
    expect(_today_card(page)).to_be_visible()
    expect(_today_card(page)).not_to_contain_text("R07")

    organisation, _ = organisation_get_or_create(name=HIT, country="CN", type="university")
    tie_create(
        person=pi.person,
        organisation=organisation,
        kind="visiting_at",
        start_date=date(2024, 9, 1),
        end_date=date(2025, 6, 30),
    )
    page.reload()
    today = _today_card(page)
    expect(today).to_contain_text("R07")
    expect(today).to_contain_text(HIT)
    expect(today).to_contain_text("DoD (DoW) Decision Matrix")
    expect(page.get_by_text("Worst: high").first).to_be_visible()


# --- b. Reviewer decides; the decision survives a re-check ---------------------------------


def test_reviewer_decides_and_the_decision_survives_a_recheck(
    live_server: Any, new_page: Any, r07: Finding, reviewer: Any, dod_project: Project
) -> None:
    page = new_page()
    sign_in(page, live_server.url, reviewer.username)
    page.goto(f"{live_server.url}{reverse('portal-queue')}")
    page.locator(f"a[href='{reverse('portal-finding', args=[r07.pk])}']").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("R07")

    page.get_by_label("Decision", exact=True).select_option("mitigation_required")
    page.get_by_label("Reason").fill("Visiting appointment inside the look-back")
    page.get_by_label("Mitigation plan").fill("End the appointment; document no overlap")
    page.get_by_label("Due date").fill("2027-01-31")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("End the appointment; document no overlap")).to_be_visible()

    decision = FindingDecision.objects.get(finding=r07)
    assert (decision.decision, decision.decided_by, decision.due_date) == (
        "mitigation_required",
        reviewer,
        date(2027, 1, 31),
    )
    r07.refresh_from_db()
    confirmed_before = r07.last_confirmed
    assert r07.review_status == "mitigation_required"

    # Editing the project triggers a re-check of it (receivers -> recheck_request -> chunk).
    project_update(project=dod_project, title="Hypersonic boundary layers, phase II")
    run = RecheckRun.objects.filter(trigger__contains=dod_project.award_number).latest("pk")
    assert run.status == RecheckRun.Status.DONE and run.findings_unchanged >= 1

    r07.refresh_from_db()
    assert r07.last_confirmed > confirmed_before  # the re-check did evaluate it again
    assert (r07.status, r07.review_status) == ("open", "mitigation_required")
    page.reload()
    expect(page.get_by_text("Mitigation required").first).to_be_visible()
    expect(page.get_by_text("End the appointment; document no overlap")).to_be_visible()


# --- c. Auditor: read-only ------------------------------------------------------------------


def test_auditor_sees_the_finding_without_decide_controls_and_a_post_is_refused(
    live_server: Any, new_page: Any, r07: Finding, auditor: Any
) -> None:
    page = new_page()
    sign_in(page, live_server.url, auditor.username)
    url = f"{live_server.url}{reverse('portal-finding', args=[r07.pk])}"
    page.goto(f"{live_server.url}{reverse('portal-queue')}")
    expect(page.locator(f"a[href='{reverse('portal-finding', args=[r07.pk])}']")).to_be_visible()
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_contain_text("R07")
    expect(page.get_by_text(HIT).first).to_be_visible()
    expect(page.get_by_role("button", name="Record decision")).to_have_count(0)
    expect(page.get_by_label("Decision", exact=True)).to_have_count(0)

    response = page.request.post(
        url,
        form={"decision": "false_positive", "reason": "Not the same institution"},
        headers={"X-CSRFToken": _csrf(page), "Referer": url},
    )
    assert response.status == 403
    r07.refresh_from_db()
    assert r07.review_status == "new"
    assert not FindingDecision.objects.filter(finding=r07).exists()
