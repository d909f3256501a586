"""A tie whose organisation name hides invisible characters or look-alike letters still gets
its finding: the soft-hyphen name as a listed match, the mixed-script one held for review."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from compliance.models import Finding
from projects.models import Tie
from rules.models import OrganisationMatch
from rules.screening.confusables import MIXED_SCRIPT_REASON
from tests.factories import ProjectFactory, RoleFactory
from tests.web import signed_in

SOFT_HYPHEN_NAME = "Harbin Insti\u00adtute of Tech\u200bnology"
MIXED_NAME = "Harb\u0456n Institute of Technology"  # Cyrillic small i (U+0456)


@pytest.fixture
def dod_project(rules_loaded: None, pi: Any) -> Any:
    project = ProjectFactory.create(
        sponsor="DOD", award_number="W911NF-25-1-0077", amount_usd=Decimal("500000.00")
    )
    RoleFactory.create(project=project, person=pi.person, role="pi")
    return project


def _add_tie(client: Any, project: Any, person_pk: int, organisation: str, capture: Any) -> Tie:
    data = {
        "person": person_pk,
        "kind": "visiting_at",
        "organisation": organisation,
        "country": "CN",
        "start_date": "2025-01-15",
        "end_date": "",
        "notes": "Summer visit",
    }
    with capture(execute=True):
        response = client.post(f"/projects/{project.pk}/ties/new/", data)
    assert response.status_code == 302, response.content.decode()
    return Tie.objects.get(person_id=person_pk, organisation__name=organisation)


@pytest.mark.django_db
def test_a_tie_named_with_a_soft_hyphen_and_zero_width_space_gets_its_finding(
    dod_project: Any, pi: Any, eager_celery: None, django_capture_on_commit_callbacks: Any
) -> None:
    tie = _add_tie(
        signed_in(pi),
        dod_project,
        pi.person.pk,
        SOFT_HYPHEN_NAME,
        django_capture_on_commit_callbacks,
    )

    match = OrganisationMatch.objects.get(organisation=tie.organisation, active=True)
    assert (match.decision, match.note, match.entry.primary_name) == (
        "accept",
        "",
        "Harbin Institute of Technology",
    )
    finding = Finding.objects.filter(
        project=dod_project, tie=tie, status="open", scenario__code="current"
    ).first()
    assert finding is not None
    assert finding.list_entry is not None and finding.list_entry.pk == match.entry_id
    assert finding.severity != "info"


@pytest.mark.django_db
def test_a_tie_with_a_mixed_script_name_gets_a_finding_held_for_review_with_the_reason(
    dod_project: Any,
    pi: Any,
    reviewer: Any,
    eager_celery: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    tie = _add_tie(
        signed_in(pi), dod_project, pi.person.pk, MIXED_NAME, django_capture_on_commit_callbacks
    )

    match = OrganisationMatch.objects.get(organisation=tie.organisation, active=True)
    reason = MIXED_SCRIPT_REASON.format(words="“Harb\u0456n” (Cyrillic, Latin)")
    assert (match.decision, match.review_status, match.note) == ("review", "pending", reason)
    findings = Finding.objects.filter(
        project=dod_project, tie=tie, status="open", scenario__code="current"
    )
    assert findings.exists()
    assert {f.severity for f in findings} == {"info"}  # never auto-blocked
    assert all(f.list_entry_id == match.entry_id for f in findings)
    client = signed_in(reviewer)
    queue = client.get("/matches/").content.decode()
    assert f"Held for review: {reason}" in queue
    detail = client.get(f"/matches/{match.pk}/").content.decode()
    assert "Why it waits for review" in detail and reason in detail
    finding_page = client.get(f"/findings/{findings[0].pk}/").content.decode()
    assert f"held for review: {reason}" in finding_page
