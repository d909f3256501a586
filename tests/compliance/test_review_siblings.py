"""Review once per tie: siblings of a finding (the same tie in the other scenarios), one
decision applied to them each under its own rule version, a rejected match clearing the
findings that rest on it, and queue rows that say what a finding is about."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.staticfiles import finders

from compliance.models import AuditEvent, Finding, FindingDecision
from compliance.portal.matches import MSG_CLEARED
from compliance.services.sibling_decisions import MSG_NOT_SIBLING
from rules.models import OrganisationMatch
from rules.services.screening import organisations_screen
from tests.compliance.conftest import finding_build, org
from tests.factories import TieFactory
from tests.web import signed_in


@pytest.fixture
def r07(evaluated: dict[str, Any]) -> Finding:
    """The PI's HIT visiting appointment under today's obligations (R07, DoD project)."""
    finding: Finding = evaluated["finding"]
    return finding


def _siblings(finding: Finding) -> list[Finding]:
    return list(
        Finding.objects.filter(tie=finding.tie, project=finding.project)
        .exclude(pk=finding.pk)
        .select_related("scenario", "rule")
        .order_by("pk")
    )


@pytest.fixture
def review_match(portfolio: dict[str, Any]) -> OrganisationMatch:
    """A review-band match (a near name of a DoD 1286 entry) with held findings resting on it."""
    near = org("Institute of Technology of Harbin")
    TieFactory.create(person=portfolio["co_pi"], organisation=near, kind="visiting_at")
    organisations_screen(organisation_ids=[near.pk])
    match = OrganisationMatch.objects.get(organisation=near)
    assert match.decision == "review" and match.review_status == "pending"
    return match


def _resting(match: OrganisationMatch) -> list[Finding]:
    return list(
        Finding.objects.filter(tie__organisation=match.organisation, status="open").order_by("pk")
    )


def _stranger(evaluated: dict[str, Any]) -> Finding:
    """An open finding on another project, in another scenario: no sibling of R07's."""
    finding = finding_build(evaluated["climate"].pk, "project", scenario="current_safe")
    finding.save()
    return finding


def _decision_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type="compliance.findingdecision"))


# ---------------------------------------------------------------- finding page


@pytest.mark.django_db
def test_finding_page_links_the_same_tie_in_other_scenarios_with_their_legal_basis(
    r07: Finding, reviewer: Any
) -> None:
    siblings = _siblings(r07)
    # the same rule in the three bill scenarios, and the SAFE Research Act's own rule
    assert sorted(f.rule.key for f in siblings) == ["R07", "R07", "R07", "R26"]
    page = signed_in(reviewer).get(f"/findings/{r07.pk}/").content.decode()
    table = page.split('id="siblings"')[1].split("</table>")[0]
    for sibling in siblings:
        assert f'href="/findings/{sibling.pk}/"' in table
        assert sibling.scenario.name in table
        citation = sibling.rule_version.content["legal_basis"]["citation"]
        assert citation.split(";")[0] in table
        # open and undecided: ticked by default in the decision form
        assert re.search(rf'name="sibling" value="{sibling.pk}"[^>]*checked', page)


