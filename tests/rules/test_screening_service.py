"""Screening names and portfolio organisations; reviews persist across re-screening."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from projects import services as project_services
from projects.errors import ApplicationError
from projects.normalize import organisation_key
from rules.models import OrganisationMatch, OrganisationMatchReview, ScreeningRun
from rules.services.lists import list_import
from rules.services.screening import (
    MSG_REASON_REQUIRED,
    names_screen,
    organisation_match_review,
    organisations_screen,
)
from tests.factories import OrganisationFactory, TieFactory
from tests.rules.conftest import SEED_LISTS
from tests.rules.test_list_import import _shared

BEIHANG = "School of Astronautics, Beihang Univ., Beijing 100191, China"


@pytest.mark.django_db
def test_screen_command_finds_beihang_in_an_affiliation(seed_lists: None) -> None:
    out = io.StringIO()
    call_command("screen", BEIHANG, "Nanjing University", "--json", stdout=out)
    [beihang, nanjing] = json.loads(out.getvalue())

    assert beihang["query"] == BEIHANG
    top = beihang["matches"][0]
    assert (top["list"], top["name"], top["decision"]) == (
        "DOD1286",
        "Beihang University",
        "accept",
    )
    assert nanjing["matches"] == [] or all(m["decision"] != "accept" for m in nanjing["matches"])


@pytest.mark.django_db
def test_screen_finds_the_entity_list_entry_for_buaa_too(seed_lists: None) -> None:
    list_import(fmt="csl-csv", path=_shared("trade-gov-csl/csl_2023-11-30.csv"))

    [result] = names_screen(names=[BEIHANG])

    accepted = {(m["list"], m["decision"]) for m in result["matches"]}
    assert ("DOD1286", "accept") in accepted
    assert ("EL", "accept") in accepted
    scores = [m["score"] for m in result["matches"]]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.django_db(transaction=True)
def test_new_organisation_is_screened_after_commit(seed_lists: None, eager_celery: None) -> None:
    org, _ = project_services.organisation_get_or_create(
        name="Harbin Inst. of Technology", country="CN"
    )

    match = OrganisationMatch.objects.get(organisation=org, active=True)
    assert match.entry.primary_name == "Harbin Institute of Technology"
    assert match.reference_list.code == "DOD1286"
    assert match.decision == "accept" and match.counts_as_listed
    assert ScreeningRun.objects.filter(trigger="organisation_changed", status="done").exists()


@pytest.mark.django_db(transaction=True)
def test_an_organisation_renamed_anywhere_is_screened_again(
    seed_lists: None, eager_celery: None
) -> None:
    org = OrganisationFactory.create(name="Northern Polytechnic Institute", country="CN")
    organisations_screen()
    assert not OrganisationMatch.objects.filter(organisation=org, active=True).exists()
    org.name = "Harbin Institute of Technology"
    org.save()  # as the admin saves it: no service call

    match = OrganisationMatch.objects.get(organisation=org, active=True)
    assert match.entry.primary_name == "Harbin Institute of Technology"
    org.refresh_from_db()  # the key imports de-duplicate on follows the new name
    assert org.normalized_name == organisation_key("Harbin Institute of Technology")
    runs = ScreeningRun.objects.filter(trigger="organisation_changed", status="done")
    assert runs.count() == 1
    org.save(update_fields=["type"])  # nothing a name match reads: not screened again
    assert runs.count() == 1


@pytest.mark.django_db
def test_ordinary_organisations_do_not_match(seed_lists: None) -> None:
    for name in ("Nanjing University", "Northwestern University", "Tsinghua University"):
        OrganisationFactory.create(name=name, country="CN" if "Nanjing" in name else "US")

    organisations_screen()

    accepted = OrganisationMatch.objects.filter(decision="accept")
    assert list(accepted.values_list("organisation__name", flat=True)) == []


@pytest.mark.django_db
def test_review_decision_persists_across_rescreening_and_new_editions(
    seed_lists: None, reviewer: Any, tmp_path: Path
) -> None:
    org = OrganisationFactory.create(name="Beihang University", country="CN")
    organisations_screen()
    match = OrganisationMatch.objects.get(organisation=org, reference_list__code="DOD1286")

    organisation_match_review(
        match=match, status="rejected", reason="Different campus", user=reviewer
    )
    organisations_screen()
    # A new edition of the same list (one entry more) keeps the decision on the same entry.
    edition = tmp_path / "lists"
    shutil_copy = __import__("shutil").copytree
    shutil_copy(SEED_LISTS, edition)
    path = edition / "dod_1286_fy2025.yaml"
    path.write_text(
        path.read_text(encoding="utf-8")
        + '  - name: "Example Defence Institute"\n    country: "CN"\n'
        + "    entity_type: institution\n    source: test edition\n",
        encoding="utf-8",
    )
    list_import(fmt="grantcheck-yaml", path=edition)
    organisations_screen()

    match.refresh_from_db()
    assert match.review_status == "rejected" and match.review_reason == "Different campus"
    assert match.reviewed_by == reviewer
    assert not match.counts_as_listed
    assert match.entry.version.entry_count == 157
    assert OrganisationMatchReview.objects.filter(match=match).count() == 1


@pytest.mark.django_db
def test_review_requires_a_reason(seed_lists: None, reviewer: Any) -> None:
    org = OrganisationFactory.create(name="Beihang University", country="CN")
    organisations_screen()
    match = OrganisationMatch.objects.filter(organisation=org).first()
    assert match is not None
    with pytest.raises(ApplicationError, match=MSG_REASON_REQUIRED):
        organisation_match_review(match=match, status="confirmed", reason="  ", user=reviewer)
    match.refresh_from_db()
    assert match.review_status == "pending"


# --- API ------------------------------------------------------------------------


@pytest.mark.django_db
def test_screen_api_returns_the_command_output(
    seed_lists: None, outsider: Any, api_client_for: Callable[[Any], Any]
) -> None:
    response = api_client_for(outsider).post("/api/v1/screen/", {"names": [BEIHANG]}, format="json")
    assert response.status_code == 200
    assert response.json() == names_screen(names=[BEIHANG])
    bad = api_client_for(outsider).post("/api/v1/screen/", {"names": []}, format="json")
    assert bad.status_code == 400


@pytest.mark.django_db
def test_screen_api_refuses_anonymous(api_client_for: Callable[[Any], Any]) -> None:
    response = api_client_for(None).post("/api/v1/screen/", {"names": ["x"]}, format="json")
    assert response.status_code in (401, 403)


@pytest.fixture
def listed_match(seed_lists: None, pi: Any) -> OrganisationMatch:
    org = OrganisationFactory.create(name="Harbin Institute of Technology", country="CN")
    TieFactory.create(person=pi.person, organisation=org, kind="visiting_at")
    organisations_screen()
    return OrganisationMatch.objects.get(organisation=org, reference_list__code="DOD1286")


@pytest.mark.django_db
def test_match_visibility(
    listed_match: OrganisationMatch,
    pi: Any,
    outsider: Any,
    auditor: Any,
    api_client_for: Callable[[Any], Any],
) -> None:
    url = "/api/v1/organisation-matches/"
    assert api_client_for(outsider).get(url).json()["results"] == []
    assert api_client_for(outsider).get(f"{url}{listed_match.pk}/").status_code == 404
    assert [r["id"] for r in api_client_for(pi).get(url).json()["results"]] == [listed_match.pk]
    assert [r["id"] for r in api_client_for(auditor).get(url).json()["results"]] == [
        listed_match.pk
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["auditor", "pi"])
def test_read_only_roles_cannot_review_matches(
    persona: str,
    listed_match: OrganisationMatch,
    request: pytest.FixtureRequest,
    api_client_for: Callable[[Any], Any],
) -> None:
    client = api_client_for(request.getfixturevalue(persona))
    response = client.post(
        f"/api/v1/organisation-matches/{listed_match.pk}/review/",
        {"status": "rejected", "reason": "no"},
        format="json",
    )
    assert response.status_code == 403
    listed_match.refresh_from_db()
    assert listed_match.review_status == "pending"


@pytest.mark.django_db
def test_outsider_cannot_review_a_match_it_cannot_see(
    listed_match: OrganisationMatch, outsider: Any, api_client_for: Callable[[Any], Any]
) -> None:
    response = api_client_for(outsider).post(
        f"/api/v1/organisation-matches/{listed_match.pk}/review/",
        {"status": "rejected", "reason": "no"},
        format="json",
    )
    assert response.status_code == 404


@pytest.mark.django_db
def test_reviewer_confirms_a_match_with_a_reason(
    listed_match: OrganisationMatch, reviewer: Any, api_client_for: Callable[[Any], Any]
) -> None:
    client = api_client_for(reviewer)
    url = f"/api/v1/organisation-matches/{listed_match.pk}/review/"
    assert client.post(url, {"status": "confirmed"}, format="json").status_code == 400
    response = client.post(
        url, {"status": "confirmed", "reason": "Same institution"}, format="json"
    )
    assert response.status_code == 200
    listed_match.refresh_from_db()
    assert listed_match.review_status == "confirmed" and listed_match.reviewed_by == reviewer


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["outsider", "auditor", "reviewer", "pi"])
def test_only_admins_upload_list_editions(
    persona: str, request: pytest.FixtureRequest, api_client_for: Callable[[Any], Any]
) -> None:
    client = api_client_for(request.getfixturevalue(persona))
    with (SEED_LISTS / "countries_of_concern.yaml").open("rb") as fh:
        response = client.post(
            "/api/v1/imports/list/", {"format": "grantcheck-yaml", "file": fh}, format="multipart"
        )
    assert response.status_code == 403


@pytest.mark.django_db
def test_admin_uploads_a_list_edition(
    admin_user: Any, api_client_for: Callable[[Any], Any]
) -> None:
    client = api_client_for(admin_user)
    with (SEED_LISTS / "dod_1260h.yaml").open("rb") as fh:
        response = client.post(
            "/api/v1/imports/list/", {"format": "grantcheck-yaml", "file": fh}, format="multipart"
        )
    assert response.status_code == 201, response.content
    assert response.json()["lists"][0]["code"] == "DOD1260H"
    listing = client.get("/api/v1/list-versions/").json()["results"]
    assert listing[0]["entry_count"] == response.json()["lists"][0]["entries"]
