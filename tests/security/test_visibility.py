"""One visibility rule per model, on every path (issue 20 §1).

The defect: a PI could open, read (confidential notes included) and end a colleague's tie
scoped to a project the PI holds no role on, through the portal tie pages and the API; the
project page and the attestation page listed it too.
"""

from __future__ import annotations

from typing import Any

import pytest

from compliance.models import AuditEvent, FindingComment, Notification
from compliance.notifications.findings import finding_notifications_send
from compliance.selectors import (
    attestations_visible_to,
    finding_comments_visible_to,
    finding_decisions_visible_to,
    report_exports_visible_to,
)
from compliance.services.comments import MSG_NOTE_NOT_ALLOWED, finding_comment_add
from projects.errors import ApplicationError
from projects.selectors import ties_visible_to
from tests.security.world import CONFIDENTIAL, INTERNAL_NOTE, World, build_world
from tests.web import signed_in


@pytest.fixture
def world(db: None) -> World:
    return build_world()


def _ids(qs: Any) -> set[int]:
    return set(qs.values_list("pk", flat=True))


# ---------------------------------------------------------------- ties


@pytest.mark.parametrize("persona", ["pi", "co_pi"])
def test_a_pi_cannot_open_or_end_a_colleagues_tie_scoped_to_a_project_they_are_not_on(
    world: World, persona: str
) -> None:
    assert world.mine and world.hidden_tie
    client = signed_in(world.user(persona))
    base = f"/projects/{world.mine.pk}/ties/{world.hidden_tie.pk}"
    for url in (f"{base}/edit/", f"{base}/end/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert CONFIDENTIAL not in response.content.decode()
    ended = client.post(f"{base}/end/", {"end_date": "2025-01-01"})
    edited = client.post(f"{base}/edit/", {"person": world.other.pk, "kind": "consulting"})  # type: ignore[union-attr]
    assert ended.status_code == 404 and edited.status_code == 404
    world.hidden_tie.refresh_from_db()
    assert world.hidden_tie.end_date is None and world.hidden_tie.notes == CONFIDENTIAL
    assert not AuditEvent.objects.filter(object_type="projects.tie").exclude(action="create")


def test_the_research_office_still_reaches_that_tie_from_the_project_page(world: World) -> None:
    assert world.mine and world.hidden_tie
    page = signed_in(world.user("reviewer")).get(
        f"/projects/{world.mine.pk}/ties/{world.hidden_tie.pk}/edit/"
    )
    assert page.status_code == 200 and CONFIDENTIAL in page.content.decode()


def test_the_api_hides_that_tie_and_its_organisation_from_the_pi(world: World) -> None:
    assert world.hidden_tie and world.other and world.hidden_org
    client = signed_in(world.user("pi"))
    assert client.get(f"/api/v1/ties/{world.hidden_tie.pk}/").status_code == 404
    listed = {t["id"] for t in client.get("/api/v1/ties/").json()["results"]}
    assert world.hidden_tie.pk not in listed
    filtered = client.get(f"/api/v1/ties/?person={world.other.pk}").json()["results"]
    assert {t["id"] for t in filtered} == {world.unscoped_tie.pk, world.scoped_here.pk}  # type: ignore[union-attr]
    assert client.get(f"/api/v1/organisations/{world.hidden_org.pk}/").status_code == 404
    orgs = {o["id"] for o in client.get("/api/v1/organisations/?page_size=500").json()["results"]}
    assert world.hidden_org.pk not in orgs
    # the research office and auditors still read it
    assert (
        signed_in(world.user("auditor")).get(f"/api/v1/ties/{world.hidden_tie.pk}/").status_code
        == 200
    )


def test_the_project_and_attestation_pages_do_not_list_that_tie(world: World) -> None:
    assert world.mine and world.other and world.hidden_org
    client = signed_in(world.user("pi"))
    project = client.get(f"/projects/{world.mine.pk}/").content.decode()
    assert "Secretive Consulting Partners" not in project
    assert "Open Unscoped Institute" in project and "Scoped Here Laboratory" in project
    attest = client.get(f"/attestation/?person={world.other.pk}").content.decode()
    assert "Secretive Consulting Partners" not in attest and CONFIDENTIAL not in attest
    assert "Open Unscoped Institute" in attest
    reviewer_page = signed_in(world.user("reviewer")).get(f"/projects/{world.mine.pk}/")
    assert "Secretive Consulting Partners" in reviewer_page.content.decode()


def test_autocomplete_does_not_suggest_an_organisation_only_that_tie_reaches(world: World) -> None:
    client = signed_in(world.user("pi"))
    page = client.get("/organisations/suggest/?q=Secretive").content.decode()
    assert "Secretive Consulting Partners" not in page
    assert (
        "Open Unscoped Institute"
        in client.get("/organisations/suggest/?q=Unscoped").content.decode()
    )


def test_the_rule_a_pi_sees_their_projects_ties_and_their_own(world: World) -> None:
    """Unscoped ties of people on their projects, ties scoped to their projects, their own."""
    assert world.hidden_tie and world.unscoped_tie and world.scoped_here and world.own_elsewhere
    assert _ids(ties_visible_to(user=world.user("pi"))) == {
        world.unscoped_tie.pk,
        world.scoped_here.pk,
        world.own_elsewhere.pk,
        world.objects["pi_found_tie"].pk,
    }
    everything = {
        world.hidden_tie.pk,
        world.unscoped_tie.pk,
        world.scoped_here.pk,
        world.own_elsewhere.pk,
        world.objects["pi_found_tie"].pk,
        world.objects["others_found_tie"].pk,
    }
    for persona in ("reviewer", "auditor", "admin"):
        assert _ids(ties_visible_to(user=world.user(persona))) == everything
    for persona in ("anonymous", "outsider"):
        assert not ties_visible_to(user=world.user(persona)).exists()
    # their own tie scoped to a project they are not on is still theirs to see and attest
    own = signed_in(world.user("pi")).get("/attestation/").content.decode()
    assert "My Own Elsewhere Academy" in own


def test_every_model_has_one_selector_scoping_pis(world: World) -> None:
    assert world.finding and world.other_finding
    pi = world.user("pi")
    decisions = finding_decisions_visible_to(user=pi)
    assert not decisions.filter(finding=world.other_finding).exists()
    assert not attestations_visible_to(user=world.user("outsider")).exists()
    assert not report_exports_visible_to(user=world.user("anonymous")).exists()


# ---------------------------------------------------------------- internal notes


def test_a_reviewer_writes_an_internal_note_the_page_labels_it(world: World) -> None:
    assert world.finding
    client = signed_in(world.user("reviewer"))
    url = f"/findings/{world.finding.pk}/notes/"
    response = client.post(url, {"body": "  Checked the HR feed.  "})
    assert response.status_code == 302
    note = FindingComment.objects.get(body="Checked the HR feed.")
    assert note.kind == "internal" and note.author == world.user("reviewer")
    assert response["Location"].endswith(f"#note-{note.pk}")
    event = AuditEvent.objects.get(action="comment", object_id=str(note.pk))
    assert event.after["kind"] == "internal" and event.object_repr.startswith("internal note")
    page = client.get(f"/findings/{world.finding.pk}/").content.decode()
    assert "Internal notes" in page and "research office only" in page
    assert (
        "the project&#x27;s PI and co-PIs will see it" in page or "PI and co-PIs will see" in page
    )
    assert page.index("Internal notes") < page.index("Checked the HR feed.")
    empty = client.post(url, {"body": "   "})
    assert (
        empty.status_code == 400 and "Write a comment before posting it." in empty.content.decode()
    )
    assert FindingComment.objects.filter(kind="internal").count() == 2  # the world's and this one


@pytest.mark.parametrize("persona", ["pi", "co_pi", "senior"])
def test_pis_never_see_internal_notes_on_the_page(world: World, persona: str) -> None:
    assert world.finding
    page = signed_in(world.user(persona)).get(f"/findings/{world.finding.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert INTERNAL_NOTE not in body and "Internal notes" not in body
    assert not finding_comments_visible_to(user=world.user(persona)).filter(kind="internal")


def test_the_auditor_reads_internal_notes_but_cannot_write_one(world: World) -> None:
    assert world.finding
    client = signed_in(world.user("auditor"))
    page = client.get(f"/findings/{world.finding.pk}/").content.decode()
    assert INTERNAL_NOTE in page and "Save internal note" not in page
    assert client.post(f"/findings/{world.finding.pk}/notes/", {"body": "x"}).status_code == 403


@pytest.mark.parametrize(("persona", "status"), [("pi", 403), ("co_pi", 403), ("outsider", 404)])
def test_only_reviewers_write_internal_notes(world: World, persona: str, status: int) -> None:
    assert world.finding
    client = signed_in(world.user(persona))
    response = client.post(f"/findings/{world.finding.pk}/notes/", {"body": "Let me in"})
    assert response.status_code == status
    if status == 403:  # the service refuses on its own too, with its message
        with pytest.raises(ApplicationError, match=MSG_NOTE_NOT_ALLOWED):
            finding_comment_add(
                finding=world.finding, user=world.user(persona), body="x", kind="internal"
            )
    # a comment that asks to be internal stays a comment (the PI-visible channel)
    client.post(f"/findings/{world.finding.pk}/comments/", {"body": "Sneaky", "kind": "internal"})
    assert not FindingComment.objects.filter(kind="internal").exclude(body=INTERNAL_NOTE).exists()
    assert not FindingComment.objects.filter(body="Let me in").exists()


def test_internal_notes_never_reach_a_pi_through_the_api_or_a_notification(
    world: World, mailoutbox: list[Any]
) -> None:
    assert world.finding
    client = signed_in(world.user("pi"))
    detail = client.get(f"/api/v1/findings/{world.finding.pk}/")
    assert detail.status_code == 200 and INTERNAL_NOTE not in detail.content.decode()
    assert INTERNAL_NOTE not in client.get("/api/v1/findings/").content.decode()
    finding_notifications_send()
    mine = Notification.objects.filter(user=world.user("pi"))
    assert mine.exists()  # the high finding on their project was notified …
    assert not [n for n in mine if INTERNAL_NOTE in n.subject + n.body]  # … without the note
    assert not [m for m in mailoutbox if INTERNAL_NOTE in m.body]
    assert INTERNAL_NOTE not in client.get("/notifications/").content.decode()


# ---------------------------------------------------------------- PIs see only their own rows


def test_pis_see_only_their_own_rows_through_every_list_detail_and_export(world: World) -> None:
    assert world.theirs and world.other_finding and world.hidden_tie and world.hidden_org
    foreign = {
        "projects": world.theirs.pk,
        "roles": world.theirs.roles.get().pk,
        "ties": world.hidden_tie.pk,
        "organisations": world.hidden_org.pk,
        "findings": world.other_finding.pk,
    }
    for persona in ("pi", "co_pi", "senior"):
        client = signed_in(world.user(persona))
        for name, pk in foreign.items():
            rows = client.get(f"/api/v1/{name}/?page_size=500").json()["results"]
            assert pk not in {r["id"] for r in rows}, (persona, name)
            assert client.get(f"/api/v1/{name}/{pk}/").status_code == 404, (persona, name)
        assert client.get(f"/projects/{world.theirs.pk}/").status_code == 404
        assert client.get(f"/findings/{world.other_finding.pk}/").status_code == 404
        listing = client.get("/projects/").content.decode()
        assert world.theirs.title not in listing and "Our project" in listing
        export = client.get("/api/v1/reports/findings/?format=csv")
        assert export.status_code == 200
        body = b"".join(export.streaming_content).decode()  # type: ignore[attr-defined]
        assert world.theirs.award_number not in body and world.mine.award_number in body  # type: ignore[union-attr]
