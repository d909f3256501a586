"""The PI's evidence and dispute pages and the reviewer's accept / reject: what each persona
sees and may do (one selector per model: tie_evidence_visible_to, evidence_disputes_visible_to)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from compliance.audit.models import AuditEvent
from projects.models import EvidenceDispute, Tie, TieEvidence
from projects.selectors import evidence_disputes_visible_to, tie_evidence_visible_to
from tests.security.world import World, build_world
from tests.web import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db: None) -> World:
    return build_world()


def _ids(qs: Any) -> set[int]:
    return set(qs.values_list("pk", flat=True))


def test_selectors_scope_evidence_and_disputes(world: World) -> None:
    mine = world.objects["pi_found_tie"].evidence.get()
    theirs = world.objects["others_found_tie"].evidence.get()
    assert _ids(tie_evidence_visible_to(user=world.user("pi"))) == {mine.pk}
    assert _ids(evidence_disputes_visible_to(user=world.user("pi"))) == {
        world.objects["dispute"].pk
    }
    # the co-PI sees the PI's found tie through the project, never the PI's dispute
    assert mine.pk in _ids(tie_evidence_visible_to(user=world.user("co_pi")))
    assert not evidence_disputes_visible_to(user=world.user("co_pi")).exists()
    for persona in ("reviewer", "auditor", "admin"):
        assert _ids(tie_evidence_visible_to(user=world.user(persona))) == {mine.pk, theirs.pk}
        assert evidence_disputes_visible_to(user=world.user(persona)).count() == 2
    for persona in ("anonymous", "outsider"):
        assert not tie_evidence_visible_to(user=world.user(persona)).exists()
        assert not evidence_disputes_visible_to(user=world.user(persona)).exists()


def test_the_pi_sees_what_was_found_and_where(world: World) -> None:
    page = signed_in(world.user("pi")).get("/evidence/").content.decode()
    assert "Found Abroad University" in page
    assert "Found in: " in page and "PubMed 1</a>, 2024" in page
    assert "tell us it isn&#x27;t right" in page or "tell us it isn't right" in page
    assert "Colleague Found Institute" not in page  # a colleague's, scoped elsewhere
    assert "Your dispute (not me): awaiting a reviewer" in page


def test_the_pi_disputes_and_a_reviewer_accepts(world: World) -> None:
    found = world.objects["pi_found_tie"]
    world.objects["dispute"].delete()
    pi = signed_in(world.user("pi"))
    url = f"/evidence/ties/{found.pk}/dispute/"
    bad = pi.post(url, {"reason": "ended", "ended_on": "someday"})
    assert bad.status_code == 400 and "Enter the date it ended" in bad.content.decode()
    assert not EvidenceDispute.objects.filter(tie=found).exists()
    sent = pi.post(url, {"reason": "not_me", "comment": "Another person of my name."})
    assert sent.status_code == 302
    dispute = EvidenceDispute.objects.get(tie=found)
    assert (dispute.reason, dispute.status, dispute.raised_by) == (
        "not_me",
        "pending",
        world.user("pi"),
    )
    again = pi.post(url, {"reason": "not_me"})
    assert again.status_code == 400 and "already has a dispute" in again.content.decode()

    listing = signed_in(world.user("reviewer")).get("/disputes/").content.decode()
    assert f"/disputes/{dispute.pk}/" in listing
    reviewer = signed_in(world.user("reviewer"))
    missing = reviewer.post(f"/disputes/{dispute.pk}/", {"decision": "accept"})
    assert missing.status_code == 400 and "Give a reason" in missing.content.decode()
    done = reviewer.post(
        f"/disputes/{dispute.pk}/", {"decision": "accept", "reason": "ORCID shows another person."}
    )
    assert done.status_code == 302
    dispute.refresh_from_db()
    assert dispute.status == "accepted" and dispute.decided_by == world.user("reviewer")
    assert not Tie.objects.filter(pk=found.pk).exists()
    assert not TieEvidence.objects.filter(item_key="pmid:1").exists()
    assert AuditEvent.objects.filter(
        object_type="projects.evidencedispute", action="update"
    ).exists()
    assert AuditEvent.objects.filter(
        object_type="projects.tie", object_id=str(found.pk), action="delete"
    ).exists()
    status = signed_in(world.user("pi")).get("/evidence/").content.decode()
    assert "Found Abroad University" not in status


def test_read_only_and_outsiders_cannot_decide_or_dispute(world: World) -> None:
    dispute = world.objects["dispute"]
    found = world.objects["pi_found_tie"]
    body = {"decision": "accept", "reason": "because"}
    assert (
        signed_in(world.user("auditor")).post(f"/disputes/{dispute.pk}/", body).status_code == 403
    )
    assert signed_in(world.user("pi")).post(f"/disputes/{dispute.pk}/", body).status_code == 403
    assert signed_in(world.user("outsider")).get(f"/disputes/{dispute.pk}/").status_code == 403
    dispute.refresh_from_db()
    assert dispute.status == "pending"
    # the colleague's dispute is not the PI's to see; the colleague's tie not theirs to dispute
    other = world.objects["others_found_tie"]
    assert signed_in(world.user("pi")).get(f"/evidence/ties/{other.pk}/dispute/").status_code == 404
    assert (
        signed_in(world.user("outsider"))
        .post(f"/evidence/ties/{found.pk}/dispute/", {"reason": "not_me"})
        .status_code
        == 404
    )
    assert (
        signed_in(world.user("co_pi"))
        .post(f"/evidence/ties/{found.pk}/dispute/", {"reason": "not_me"})
        .status_code
        == 403
    )
    assert (
        signed_in(world.user("auditor"))
        .post(f"/evidence/ties/{found.pk}/dispute/", {"reason": "not_me"})
        .status_code
        == 403
    )
    assert EvidenceDispute.objects.count() == 2
    assert Tie.objects.filter(pk=found.pk).exists()


def test_a_rejected_dispute_shows_to_the_pi_with_the_reason(world: World) -> None:
    dispute = world.objects["dispute"]
    reviewer = signed_in(world.user("reviewer"))
    reviewer.post(
        f"/disputes/{dispute.pk}/",
        {"decision": "reject", "reason": "The paper lists your ORCID iD."},
    )
    page = signed_in(world.user("pi")).get("/evidence/").content.decode()
    assert "rejected — The paper lists your ORCID iD." in page
    assert Tie.objects.filter(pk=world.objects["pi_found_tie"].pk).exists()
    # decided: no second decision
    second = reviewer.post(f"/disputes/{dispute.pk}/", {"decision": "accept", "reason": "x"})
    assert second.status_code == 400 and "already decided" in second.content.decode()


def test_an_ended_dispute_needs_a_date_not_before_the_start(world: World) -> None:
    found = world.objects["pi_found_tie"]
    world.objects["dispute"].delete()
    pi = signed_in(world.user("pi"))
    early = pi.post(
        f"/evidence/ties/{found.pk}/dispute/", {"reason": "ended", "ended_on": "2020-01-01"}
    )
    assert early.status_code == 400 and "before it started" in early.content.decode()
    ok = pi.post(
        f"/evidence/ties/{found.pk}/dispute/",
        {"reason": "ended", "ended_on": str(date(2024, 5, 1))},
    )
    assert ok.status_code == 302
    dispute = EvidenceDispute.objects.get(tie=found)
    signed_in(world.user("reviewer")).post(
        f"/disputes/{dispute.pk}/", {"decision": "accept", "reason": "HR letter."}
    )
    found.refresh_from_db()
    assert found.end_date == date(2024, 5, 1)
