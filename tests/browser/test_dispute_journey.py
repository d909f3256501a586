"""The dispute journey in a real browser: a tie found in the PI's ORCID record shows in the
self-check ("Found in: ORCID record, 2024 — disclose it, or tell us it isn't right"), the PI
disputes it, a reviewer accepts, the tie is gone and does not return on re-import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from projects.connectors.orcid import import_orcid
from projects.models import EvidenceDispute, Project, Tie
from tests.browser.conftest import sign_in
from tests.factories import ProjectFactory, RoleFactory
from tests.services import IN_CI

if not IN_CI:  # under CI=true a missing playwright is a collection error, not a skip
    pytest.importorskip("playwright", reason="the playwright package is not installed")
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)

RECORD = Path(__file__).resolve().parents[1] / "data" / "connectors" / "orcid"
HIT = "Harbin Institute of Technology"


@pytest.fixture
def found(rules_loaded: None, pi: Any, eager_celery: None) -> Project:
    """The PI (ORCID iD 0000-0001-5109-3700) leads an NSF award; their ORCID record lists an
    adjunct post at HIT since 2024 that no disclosure records."""
    pi.person.orcid = "0000-0001-5109-3700"
    pi.person.save()
    project: Project = ProjectFactory.create(sponsor="NSF", award_number="2500777")
    RoleFactory.create(project=project, person=pi.person, role="pi")
    import_orcid(RECORD / "0000-0001-5109-3700.json")
    return project


def test_pi_disputes_found_evidence_and_a_reviewer_accepts(
    live_server: Any, new_page: Any, found: Project, pi: Any, reviewer: Any
) -> None:
    tie = Tie.objects.get(person=pi.person, organisation__name=HIT)
    page = new_page()
    sign_in(page, live_server.url, pi.username)
    page.goto(f"{live_server.url}{reverse('portal-self-check', args=[found.pk])}")
    today = page.locator("section", has=page.get_by_role("heading", name="Today", exact=True))
    expect(today).to_contain_text("R25")
    expect(today).to_contain_text("Found in: ORCID record, 2024")
    expect(today.get_by_role("link", name="disclose it")).to_be_visible()
    today.get_by_role("link", name="tell us it isn't right").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Tell us it isn't right")
    page.get_by_label("Wrong affiliation: I have no such tie").check()
    page.get_by_label("Anything the reviewer should know").fill("An honorary title I declined.")
    page.get_by_role("button", name="Send to a reviewer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ties found about you")
    expect(page.locator(f"#tie-{tie.pk}")).to_contain_text(
        "Your dispute (wrong affiliation): awaiting a reviewer"
    )
    dispute = EvidenceDispute.objects.get(tie=tie)
    assert (dispute.status, dispute.comment) == ("pending", "An honorary title I declined.")

    office = new_page()
    sign_in(office, live_server.url, reviewer.username)
    office.goto(f"{live_server.url}{reverse('portal-disputes')}")
    office.get_by_role("link", name=f"#{dispute.pk}").click()
    expect(office.get_by_role("heading", level=1)).to_contain_text("wrong affiliation")
    office.get_by_label("Accept: remove the tie").check()
    office.get_by_label("Reason (required)").fill("The university confirms no appointment.")
    office.get_by_role("button", name="Record decision").click()
    expect(office.locator("#dispute-status")).to_contain_text("Accepted")
    assert not Tie.objects.filter(pk=tie.pk).exists()

    page.reload()
    expect(page.get_by_text(HIT)).to_have_count(0)
    expect(page.get_by_text("Nothing found about you")).to_be_visible()
    import_orcid(RECORD / "0000-0001-5109-3700.json")  # the same record again
    assert not Tie.objects.filter(person=pi.person, organisation__name=HIT).exists()
    page.goto(f"{live_server.url}{reverse('portal-self-check', args=[found.pk])}")
    today = page.locator("section", has=page.get_by_role("heading", name="Today", exact=True))
    expect(today).not_to_contain_text("R25")
