"""PI pages: ties added, edited and ended from the project page; organisation suggestions;
attestations. Who may do what: PI/co-PI and reviewers write, auditors read, outsiders 404."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from compliance.audit.models import AuditEvent
from compliance.models import Attestation, Finding, RecheckRun
from compliance.services.attestations import (
    STATEMENT,
    attestation_create,
    attestation_current,
)
from projects.access import PI
from projects.errors import ApplicationError
from projects.models import Organisation, Tie
from tests.factories import (
    OrganisationFactory,
    PersonFactory,
    ProjectFactory,
    RoleFactory,
    TieFactory,
    UserFactory,
)
from tests.web import signed_in

pytestmark = pytest.mark.django_db


def _tie_post(person_pk: int, **overrides: Any) -> dict[str, Any]:
    data = {
        "person": person_pk,
        "kind": "visiting_at",
        "organisation": "Harbin Institute of Technology",
        "country": "CN",
        "start_date": "2025-01-15",
        "end_date": "",
        "notes": "Summer visit, hosted by the School of Astronautics",
    }
    data.update(overrides)
    return data


@pytest.fixture
def dod_project(rules_loaded: None, pi: Any) -> Any:
    project = ProjectFactory.create(
        sponsor="DOD", award_number="W911NF-25-1-0001", amount_usd=Decimal("900000.00")
    )
    RoleFactory.create(project=project, person=pi.person, role="pi")
    return project


@pytest.fixture
def team(pi_project: Any, pi: Any, co_pi: Any) -> dict[str, Any]:
    """pi_project with the pi, a co-PI, a senior person and one tie of the pi's."""
    RoleFactory.create(project=pi_project, person=co_pi.person, role="co_pi")
    senior = PersonFactory.create(name="Sam Senior")
    RoleFactory.create(project=pi_project, person=senior, role="senior_key")
    tie = TieFactory.create(
        person=pi.person,
        organisation=OrganisationFactory.create(name="University of Leeds", country="GB"),
        kind="coauthorship",
        start_date=date(2024, 2, 1),
    )
    return {"project": pi_project, "co_pi": co_pi, "senior": senior, "tie": tie, "pi": pi}


def _write_urls(project_pk: int, tie_pk: int) -> list[str]:
    return [
        f"/projects/{project_pk}/ties/new/",
        f"/projects/{project_pk}/ties/{tie_pk}/edit/",
        f"/projects/{project_pk}/ties/{tie_pk}/end/",
    ]


# --- adding a tie -------------------------------------------------------------------------


