"""CPOS drafts out: built from a person's projects and disclosed ties, checked against the
upload template, downloaded from the portal or the API by the person (or the research office
for them) and nobody else; a draft re-imports to the same entries (round trip)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from projects.connectors.cpos import draft as draft_module
from projects.connectors.cpos import mapping as m
from projects.connectors.cpos.draft import cpos_draft
from projects.connectors.cpos.importer import cpos_import
from projects.connectors.cpos.read import cpos_read_bytes, parse_xml
from projects.connectors.cpos.template import cpos_validate
from projects.models import Person, Tie
from tests.factories import OrganisationFactory, ProjectFactory, RoleFactory, TieFactory

pytestmark = pytest.mark.django_db

LONG_NAME = "Shenzhen Institute of Advanced Technology, Chinese Academy of Sciences, Guangdong"


def _variety(person: Person) -> None:
    """Ties of every CPOS kind, including a name past supportsource's 60 characters, a
    proposal, an undisclosed tie and an ended one (both left out)."""
    today = timezone.localdate()
    disclosed = {"disclosed_in": ["biosketch"], "disclosed_on": date(2025, 5, 1)}
    cn = OrganisationFactory.create(name=LONG_NAME, country="CN")
    de = OrganisationFactory.create(name="Fraunhofer Institute\tfor\x0bLasers", country="DE")
    TieFactory.create(person=person, organisation=cn, kind="consulting", **disclosed)
    TieFactory.create(
        person=person, organisation=de, kind="in_kind", notes="Laser time\x07", **disclosed
    )
    TieFactory.create(
        person=person,
        organisation=OrganisationFactory.create(name="Kyoto University", country="JP"),
        kind="visiting_at",
        start_date=date(2019, 4, 1),
        end_date=date(2020, 3, 31),
        **disclosed,
    )
    TieFactory.create(person=person, organisation=cn, kind="funding")  # undisclosed: left out
    TieFactory.create(
        person=person,
        organisation=de,
        kind="funding",
        start_date=date(2020, 1, 1),
        end_date=date(2021, 1, 1),
        **disclosed,
    )  # support that ended before the draft: left out
    proposal = ProjectFactory.create(
        sponsor="NIH", status="proposal", start_date=today, end_date=None, abstract="Aims\n\n1."
    )
    RoleFactory.create(project=proposal, person=person, role="co_pi")
    active = ProjectFactory.create(sponsor="DOD", award_number="W911NF-26-1-0007", end_date=None)
    RoleFactory.create(project=active, person=person, role="pi")


def _ties() -> set[tuple[Any, ...]]:
    return {(t.pk, t.kind, t.organisation_id, t.start_date, t.end_date) for t in Tie.objects.all()}


def test_a_demo_pis_draft_validates_and_re_imports_to_the_same_entries(tmp_path: Path) -> None:
    call_command("load_demo", "--projects", "60", "--seed", "7", stdout=io.StringIO())
    person = Person.objects.get(user__username="pi")
    _variety(person)
    draft = cpos_draft(person)
    today = draft.as_of
    assert draft.ok, draft.problems
    assert cpos_validate(parse_xml(draft.xml)) == []
    kinds = {s.contribution for s in draft.document.supports}
    assert kinds == {"award", "inkind"} and draft.document.positions
    assert any(s.status == "pending" for s in draft.document.supports)
    assert any(len(s.source) == 60 for s in draft.document.supports)  # the long name, cut
    # the file holds exactly the entries built from the data
    parsed = cpos_read_bytes(draft.xml)
    assert parsed.rejected == []
    assert parsed.positions == draft.document.positions
    assert parsed.supports == draft.document.supports
    assert parsed.orcid == person.orcid
    tie_entries = len(draft.document.positions) + len(draft.document.supports)
    before = {
        (t.pk, t.kind, t.organisation_id, t.start_date, t.end_date) for t in Tie.objects.all()
    }
    path = tmp_path / draft.file_name
    path.write_bytes(draft.xml)
    run = cpos_import(path=path, person_email=person.email)
    assert run.counts.get("created", 0) == 0 and run.counts.get("rejected", 0) == 0, run.problems
    own_projects = person.projects.filter(status__in=["proposal", "active"]).count()
    assert run.counts["project"] == own_projects >= 2
    confirmed = run.counts.get("confirmed", 0) + run.counts.get("unchanged", 0)
    assert confirmed == tie_entries - run.counts["project"]
    assert _ties() == before  # confirmed in place: no tie added, none changed in substance
    cpos_kinds = (*m.POSITION_KINDS, *m.AWARD_KINDS, *m.INKIND_KINDS)
    for tie in person.ties.exclude(disclosed_in=[]).filter(kind__in=cpos_kinds):
        in_draft = tie.kind in m.POSITION_KINDS or tie.end_date is None or tie.end_date >= today
        assert ("current_pending" in tie.disclosed_in) == in_draft, tie
    # and the next draft holds the same entries
    again = cpos_draft(person)
    assert (again.document.positions, again.document.supports) == (
        draft.document.positions,
        draft.document.supports,
    )


@pytest.fixture
def pi_person(pi: Any) -> Person:
    person: Person = pi.person
    project = ProjectFactory.create(sponsor="NSF", award_number="2409999", title="Quantum dots")
    RoleFactory.create(project=project, person=person, role="pi")
    return person


@pytest.fixture
def co_pi_person(co_pi: Any, pi_person: Person) -> Person:
    person: Person = co_pi.person
    RoleFactory.create(project=pi_person.projects.get(), person=person, role="co_pi")
    return person


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_pi_downloads_their_own_draft(pi: Any, pi_person: Person) -> None:
    page = _client(pi).get("/cpos/")
    assert page.status_code == 200
    assert b"Download the CPOS XML draft" in page.content and b"2409999" in page.content
    response = _client(pi).get("/cpos/download/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    assert response["Content-Disposition"].startswith('attachment; filename="cpos-draft-')
    assert cpos_validate(parse_xml(response.content)) == []
    [support] = cpos_read_bytes(response.content).supports
    assert (support.award_number, support.title, support.amount) == (
        "2409999",
        "Quantum dots",
        Decimal("500000"),
    )
    api = _client(pi).get(f"/api/v1/people/{pi_person.pk}/cpos/")
    assert api.status_code == 200 and api.content == response.content


def test_the_research_office_downloads_a_draft_for_a_pi(
    reviewer: Any, auditor: Any, pi_person: Person
) -> None:
    for user in (reviewer, auditor):
        page = _client(user).get(f"/cpos/?person={pi_person.pk}")
        assert page.status_code == 200 and pi_person.name.encode() in page.content
        assert f"/cpos/download/?person={pi_person.pk}".encode() in page.content
        download = _client(user).get(f"/cpos/download/?person={pi_person.pk}")
        assert download.status_code == 200 and b"2409999" in download.content
        api = _client(user).get(f"/api/v1/people/{pi_person.pk}/cpos/")
        assert api.status_code == 200


def test_no_one_else_gets_a_persons_draft(
    outsider: Any, co_pi: Any, co_pi_person: Person, pi_person: Person
) -> None:
    secret = OrganisationFactory.create(name="Undisclosed Partner Lab", country="CN")
    TieFactory.create(person=pi_person, organisation=secret, kind="funding", disclosed_in=["coi"])
    for user in (outsider, co_pi):  # a co-PI on the same project included
        client = _client(user)
        assert client.get(f"/cpos/?person={pi_person.pk}").status_code == 404
        assert client.get(f"/cpos/download/?person={pi_person.pk}").status_code == 404
        assert client.get(f"/api/v1/people/{pi_person.pk}/cpos/").status_code == 404
    own = _client(co_pi).get("/cpos/download/")
    assert own.status_code == 200 and b"Undisclosed Partner Lab" not in own.content
    assert Client().get("/cpos/").status_code == 302
    assert Client().get(f"/api/v1/people/{pi_person.pk}/cpos/").status_code == 403
    for bad in ("abc", "0.5", "99999999999999999999999", "999999"):
        response = _client(co_pi).get(f"/api/v1/people/{bad}/cpos/")
        assert response.status_code == 404 and response["Content-Type"] == "application/json"
        assert _client(co_pi).get(f"/cpos/?person={bad}").status_code == 404
    assert _client(outsider).get("/cpos/").status_code == 200  # no record: says so
    assert _client(outsider).get("/cpos/download/").status_code == 404


def test_the_drafts_are_read_only(auditor: Any, pi: Any, pi_person: Person) -> None:
    for user in (auditor, pi):
        client = _client(user)
        assert client.post(f"/cpos/?person={pi_person.pk}").status_code == 405
        assert client.post(f"/cpos/download/?person={pi_person.pk}").status_code == 405
        assert client.post(f"/api/v1/people/{pi_person.pk}/cpos/").status_code == 405
    assert not Tie.objects.exists()


def test_a_draft_that_breaks_the_template_is_never_handed_out(
    pi: Any, pi_person: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(document: Any) -> bytes:
        return b"<profile><funding><support><contributiontype>grant</contributiontype>" + (
            b"<commitment/></support></funding></profile>"
        )

    monkeypatch.setattr(draft_module, "cpos_xml", broken)
    download = _client(pi).get("/cpos/download/")
    assert download.status_code == 422
    assert b"must be award or inkind" in download.content
    assert not download.get("Content-Disposition")
    api = _client(pi).get(f"/api/v1/people/{pi_person.pk}/cpos/")
    assert api.status_code == 422
    assert (
        "support[1]: <contributiontype> must be award or inkind, not 'grant'"
        in (api.json()["problems"])
    )
    page = _client(pi).get("/cpos/")
    assert b"cannot be downloaded" in page.content and b"cpos-download" not in page.content
