"""Disclosure in the PI's hands: where and when a tie was disclosed (tie form, API), and an
attestation that cannot say "complete" while disclosure findings are open and unexplained."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from compliance.audit.models import AuditEvent
from compliance.models import Attestation, Finding, FindingComment
from compliance.portal.forms_pi import MSG_DISCLOSED_IN_FUTURE, MSG_DISCLOSED_ON_WITHOUT_DOCUMENT
from compliance.services.attestations import STATEMENT, attestation_create
from compliance.services.decisions import finding_decide
from compliance.services.disclosure_gaps import (
    EXPLANATION_PREFIX,
    MSG_GAPS,
    disclosure_gaps,
    reads_disclosure,
)
from compliance.services.evaluation import portfolio_evaluate
from projects.errors import ApplicationError
from projects.models import Tie
from projects.vocabulary import DISCLOSURE_DOCUMENTS
from rules.models import RuleVersion, Scenario
from tests.factories import OrganisationFactory, ProjectFactory, RoleFactory, TieFactory
from tests.web import signed_in

pytestmark = pytest.mark.django_db


def _evaluate() -> None:
    for scenario in Scenario.objects.all():
        portfolio_evaluate(scenario=scenario)


@pytest.fixture
def talent(rules_loaded: None, pi: Any) -> dict[str, Any]:
    """An NSF award led by the PI, whose talent-programme tie is in no disclosure document:
    R03 (undisclosed foreign talent programme) fires under today's obligations."""
    project = ProjectFactory.create(
        sponsor="NSF", award_number="2400123", amount_usd=Decimal("450000.00")
    )
    RoleFactory.create(project=project, person=pi.person, role="pi")
    tie = TieFactory.create(
        person=pi.person,
        organisation=OrganisationFactory.create(name="Overseas Talent Plan", country="CN"),
        kind="talent_programme",
        start_date=date(2025, 1, 1),
        disclosed_in=[],
    )
    _evaluate()
    finding = Finding.objects.get(rule__key="R03", scenario__code="current", tie=tie)
    return {"project": project, "tie": tie, "finding": finding, "pi": pi}


def _nothing_attested() -> None:
    assert not Attestation.objects.exists()
    assert not AuditEvent.objects.filter(action="attestation.create").exists()


# ---------------------------------------------------------------- the tie form and API


def test_tie_form_records_where_and_when_the_tie_was_disclosed(talent: dict[str, Any]) -> None:
    project, tie, pi = talent["project"], talent["tie"], talent["pi"]
    client = signed_in(pi)
    url = f"/projects/{project.pk}/ties/{tie.pk}/edit/"
    form = client.get(url).content.decode()
    assert "<legend>Disclosed in</legend>" in form and 'name="disclosed_on"' in form
    for code, label in DISCLOSURE_DOCUMENTS.items():
        assert f'value="{code}"' in form and label in form
    response = client.post(
        url,
        {
            "person": pi.person.pk,
            "kind": "talent_programme",
            "organisation": "Overseas Talent Plan",
            "country": "CN",
            "start_date": "2025-01-01",
            "disclosed_in": ["other_support", "current_pending"],
            "disclosed_on": "2026-10-01",
        },
    )
    assert response.status_code == 302
    tie.refresh_from_db()
    assert tie.disclosed_in == ["current_pending", "other_support"]
    assert tie.disclosed_on == date(2026, 10, 1)
    event = AuditEvent.objects.filter(object_type="projects.tie", object_id=str(tie.pk)).last()
    assert event is not None and event.after is not None
    assert event.after["disclosed_on"] == "2026-10-01"
    again = client.get(url).content.decode()
    assert 'value="other_support"' in again and 'value="2026-10-01"' in again