def test_adding_a_tie_creates_it_audits_it_and_rechecks_into_a_finding(
    dod_project: Any,
    pi: Any,
    eager_celery: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    assert not Organisation.objects.filter(name="Harbin Institute of Technology").exists()
    client = signed_in(pi)
    form = client.get(f"/projects/{dod_project.pk}/ties/new/").content.decode()
    assert 'name="organisation"' in form and "Save tie" in form and "csrfmiddlewaretoken" in form

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/projects/{dod_project.pk}/ties/new/", _tie_post(pi.person.pk))

    assert response.status_code == 302 and response["Location"] == f"/projects/{dod_project.pk}/"
    org = Organisation.objects.get(name="Harbin Institute of Technology")
    assert str(org.country) == "CN"
    tie = Tie.objects.get(person=pi.person)
    assert (tie.organisation, tie.kind, tie.start_date, tie.end_date, tie.project) == (
        org,
        "visiting_at",
        date(2025, 1, 15),
        None,
        None,
    )
    assert tie.source == "self_disclosed" and tie.notes.startswith("Summer visit")
    assert tie.history.count() == 1
    event = AuditEvent.objects.get(object_type="projects.tie", object_id=str(tie.pk))
    assert event.action == "create" and event.actor_username == "pi_user"
    assert AuditEvent.objects.filter(object_type="projects.organisation", action="create").exists()
    run = RecheckRun.objects.get(scope_key=f"person:{pi.person.pk}")
    assert run.status == "done"
    finding = Finding.objects.get(
        project=dod_project, tie=tie, status="open", scenario__code="current"
    )
    assert finding.list_entry is not None
    assert finding.list_entry.version.reference_list.code == "DOD1286"
    page = client.get(f"/projects/{dod_project.pk}/").content.decode()
    assert "Harbin Institute of Technology" in page and finding.rule.key in page


def test_project_scoped_tie_and_existing_organisation_reused(dod_project: Any, pi: Any) -> None:
    existing = OrganisationFactory.create(name="Harbin Institute of Technology", country="CN")
    response = signed_in(pi).post(
        f"/projects/{dod_project.pk}/ties/new/",
        _tie_post(pi.person.pk, country="", project_scoped="on", compensated="on"),
    )
    assert response.status_code == 302
    tie = Tie.objects.get(person=pi.person)
    assert tie.organisation == existing and tie.project == dod_project and tie.compensated
    assert Organisation.objects.filter(normalized_name=existing.normalized_name).count() == 1


def test_invalid_input_shows_errors_next_to_fields_and_keeps_what_was_typed(
    team: dict[str, Any], other_project: Any
) -> None:
    project, pi = team["project"], team["pi"]
    stranger = other_project.roles.get().person
    before = Tie.objects.count()
    response = signed_in(pi).post(
        f"/projects/{project.pk}/ties/new/",
        {
            "person": stranger.pk,
            "kind": "spying",
            "organisation": "   ",
            "country": "CN",
            "start_date": "2025-06-01",
            "end_date": "2025-01-01",
            "notes": "Typed notes must survive",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert Tie.objects.count() == before
    for message in (
        "Choose a person on this project.",
        "Choose a kind of tie from the list.",
        "Enter the organisation&#x27;s name.",
        "The end date cannot be before the start date.",
    ):
        assert message in page, message
    assert 'aria-invalid="true"' in page
    assert "Typed notes must survive" in page
    assert 'value="2025-06-01"' in page and 'value="2025-01-01"' in page
    assert '<option value="CN" selected>' in page

    kept = signed_in(pi).post(
        f"/projects/{project.pk}/ties/new/",
        _tie_post(pi.person.pk, organisation="Tianjin University", end_date="2020-01-01"),
    )
    assert 'value="Tianjin University"' in kept.content.decode()
    assert Tie.objects.count() == before


# --- editing and ending -------------------------------------------------------------------


def test_editing_a_tie_changes_the_row_and_keeps_the_old_organisation(
    team: dict[str, Any],
) -> None:
    project, pi, tie = team["project"], team["pi"], team["tie"]
    old_org = tie.organisation
    client = signed_in(pi)
    form = client.get(f"/projects/{project.pk}/ties/{tie.pk}/edit/").content.decode()
    assert 'value="University of Leeds"' in form and "Save tie" in form
    response = client.post(
        f"/projects/{project.pk}/ties/{tie.pk}/edit/",
        _tie_post(
            pi.person.pk,
            kind="joint_research",
            organisation="Leeds Institute of Fluid Dynamics",
            country="GB",
            start_date="2024-03-01",
            end_date="2025-03-01",
            project_scoped="on",
        ),
    )
    assert response.status_code == 302
    tie.refresh_from_db()
    assert (
        tie.kind == "joint_research"
        and tie.organisation.name == "Leeds Institute of Fluid Dynamics"
    )
    assert (tie.start_date, tie.end_date, tie.project) == (
        date(2024, 3, 1),
        date(2025, 3, 1),
        project,
    )
    assert Organisation.objects.filter(pk=old_org.pk).exists()
    assert AuditEvent.objects.filter(
        object_type="projects.tie", object_id=str(tie.pk), action="update"
    ).exists()


def test_ending_a_tie_sets_its_end_date_defaulting_to_today(team: dict[str, Any]) -> None:
    project, pi, tie = team["project"], team["pi"], team["tie"]
    client = signed_in(pi)
    page = client.get(f"/projects/{project.pk}/ties/{tie.pk}/end/").content.decode()
    today = timezone.localdate()
    assert "End tie" in page and f'value="{today.isoformat()}"' in page

    bad = client.post(f"/projects/{project.pk}/ties/{tie.pk}/end/", {"end_date": "2020-01-01"})
    assert bad.status_code == 200
    assert "The end date cannot be before the start date." in bad.content.decode()
    assert 'value="2020-01-01"' in bad.content.decode()
    tie.refresh_from_db()
    assert tie.end_date is None

    response = client.post(f"/projects/{project.pk}/ties/{tie.pk}/end/", {"end_date": "2025-05-31"})
    assert response.status_code == 302
    tie.refresh_from_db()
    assert tie.end_date == date(2025, 5, 31)

    # an ended tie is ended: it can't be ended again (its dates are corrected by editing it)
    again = client.post(f"/projects/{project.pk}/ties/{tie.pk}/end/", {"end_date": ""})
    assert "This tie already ended on 2025-05-31; there is nothing to end." in (
        again.content.decode()
    )
    tie.refresh_from_db()
    assert tie.end_date == date(2025, 5, 31)


# --- who may do what ----------------------------------------------------------------------


def test_co_pi_manages_ties_of_everyone_on_the_project(team: dict[str, Any]) -> None:
    project, co_pi, pi, tie = team["project"], team["co_pi"], team["pi"], team["tie"]
    client = signed_in(co_pi)
    page = client.get(f"/projects/{project.pk}/").content.decode()
    assert "Add a tie" in page and f"/ties/{tie.pk}/edit/" in page
    response = client.post(
        f"/projects/{project.pk}/ties/new/",
        _tie_post(pi.person.pk, organisation="Max Planck Institute", country="DE"),
    )
    assert response.status_code == 302
    assert Tie.objects.filter(person=pi.person, organisation__name="Max Planck Institute").exists()
    client.post(f"/projects/{project.pk}/ties/{tie.pk}/end/", {"end_date": "2025-01-01"})
    tie.refresh_from_db()
    assert tie.end_date == date(2025, 1, 1)


def test_senior_personnel_manage_only_their_own_ties(team: dict[str, Any]) -> None:
    project, senior, pi, tie = team["project"], team["senior"], team["pi"], team["tie"]
    senior.user = UserFactory.create(username="senior_user")
    senior.user.groups.add(Group.objects.get_or_create(name=PI)[0])
    senior.save()
    client = signed_in(senior.user)
    form = client.get(f"/projects/{project.pk}/ties/new/").content.decode()
    assert senior.name in form and pi.person.name not in form.split("<form")[1]
    refused = client.post(f"/projects/{project.pk}/ties/new/", _tie_post(pi.person.pk))
    assert "Choose a person on this project." in refused.content.decode()
    assert client.post(f"/projects/{project.pk}/ties/{tie.pk}/end/", {}).status_code == 403
    own = client.post(f"/projects/{project.pk}/ties/new/", _tie_post(senior.pk))
    assert own.status_code == 302 and Tie.objects.filter(person=senior).count() == 1


def test_reviewer_may_add_a_tie(team: dict[str, Any], reviewer: Any) -> None:
    project, pi = team["project"], team["pi"]
    response = signed_in(reviewer).post(
        f"/projects/{project.pk}/ties/new/",
        _tie_post(pi.person.pk, organisation="CERN", country="CH"),
    )
    assert response.status_code == 302
    assert Tie.objects.filter(person=pi.person, organisation__name="CERN").exists()


def test_every_page_requires_login(team: dict[str, Any]) -> None:
    project, tie = team["project"], team["tie"]
    for url in [
        *_write_urls(project.pk, tie.pk),
        "/organisations/suggest/?q=Harbin",
        "/attestation/",
    ]:
        response = signed_in(None).get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_outsider_gets_404_everywhere_and_changes_nothing(
    team: dict[str, Any], outsider: Any
) -> None:
    project, tie, pi = team["project"], team["tie"], team["pi"]
    client = signed_in(outsider)
    for url in _write_urls(project.pk, tie.pk):
        assert client.get(url).status_code == 404, url
        assert client.post(url, _tie_post(pi.person.pk, end_date="2025-01-01")).status_code == 404
    assert client.get("/organisations/suggest/?q=Leeds").status_code == 404
    assert client.get(f"/attestation/?person={pi.person.pk}").status_code == 404
    assert (
        client.post("/attestation/", {"person": pi.person.pk, "confirm": "on"}).status_code == 404
    )
    tie.refresh_from_db()
    assert tie.end_date is None and Tie.objects.count() == 1
    assert not Attestation.objects.exists()


def test_pi_gets_404_on_another_projects_tie_pages(
    team: dict[str, Any], other_project: Any
) -> None:
    other_tie = TieFactory.create(person=other_project.roles.get().person)
    client = signed_in(team["pi"])
    for url in _write_urls(other_project.pk, other_tie.pk):
        assert client.get(url).status_code == 404, url
    # A tie of someone off this project, reached through this project's URL: 404 as well.
    project = team["project"]
    assert client.get(f"/projects/{project.pk}/ties/{other_tie.pk}/edit/").status_code == 404


def test_auditor_reads_without_edit_controls_and_every_write_is_refused(
    team: dict[str, Any], auditor: Any
) -> None:
    project, tie, pi = team["project"], team["tie"], team["pi"]
    client = signed_in(auditor)
    page = client.get(f"/projects/{project.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "University of Leeds" in text
    assert "Add a tie" not in text and "/ties/" not in text
    for url in _write_urls(project.pk, tie.pk):
        assert client.get(url).status_code == 403, url
        assert client.post(url, _tie_post(pi.person.pk, end_date="2025-01-01")).status_code == 403
    tie.refresh_from_db()
    assert tie.end_date is None and tie.kind == "coauthorship" and Tie.objects.count() == 1
    assert client.get("/organisations/suggest/?q=Leeds").status_code == 200


# --- organisation suggestions -------------------------------------------------------------


def test_suggest_shows_a_screening_hint_for_a_listed_name(
    rules_loaded: None, team: dict[str, Any]
) -> None:
    client = signed_in(team["pi"])
    fragment = client.get("/organisations/suggest/", {"q": "Harbin Institute of Technology"})
    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert 'data-testid="screening-hint"' in html
    assert "Looks like Harbin Institute of Technology — DoD Section 1286 list (score" in html
    assert "<html" not in html  # a fragment, not a page


def test_suggest_says_no_match_for_an_unlisted_name_and_offers_known_organisations(
    rules_loaded: None, team: dict[str, Any]
) -> None:
    client = signed_in(team["pi"])
    html = client.get("/organisations/suggest/", {"q": "University of Leeds"}).content.decode()
    assert "No match on the screening lists" in html and "Looks like" not in html
    assert "Use University of Leeds" in html and 'data-country="GB"' in html
    OrganisationFactory.create(name="Leeds Beckett University", country="GB")  # not on a tie
    html = client.get("/organisations/suggest/", {"q": "Leeds"}).content.decode()
    assert "Leeds Beckett" not in html  # a PI is offered only organisations they can see
    assert client.get("/organisations/suggest/", {"q": "L"}).content.decode().strip() == ""


def test_the_form_wires_the_suggestions_to_the_organisation_input(team: dict[str, Any]) -> None:
    page = signed_in(team["pi"]).get(f"/projects/{team['project'].pk}/ties/new/").content.decode()
    assert 'id="id_organisation"' in page and 'hx-get="/organisations/suggest/"' in page
    assert 'hx-trigger="keyup changed delay:300ms"' in page and 'hx-params="organisation"' in page
    for label in ("Person", "Kind of tie", "Country", "Start date", "End date", "Compensated"):
        assert f">{label}" in page, label
    assert 'value="visiting_at"' in page and 'type="date"' in page


# --- attestations -------------------------------------------------------------------------


def test_attesting_records_the_statement_and_an_audit_event(team: dict[str, Any]) -> None:
    pi, tie = team["pi"], team["tie"]
    client = signed_in(pi)
    page = client.get("/attestation/").content.decode()
    assert "No attestation on file" in page and STATEMENT in page and "University of Leeds" in page

    missing = client.post("/attestation/", {})
    assert "Tick the box to confirm" in missing.content.decode()
    assert not Attestation.objects.exists()

    response = client.post("/attestation/", {"confirm": "on"})
    assert response.status_code == 302
    attestation = Attestation.objects.get()
    today = timezone.localdate()
    assert attestation.person == pi.person and attestation.attested_by == pi
    assert attestation.statement == STATEMENT and attestation.ip == "127.0.0.1"
    assert attestation.valid_until == today + timedelta(days=365)
    assert attestation_current(person=pi.person) == attestation
    event = AuditEvent.objects.get(action="attestation.create")
    assert event.object_id == str(attestation.pk) and event.actor_username == "pi_user"
    assert event.after is not None and event.after["ties"] == [tie.pk]
    page = client.get("/attestation/").content.decode()
    assert f"valid until {attestation.valid_until:%Y-%m-%d}" in page
    project_page = client.get(f"/projects/{team['project'].pk}/").content.decode()
    assert "Current</span>, valid until" in project_page and "None on file" in project_page


def test_a_lapsed_attestation_is_shown_as_lapsed(team: dict[str, Any]) -> None:
    pi = team["pi"]
    Attestation.objects.create(
        person=pi.person,
        attested_by=pi,
        statement=STATEMENT,
        attested_at=timezone.now() - timedelta(days=400),
        valid_until=timezone.localdate() - timedelta(days=35),
    )
    assert attestation_current(person=pi.person) is None
    page = signed_in(pi).get("/attestation/").content.decode()
    assert "lapsed on" in page and "Attest</button>" in page
    project_page = signed_in(pi).get(f"/projects/{team['project'].pk}/").content.decode()
    assert "Lapsed</span>" in project_page


def test_nobody_can_attest_for_someone_else(team: dict[str, Any]) -> None:
    pi, co_pi = team["pi"], team["co_pi"]
    client = signed_in(pi)
    view = client.get(f"/attestation/?person={co_pi.person.pk}")
    assert view.status_code == 200 and "Attest</button>" not in view.content.decode()
    refused = client.post("/attestation/", {"person": co_pi.person.pk, "confirm": "on"})
    assert refused.status_code == 403
    assert not Attestation.objects.exists()
    with pytest.raises(ApplicationError):
        attestation_create(user=pi, person=co_pi.person, statement=STATEMENT, ip=None)
    assert not Attestation.objects.exists()
    assert not AuditEvent.objects.filter(action="attestation.create").exists()


def test_auditor_reads_attestations_but_cannot_attest(team: dict[str, Any], auditor: Any) -> None:
    pi = team["pi"]
    client = signed_in(auditor)
    view = client.get(f"/attestation/?person={pi.person.pk}")
    assert view.status_code == 200
    assert "No attestation on file" in view.content.decode()
    assert "Attest</button>" not in view.content.decode()
    assert (
        client.post("/attestation/", {"person": pi.person.pk, "confirm": "on"}).status_code == 403
    )
    assert client.post("/attestation/", {"confirm": "on"}).status_code == 403
    assert not Attestation.objects.exists()


def test_a_user_without_a_person_record_is_told_so(outsider: Any) -> None:
    page = signed_in(outsider).get("/attestation/").content.decode()
    assert "not linked to a person record" in page and "Attest</button>" not in page
    assert signed_in(outsider).post("/attestation/", {"confirm": "on"}).status_code == 403
    assert not Attestation.objects.exists()


def test_nav_links_the_attestation_page_only_for_people_with_a_person_record(
    pi: Any, outsider: Any, auditor: Any
) -> None:
    link = 'href="/attestation/"'
    assert link in signed_in(pi).get("/projects/").content.decode()
    assert link not in signed_in(outsider).get("/projects/").content.decode()
    assert link not in signed_in(auditor).get("/dashboard/").content.decode()