@pytest.mark.django_db
def test_a_decision_applies_to_the_chosen_siblings_each_under_its_own_rule_version(
    r07: Finding, reviewer: Any
) -> None:
    siblings = _siblings(r07)
    response = signed_in(reviewer).post(
        f"/findings/{r07.pk}/",
        {
            "decision": "false_positive",
            "reason": "The visit was to a different campus",
            "sibling": [f.pk for f in siblings],
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "and 4 sibling finding(s)" in response.content.decode()
    own = FindingDecision.objects.get(finding=r07)
    assert own.applied_from is None and own.rule_version_id == r07.rule_version_id
    for sibling in siblings:
        sibling.refresh_from_db()
        assert sibling.review_status == "false_positive"
        decision = FindingDecision.objects.get(finding=sibling)
        assert decision.applied_from_id == own.pk
        assert decision.rule_version_id == sibling.rule_version_id
        assert decision.reason == "The visit was to a different campus"
        assert decision.decided_by == reviewer
    # the SAFE Research Act rule keeps its own legal basis, distinct from R07's
    r26 = next(f for f in siblings if f.rule.key == "R26")
    assert r26.rule_version_id != r07.rule_version_id
    events = _decision_events()
    assert len(events) == 5 and all(e.actor_username == "reviewer_user" for e in events)
    audited = {(e.after["finding_id"], e.after["rule_version_id"]) for e in events}
    assert audited == {(f.pk, f.rule_version_id) for f in [r07, *siblings]}
    page = signed_in(reviewer).get(f"/findings/{r26.pk}/").content.decode()
    assert f'applied from the decision on <a href="/findings/{r07.pk}/">' in page
    assert "under R26@v" in page


@pytest.mark.django_db
def test_a_decision_without_siblings_leaves_them_as_they_were(r07: Finding, reviewer: Any) -> None:
    signed_in(reviewer).post(
        f"/findings/{r07.pk}/", {"decision": "escalated", "reason": "Needs the RSO"}
    )
    r07.refresh_from_db()
    assert r07.review_status == "escalated"
    assert all(f.review_status == "new" for f in _siblings(r07))


@pytest.mark.django_db
def test_a_finding_that_is_not_a_sibling_is_refused_and_nothing_is_written(
    r07: Finding, evaluated: dict[str, Any], reviewer: Any
) -> None:
    other = _stranger(evaluated)
    events = AuditEvent.objects.count()
    response = signed_in(reviewer).post(
        f"/findings/{r07.pk}/",
        {"decision": "escalated", "reason": "x", "sibling": [other.pk]},
    )
    assert MSG_NOT_SIBLING.format(pk=other.pk) in response.content.decode()
    r07.refresh_from_db()
    other.refresh_from_db()
    assert (r07.review_status, other.review_status) == ("new", "new")
    assert not FindingDecision.objects.exists() and AuditEvent.objects.count() == events


# ---------------------------------------------------------------- queue


@pytest.mark.django_db
def test_bulk_decide_can_include_the_siblings_of_every_selected_finding(
    r07: Finding, reviewer: Any
) -> None:
    client = signed_in(reviewer)
    data = {"finding": [r07.pk], "decision": "escalated", "reason": "One tie, one decision"}
    response = client.post("/findings/decide/", {**data, "include_siblings": "on"}, follow=True)
    assert "on 1 finding(s), and on 4 sibling finding(s)" in response.content.decode()
    own = FindingDecision.objects.get(finding=r07)
    for sibling in _siblings(r07):
        sibling.refresh_from_db()
        assert sibling.review_status == "escalated"
        decision = FindingDecision.objects.get(finding=sibling)
        assert (decision.applied_from_id, decision.rule_version_id) == (
            own.pk,
            sibling.rule_version_id,
        )


@pytest.mark.django_db
def test_bulk_decide_without_the_box_decides_the_selection_only(
    r07: Finding, reviewer: Any
) -> None:
    data = {"finding": [r07.pk], "decision": "escalated", "reason": "Only this one"}
    signed_in(reviewer).post("/findings/decide/", data)
    assert FindingDecision.objects.count() == 1
    assert all(f.review_status == "new" for f in _siblings(r07))


@pytest.mark.django_db
def test_queue_rows_say_project_person_organisation_rule_and_scenario(
    r07: Finding, evaluated: dict[str, Any], reviewer: Any
) -> None:
    page = signed_in(reviewer).get("/findings/", {"scenario": "current"}).content.decode()
    row = page.split(f'href="/findings/{r07.pk}/"')[1].split("</tr>")[0]
    for text in (
        "Hypersonic boundary layers",
        "W911NF-24-1-0042",
        evaluated["pi"].person.name,
        "Harbin Institute of Technology",
        f"R07 {r07.rule.title}",
        "Current obligations",
    ):
        assert text in row, text


@pytest.mark.django_db
def test_queue_has_a_select_all_box_driven_by_a_static_script(
    r07: Finding, reviewer: Any, auditor: Any
) -> None:
    page = signed_in(reviewer).get("/findings/").content.decode()
    assert re.search(
        r'<input type="checkbox" id="select-all" data-select-all="finding" hidden>', page
    )
    assert '<label for="select-all" class="sr-only">Select every finding on this page' in page
    assert re.search(r'<script src="[^"]*compliance/select_all\.js" defer></script>', page)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)  # no inline script
    assert finders.find("compliance/select_all.js")
    assert 'name="include_siblings"' in page
    read_only = signed_in(auditor).get("/findings/").content.decode()
    assert "select-all" not in read_only and "include_siblings" not in read_only


# ---------------------------------------------------------------- rejected match


@pytest.mark.django_db
def test_rejecting_a_match_clears_every_open_finding_that_rests_on_it(
    review_match: OrganisationMatch, evaluated: dict[str, Any], reviewer: Any
) -> None:
    from compliance.services.evaluation import portfolio_evaluate
    from rules.models import Scenario
    from tests.compliance.conftest import TODAY

    for scenario in Scenario.objects.all():
        portfolio_evaluate(scenario=scenario, today=TODAY)
    resting = _resting(review_match)
    assert len(resting) == 3 and all(f.held_for_review for f in resting)
    client = signed_in(reviewer)
    page = client.get(f"/matches/{review_match.pk}/").content.decode()
    table = page.split('id="resting"')[1].split("</table>")[0]
    assert all(f'href="/findings/{f.pk}/"' in table for f in resting)
    unrelated = evaluated["finding"]
    response = client.post(
        f"/matches/{review_match.pk}/",
        {"status": "rejected", "reason": "A different institute in Harbin"},
        follow=True,
    )
    assert MSG_CLEARED.format(count=3) in response.content.decode()
    for finding in resting:
        finding.refresh_from_db()
        assert finding.review_status == "false_positive"
        decision = FindingDecision.objects.get(finding=finding)
        assert decision.reason.startswith("Not the same organisation")
        assert "A different institute in Harbin" in decision.reason
        assert f"match #{review_match.pk}" in decision.reason
        assert decision.decided_by == reviewer
        assert decision.rule_version_id == finding.rule_version_id
    assert {e.after["finding_id"] for e in _decision_events()} == {f.pk for f in resting}
    unrelated.refresh_from_db()
    assert unrelated.review_status == "new"


@pytest.mark.django_db
def test_confirming_a_match_leaves_its_findings_to_the_reviewer(
    review_match: OrganisationMatch, evaluated: dict[str, Any], reviewer: Any
) -> None:
    from compliance.services.evaluation import portfolio_evaluate
    from rules.models import Scenario
    from tests.compliance.conftest import TODAY

    for scenario in Scenario.objects.all():
        portfolio_evaluate(scenario=scenario, today=TODAY)
    signed_in(reviewer).post(
        f"/matches/{review_match.pk}/", {"status": "confirmed", "reason": "Same institute"}
    )
    assert not FindingDecision.objects.exists()
    assert all(f.review_status == "new" for f in _resting(review_match))


@pytest.mark.django_db
def test_rejecting_a_match_through_the_api_clears_its_findings_too(
    review_match: OrganisationMatch,
    evaluated: dict[str, Any],
    reviewer: Any,
    api_client_for: Any,
) -> None:
    from compliance.services.evaluation import portfolio_evaluate
    from rules.models import Scenario
    from tests.compliance.conftest import TODAY

    for scenario in Scenario.objects.all():
        portfolio_evaluate(scenario=scenario, today=TODAY)
    resting = _resting(review_match)
    response = api_client_for(reviewer).post(
        f"/api/v1/organisation-matches/{review_match.pk}/review/",
        {"status": "rejected", "reason": "Different organisation"},
        format="json",
    )
    assert response.status_code == 200
    assert all(Finding.objects.get(pk=f.pk).review_status == "false_positive" for f in resting)
    assert FindingDecision.objects.count() == len(resting) == 3


# ---------------------------------------------------------------- API


@pytest.mark.django_db
def test_siblings_api_lists_them_to_those_who_see_the_finding_only(
    r07: Finding, reviewer: Any, auditor: Any, pi: Any, outsider: Any, api_client_for: Any
) -> None:
    url = f"/api/v1/findings/{r07.pk}/siblings/"
    expected = sorted(f.pk for f in _siblings(r07))
    for user in (reviewer, auditor, pi):
        response = api_client_for(user).get(url)
        assert response.status_code == 200, user
        assert sorted(row["id"] for row in response.json()) == expected
        assert {row["rule"] for row in response.json()} == {"R07", "R26"}
    assert api_client_for(outsider).get(url).status_code == 404
    assert api_client_for(None).get(url).status_code in (401, 403)


@pytest.mark.django_db
def test_decide_api_applies_to_siblings_and_refuses_read_only_and_outsiders(
    r07: Finding,
    evaluated: dict[str, Any],
    reviewer: Any,
    auditor: Any,
    outsider: Any,
    pi: Any,
    api_client_for: Any,
) -> None:
    url = f"/api/v1/findings/{r07.pk}/decide/"
    siblings = _siblings(r07)
    body = {
        "decision": "escalated",
        "reason": "Same tie everywhere",
        "apply_to_siblings": [f.pk for f in siblings],
    }
    stranger = _stranger(evaluated)
    events = AuditEvent.objects.count()
    assert api_client_for(outsider).post(url, body, format="json").status_code == 404
    for user in (auditor, pi):
        response = api_client_for(user).post(url, body, format="json")
        assert response.status_code == 403
        assert "Only research-office reviewers" in response.json()["detail"]
    refused = api_client_for(reviewer).post(
        url, {**body, "apply_to_siblings": [stranger.pk]}, format="json"
    )
    assert refused.status_code == 400
    assert MSG_NOT_SIBLING.format(pk=stranger.pk) in str(refused.json())
    assert not FindingDecision.objects.exists() and AuditEvent.objects.count() == events
    response = api_client_for(reviewer).post(url, body, format="json")
    assert response.status_code == 200 and response.json()["review_status"] == "escalated"
    own = FindingDecision.objects.get(finding=r07)
    for sibling in siblings:
        decision = FindingDecision.objects.get(finding=sibling)
        assert decision.applied_from_id == own.pk
        assert decision.rule_version_id == sibling.rule_version_id