def test_a_disclosure_date_needs_a_document_and_cannot_be_in_the_future(
    talent: dict[str, Any],
) -> None:
    project, tie, pi = talent["project"], talent["tie"], talent["pi"]
    client = signed_in(pi)
    url = f"/projects/{project.pk}/ties/{tie.pk}/edit/"
    base = {
        "person": pi.person.pk,
        "kind": "talent_programme",
        "organisation": "Overseas Talent Plan",
        "country": "CN",
        "start_date": "2025-01-01",
    }
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    for extra, message in (
        ({"disclosed_on": "2026-10-01"}, MSG_DISCLOSED_ON_WITHOUT_DOCUMENT),
        ({"disclosed_in": ["biosketch"], "disclosed_on": tomorrow}, MSG_DISCLOSED_IN_FUTURE),
    ):
        response = client.post(url, {**base, **extra})
        assert response.status_code == 200
        assert message in response.content.decode()
        tie.refresh_from_db()
        assert (tie.disclosed_in, tie.disclosed_on) == ([], None)


def test_the_model_refuses_a_disclosure_date_without_a_document(talent: dict[str, Any]) -> None:
    from django.core.exceptions import ValidationError

    tie: Tie = talent["tie"]
    tie.disclosed_on = date(2026, 1, 5)
    with pytest.raises(ValidationError) as caught:
        tie.full_clean()
    assert "disclosed_on" in caught.value.message_dict


def test_the_tie_api_returns_the_disclosure_date_to_those_who_see_the_tie(
    talent: dict[str, Any], auditor: Any, outsider: Any, api_client_for: Any
) -> None:
    tie = talent["tie"]
    Tie.objects.filter(pk=tie.pk).update(disclosed_in=["coi"], disclosed_on=date(2026, 3, 2))
    for user in (talent["pi"], auditor):
        body = api_client_for(user).get(f"/api/v1/ties/{tie.pk}/").json()
        assert (body["disclosed_in"], body["disclosed_on"]) == (["coi"], "2026-03-02")
    assert api_client_for(outsider).get(f"/api/v1/ties/{tie.pk}/").status_code == 404


# ---------------------------------------------------------------- which rules


def test_disclosure_rules_are_read_from_the_rule_conditions(rules_loaded: None) -> None:
    keys = {
        v.rule.key
        for v in RuleVersion.objects.select_related("rule")
        if reads_disclosure(v.content.get("condition"))
    }
    assert {"R03", "R15", "R25"} <= keys
    assert "R07" not in keys


# ---------------------------------------------------------------- attestation


def test_attesting_is_refused_while_a_disclosure_finding_is_open_and_nothing_is_written(
    talent: dict[str, Any],
) -> None:
    pi, finding = talent["pi"], talent["finding"]
    client = signed_in(pi)
    page = client.get("/attestation/").content.decode()
    gaps = page.split('id="gaps"')[1].split("</table>")[0]
    assert f'href="/findings/{finding.pk}/"' in gaps and "R03" in gaps
    assert f'href="/projects/{talent["project"].pk}/ties/{talent["tie"].pk}/edit/"' in gaps
    assert f'name="explain-{finding.pk}"' in page
    events = AuditEvent.objects.count()
    response = client.post("/attestation/", {"confirm": "on"})
    assert response.status_code == 400
    expected = MSG_GAPS.format(count=1, ids=f"#{finding.pk}")
    assert expected in response.content.decode()
    _nothing_attested()
    assert not FindingComment.objects.exists() and AuditEvent.objects.count() == events
    with pytest.raises(ApplicationError) as caught:
        attestation_create(user=pi, person=pi.person, statement=STATEMENT)
    assert caught.value.message == expected
    blank = client.post("/attestation/", {"confirm": "on", f"explain-{finding.pk}": "   "})
    assert blank.status_code == 400
    _nothing_attested()
    assert not FindingComment.objects.exists() and AuditEvent.objects.count() == events


def test_an_explanation_for_each_gap_lets_the_person_attest(talent: dict[str, Any]) -> None:
    pi, finding = talent["pi"], talent["finding"]
    text = "Declined the offer in 2025; no contract was signed."
    response = signed_in(pi).post("/attestation/", {"confirm": "on", f"explain-{finding.pk}": text})
    assert response.status_code == 302
    attestation = Attestation.objects.get()
    comment = FindingComment.objects.get(finding=finding)
    assert comment.author == pi and comment.body == EXPLANATION_PREFIX + text
    event = AuditEvent.objects.get(action="attestation.create")
    assert event.after is not None and event.after["explained_findings"] == [finding.pk]
    assert AuditEvent.objects.filter(
        object_type="compliance.findingcomment", object_id=str(comment.pk)
    ).exists()
    assert attestation.person == pi.person
    assert disclosure_gaps(person=pi.person) == []  # explained: no longer a gap


