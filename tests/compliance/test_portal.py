"""Portal pages: login everywhere, object scoping (404), read-only roles cannot decide."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.web import signed_in


def _pages(p: dict[str, Any]) -> list[str]:
    dod, finding = p["dod"].pk, p["finding"].pk
    return [
        "/projects/",
        f"/projects/{dod}/",
        f"/projects/{dod}/self-check/",
        "/dashboard/",
        "/findings/",
        f"/findings/{finding}/",
    ]


@pytest.mark.django_db
def test_every_page_requires_login(evaluated: dict[str, Any]) -> None:
    for url in _pages(evaluated):
        response = signed_in(None).get(url)
        assert response.status_code == 302 and response["Location"].startswith(
            "/accounts/login/"
        ), url


@pytest.mark.django_db
def test_outsider_sees_no_project_and_gets_404_or_403(
    evaluated: dict[str, Any], outsider: Any
) -> None:
    client = signed_in(outsider)
    assert "No projects visible to you." in client.get("/projects/").content.decode()
    dod, finding = evaluated["dod"].pk, evaluated["finding"].pk
    for url in (f"/projects/{dod}/", f"/projects/{dod}/self-check/", f"/findings/{finding}/"):
        assert client.get(url).status_code == 404, url
    for url in ("/dashboard/", "/findings/"):
        assert client.get(url).status_code == 403, url
    assert (
        client.post(f"/findings/{finding}/", {"decision": "escalated", "reason": "x"}).status_code
        == 404
    )


@pytest.mark.django_db
def test_pi_sees_own_project_and_self_check_side_by_side(
    evaluated: dict[str, Any], pi: Any
) -> None:
    client = signed_in(pi)
    assert evaluated["dod"].award_number in client.get("/projects/").content.decode()
    page = client.get(f"/projects/{evaluated['dod'].pk}/").content.decode()
    assert "Harbin Institute of Technology" in page and "R07" in page
    check = client.get(f"/projects/{evaluated['dod'].pk}/self-check/").content.decode()
    assert "Today" in check and "If SAFE Research Act passes" in check
    assert "DoD (DoW) Decision Matrix" in check and "within the 5-year look-back" in check
    assert client.get(f"/projects/{evaluated['climate'].pk}/").status_code == 404
    assert client.get("/dashboard/").status_code == 403
    finding = evaluated["finding"]
    assert client.get(f"/findings/{finding.pk}/").status_code == 200
    assert (
        client.post(
            f"/findings/{finding.pk}/", {"decision": "escalated", "reason": "x"}
        ).status_code
        == 403
    )
    finding.refresh_from_db()
    assert finding.review_status == "new"


@pytest.mark.django_db
def test_auditor_reads_everything_and_cannot_decide(
    evaluated: dict[str, Any], auditor: Any
) -> None:
    client = signed_in(auditor)
    for url in _pages(evaluated):
        assert client.get(url).status_code == 200, url
    finding = evaluated["finding"]
    page = client.get(f"/findings/{finding.pk}/").content.decode()
    assert "Record decision" not in page
    response = client.post(
        f"/findings/{finding.pk}/", {"decision": "false_positive", "reason": "x"}
    )
    assert response.status_code == 403
    finding.refresh_from_db()
    assert finding.review_status == "new"


@pytest.mark.django_db
def test_reviewer_filters_the_queue_and_decides_with_a_reason(
    evaluated: dict[str, Any], reviewer: Any
) -> None:
    client = signed_in(reviewer)
    dashboard = client.get("/dashboard/").content.decode()
    assert "Current obligations" in dashboard and "1,250,000" in dashboard
    queue = client.get("/findings/", {"scenario": "current", "severity": "high"}).content.decode()
    finding = evaluated["finding"]
    assert f"#{finding.pk}" in queue
    assert "Nothing to review." in client.get("/findings/", {"rule": "R01"}).content.decode()
    url = f"/findings/{finding.pk}/"
    missing = client.post(url, {"decision": "mitigation_required", "reason": "Plan needed"})
    assert (
        missing.status_code == 200 and "mitigation plan and a due date" in missing.content.decode()
    )
    ok = client.post(
        url,
        {
            "decision": "mitigation_required",
            "reason": "Co-author overlap",
            "mitigation_plan": "End the collaboration",
            "due_date": "2027-01-31",
        },
    )
    assert ok.status_code == 302
    finding.refresh_from_db()
    assert finding.review_status == "mitigation_required"
    assert "End the collaboration" in client.get(url).content.decode()


@pytest.mark.django_db
def test_login_page_signs_in(evaluated: dict[str, Any], reviewer: Any) -> None:
    client = Client()
    assert client.get("/accounts/login/").status_code == 200
    response = client.post(
        "/accounts/login/", {"username": "reviewer_user", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert client.get("/dashboard/").status_code == 200


@pytest.mark.django_db
def test_sign_in_is_rate_limited(reviewer: Any, settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    for expected in (200, 200, 429):  # the third failure locks the account
        bad = client.post("/accounts/login/", {"username": "reviewer_user", "password": "wrong"})
        assert bad.status_code == expected
    locked = client.post(
        "/accounts/login/", {"username": "reviewer_user", "password": "correct-horse-battery"}
    )
    assert (
        locked.status_code == 429 and "Too many failed sign-in attempts" in locked.content.decode()
    )
    assert client.get("/dashboard/").status_code == 302  # still signed out
