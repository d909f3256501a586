"""Users read labels, not codes: sponsors, field tags, scenarios, statuses, amounts, match
outcomes; and an ended tie behaves as ended (issue 21 §7)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from compliance import labels
from compliance.models import Finding
from compliance.portal.forms_pi import MSG_ALREADY_ENDED
from projects.models import FieldTag, Tie
from rules.models import OrganisationMatch
from tests.factories import OrganisationFactory, ProjectFactory, RoleFactory, TieFactory


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("5862000.00"), "$5,862,000"),
        (Decimal("1234.5"), "$1,234.50"),
        ("600000", "$600,000"),
        (Decimal("-2"), "-$2"),
        (None, ""),
    ],
)
def test_amounts_have_thousands_separators_and_currency(amount: Any, text: str) -> None:
    assert labels.usd(amount) == text


def test_sponsor_codes_read_as_names() -> None:
    assert labels.sponsor_label("NON_FEDERAL") == "Non-federal"
    assert labels.sponsor_label("OTHER_FEDERAL") == "Other federal"
    assert labels.sponsor_label("NSF") == "National Science Foundation"


def test_forecast_scenarios_are_named_after_their_bill(rules_loaded: None) -> None:
    assert labels.scenario_labels(today=labels.TODAY) == {
        "current": "Today",
        "current_safe": "If SAFE Research Act passes",
        "current_s4525": "If S.4525 / H.R. 8901 passes",
        "current_s2755": "If S.2755 passes",
    }


def _match(decision: str, review: str, method: str = "exact") -> OrganisationMatch:
    return OrganisationMatch(decision=decision, review_status=review, method=method)


def test_match_wording_says_what_happened() -> None:
    auto = labels.match_outcome(_match("accept", "pending"))
    assert auto == "accepted automatically (matched on exact name); no review needed"
    assert "pending" not in auto
    waiting = labels.match_outcome(_match("review", "pending", "fuzzy"))
    assert waiting.startswith("awaiting a reviewer")
    assert labels.match_outcome(_match("accept", "confirmed")).startswith("confirmed by")
    assert "not the same organisation" in labels.match_outcome(_match("review", "rejected"))


@pytest.mark.django_db
def test_project_page_shows_labels_not_codes(pi: Any) -> None:
    project = ProjectFactory.create(
        sponsor="NON_FEDERAL", award_number="NF-77", amount_usd=Decimal("5862000.00")
    )
    RoleFactory.create(project=project, person=pi.person, role="pi")
    FieldTag.objects.create(
        project=project, area="communications_networking", confidence=0.89, method="text"
    )
    page = _signed_in(pi).get(reverse("portal-project", args=[project.pk])).content.decode()
    assert "$5,862,000" in page and "5862000.00" not in page
    assert "Non-federal NF-77" in page and "NON_FEDERAL" not in page
    assert (
        "Integrated Communication and Networking Technologies (confidence 89%, from the title "
        "and abstract)" in page
    )
    assert "communications_networking" not in page


@pytest.mark.django_db
def test_queue_and_finding_page_show_labels_and_what_the_match_did(
    evaluated: dict[str, Any], reviewer: Any
) -> None:
    client = _signed_in(reviewer)
    queue = client.get(reverse("portal-queue")).content.decode()
    assert "<td>current_s2755</td>" not in queue and "<td>current</td>" not in queue
    assert "<td>Current obligations</td>" in queue
    assert "$1,250,000.00" not in queue and "$1,250,000" in queue
    assert "Findings per scenario: Current obligations " in queue  # no count across them
    finding: Finding = evaluated["finding"]
    assert finding.tie is not None
    match = OrganisationMatch.objects.get(organisation=finding.tie.organisation)
    assert (match.method, match.decision, match.review_status) == ("exact", "accept", "pending")
    page = client.get(reverse("portal-finding", args=[finding.pk])).content.decode()
    assert "accepted automatically (matched on exact name); no review needed" in page
    assert "review pending" not in page and "Accept," not in page
    assert "Department of Defense W911NF-24-1-0042" in page and "$1,250,000 at stake" in page


@pytest.mark.django_db
def test_an_ended_tie_offers_no_end_and_cannot_be_ended_again(pi: Any) -> None:
    project = ProjectFactory.create()
    RoleFactory.create(project=project, person=pi.person, role="pi")
    today = timezone.localdate()
    organisation = OrganisationFactory.create(name="University of Leeds", country="GB")
    ended = TieFactory.create(
        person=pi.person,
        organisation=organisation,
        kind="coauthorship",
        start_date=today - timedelta(days=400),
        end_date=today,
    )
    running = TieFactory.create(
        person=pi.person,
        organisation=organisation,
        kind="consulting",
        start_date=today - timedelta(days=400),
        end_date=None,
    )
    client = _signed_in(pi)
    page = client.get(reverse("portal-project", args=[project.pk])).content.decode()
    assert reverse("portal-tie-end", args=[project.pk, running.pk]) in page
    assert reverse("portal-tie-end", args=[project.pk, ended.pk]) not in page
    assert "Ended" in page
    url = reverse("portal-tie-end", args=[project.pk, ended.pk])
    shown = client.get(url).content.decode()
    assert f"This tie ended on {today.isoformat()}" in shown and "End tie</button>" not in shown
    refused = client.post(url, {"end_date": ""})
    assert MSG_ALREADY_ENDED.format(date=today.isoformat()) in refused.content.decode()
    ended.refresh_from_db()
    assert ended.end_date == today
    assert Tie.objects.get(pk=running.pk).end_date is None