def test_disclosing_the_tie_closes_the_gap_once_re_checked(talent: dict[str, Any]) -> None:
    pi, tie = talent["pi"], talent["tie"]
    Tie.objects.filter(pk=tie.pk).update(
        disclosed_in=["current_pending", "other_support"], disclosed_on=date(2026, 11, 1)
    )
    _evaluate()
    talent["finding"].refresh_from_db()
    assert talent["finding"].status == "resolved"
    assert disclosure_gaps(person=pi.person) == []
    assert signed_in(pi).post("/attestation/", {"confirm": "on"}).status_code == 302
    assert Attestation.objects.count() == 1


def test_a_reviewers_false_positive_settles_the_gap_but_an_escalation_does_not(
    talent: dict[str, Any], reviewer: Any
) -> None:
    pi, finding = talent["pi"], talent["finding"]
    finding_decide(finding=finding, decision="escalated", reason="RSO to look", user=reviewer)
    assert [f.pk for f in disclosure_gaps(person=pi.person)] == [finding.pk]
    finding_decide(
        finding=finding, decision="false_positive", reason="Offer declined", user=reviewer
    )
    assert disclosure_gaps(person=pi.person) == []


def test_findings_under_a_bill_are_no_gap_of_today(talent: dict[str, Any]) -> None:
    pi, finding = talent["pi"], talent["finding"]
    Finding.objects.filter(pk=finding.pk).update(status="resolved")
    assert Finding.objects.filter(tie=talent["tie"], rule__key="R03", status="open").exclude(
        scenario__code="current"
    )  # the same tie, open under the bills
    assert disclosure_gaps(person=pi.person) == []


def test_others_read_the_gaps_but_cannot_explain_or_attest(
    talent: dict[str, Any], auditor: Any, outsider: Any
) -> None:
    pi, finding = talent["pi"], talent["finding"]
    page = signed_in(auditor).get(f"/attestation/?person={pi.person.pk}")
    assert page.status_code == 200
    body = page.content.decode()
    assert f'href="/findings/{finding.pk}/"' in body and "cannot attest until" in body
    assert "explain-" not in body and "/edit/" not in body
    refused = signed_in(auditor).post(
        "/attestation/",
        {"person": pi.person.pk, "confirm": "on", f"explain-{finding.pk}": "x"},
    )
    assert refused.status_code == 403
    assert signed_in(outsider).get(f"/attestation/?person={pi.person.pk}").status_code == 404
    _nothing_attested()
    assert not FindingComment.objects.exists()


def test_the_project_page_names_the_disclosure_documents_in_words(pi_project: Any, pi: Any) -> None:
    TieFactory.create(person=pi.person, disclosed_in=["current_pending", "other_support"])
    page = signed_in(pi).get(f"/projects/{pi_project.pk}/").content.decode()
    assert DISCLOSURE_DOCUMENTS["current_pending"] in page
    assert DISCLOSURE_DOCUMENTS["other_support"] in page
    assert "current_pending" not in page and "other_support" not in page


def test_an_nsf_trust_finding_naming_the_tie_is_no_gap_of_its_own(
    talent: dict[str, Any],
) -> None:
    """R22 (about the project) reads disclosure facts and names the tie it found, but the gap
    is the tie's own R03 finding: explaining that one lets the person attest."""
    from projects.models import FieldTag

    project, pi, tie = talent["project"], talent["pi"], talent["tie"]
    FieldTag.objects.create(project=project, area="quantum", method="reviewer", source="reviewer")
    _evaluate()
    [trust] = Finding.objects.filter(rule__key="R22", scenario__code="current", project=project)
    assert trust.subject == "project" and trust.tie_id == tie.pk
    assert disclosure_gaps(person=pi.person) == [talent["finding"]]
