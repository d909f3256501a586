"""A mitigation can't be due in the past: service, finding page, bulk queue form and API refuse
1900-01-01 (or yesterday) with one message and write nothing (issue 21 §7)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from compliance.models import AuditEvent, Finding, FindingDecision
from compliance.services.decisions import MSG_DUE_PAST, finding_decide
from projects.errors import ApplicationError

MITIGATION: dict[str, Any] = {
    "decision": "mitigation_required",
    "reason": "Co-author overlap",
    "mitigation_plan": "End the collaboration",
}


def _nothing_written(finding: Finding, events_before: int) -> None:
    finding.refresh_from_db()
    assert finding.review_status == Finding.Review.NEW
    assert not FindingDecision.objects.exists()
    assert AuditEvent.objects.count() == events_before


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("due", ["1900-01-01", "yesterday"])
def test_the_service_refuses_a_due_date_in_the_past(
    evaluated: dict[str, Any], reviewer: Any, due: str
) -> None:
    finding = evaluated["finding"]
    today = timezone.localdate()
    when = today - timedelta(days=1) if due == "yesterday" else today.replace(year=1900, day=1)
    events = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as refused:
        finding_decide(finding=finding, user=reviewer, due_date=when, **MITIGATION)
    assert refused.value.message == MSG_DUE_PAST
    _nothing_written(finding, events)


@pytest.mark.django_db
def test_a_due_date_of_today_is_accepted(evaluated: dict[str, Any], reviewer: Any) -> None:
    finding = evaluated["finding"]
    made = finding_decide(
        finding=finding, user=reviewer, due_date=timezone.localdate(), **MITIGATION
    )
    finding.refresh_from_db()
    assert finding.review_status == Finding.Review.MITIGATION
    assert made.due_date == timezone.localdate()


@pytest.mark.django_db
def test_the_finding_page_shows_the_message_next_to_the_due_date(
    evaluated: dict[str, Any], reviewer: Any
) -> None:
    finding = evaluated["finding"]
    events = AuditEvent.objects.count()
    response = _signed_in(reviewer).post(
        f"/findings/{finding.pk}/", {**MITIGATION, "due_date": "1900-01-01"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert f'id="d-due-error" class="error">{MSG_DUE_PAST}' in page
    assert f'min="{timezone.localdate():%Y-%m-%d}"' in page  # the date picker says so too
    _nothing_written(finding, events)


@pytest.mark.django_db
def test_the_bulk_form_refuses_it_for_every_selected_finding(
    evaluated: dict[str, Any], reviewer: Any
) -> None:
    finding = evaluated["finding"]
    other = Finding.objects.exclude(pk=finding.pk).first()
    assert other is not None
    events = AuditEvent.objects.count()
    response = _signed_in(reviewer).post(
        "/findings/decide/",
        {**MITIGATION, "due_date": "1900-01-01", "finding": [finding.pk, other.pk]},
    )
    assert response.status_code == 400
    assert MSG_DUE_PAST in response.content.decode()
    _nothing_written(finding, events)
    other.refresh_from_db()
    assert other.review_status == Finding.Review.NEW


@pytest.mark.django_db
def test_the_api_answers_400_naming_the_due_date(
    evaluated: dict[str, Any], reviewer: Any, api_client_for: Callable[[Any], Any]
) -> None:
    finding = evaluated["finding"]
    events = AuditEvent.objects.count()
    response = api_client_for(reviewer).post(
        f"/api/v1/findings/{finding.pk}/decide/",
        {**MITIGATION, "due_date": "1900-01-01"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"due_date": [MSG_DUE_PAST]}
    _nothing_written(finding, events)


@pytest.mark.django_db
def test_auditors_and_outsiders_still_cannot_decide(
    evaluated: dict[str, Any],
    auditor: Any,
    outsider: Any,
    api_client_for: Callable[[Any], Any],
) -> None:
    finding = evaluated["finding"]
    url = f"/api/v1/findings/{finding.pk}/decide/"
    tomorrow = f"{timezone.localdate() + timedelta(days=1):%Y-%m-%d}"
    body = {**MITIGATION, "due_date": tomorrow}
    assert api_client_for(auditor).post(url, body, format="json").status_code == 403
    assert api_client_for(outsider).post(url, body, format="json").status_code == 404
    assert not FindingDecision.objects.exists()
