""" "My records": a PI keeps their own training, travel and certifications; others' records
are not found (404), users without a person record (auditors, outsiders) may not write (403);
the API shows people their own records and the research office all, and refuses writes."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from compliance.portal.forms_records import MSG_IN_FUTURE
from projects.models import MftrpCertification, TrainingRecord, TravelRecord
from projects.models.person_records import MSG_REFERENCE_WITHOUT_DATE
from tests.factories import PersonFactory
from tests.web import signed_in

pytestmark = pytest.mark.django_db


def test_pi_adds_edits_and_deletes_their_training(pi: Any) -> None:
    client = signed_in(pi)
    response = client.post(
        "/my-records/training/new/",
        {"course": "CITI Research Security", "provider": "CITI", "completed_on": "2025-10-01"},
    )
    assert response.status_code == 302
    record = TrainingRecord.objects.get(person=pi.person)
    assert record.completed_on == date(2025, 10, 1)
    page = client.get("/my-records/")
    assert "CITI Research Security" in page.content.decode()

    client.post(
        f"/my-records/training/{record.pk}/edit/",
        {"course": "CITI Research Security", "provider": "CITI", "completed_on": "2026-01-05"},
    )
    record.refresh_from_db()
    assert record.completed_on == date(2026, 1, 5)
    assert record.history.count() == 2  # simple_history keeps every version

    assert client.post(f"/my-records/training/{record.pk}/delete/", {}).status_code == 200
    assert TrainingRecord.objects.filter(pk=record.pk).exists()  # not confirmed: kept
    client.post(f"/my-records/training/{record.pk}/delete/", {"confirm": "on"})
    assert not TrainingRecord.objects.filter(pk=record.pk).exists()


def test_bad_input_is_refused_with_the_reason_and_nothing_saved(pi: Any, pi_project: Any) -> None:
    client = signed_in(pi)
    future = (timezone.localdate() + timedelta(days=2)).isoformat()
    response = client.post("/my-records/training/new/", {"course": "CITI", "completed_on": future})
    assert response.status_code == 200 and MSG_IN_FUTURE in response.content.decode()
    response = client.post(
        "/my-records/travel/new/",
        {
            "destination_country": "CN",
            "departed_on": "2026-06-01",
            "returned_on": "2026-05-01",
            "preauthorisation_reference": "TA-1",
        },
    )
    text = response.content.decode()
    assert response.status_code == 200 and MSG_REFERENCE_WITHOUT_DATE in text
    other = PersonFactory.create()
    response = client.post(
        "/my-records/certification/new/",
        {"project": pi_project.pk, "certified_on": "2026-01-01"},
    )
    assert response.status_code == 302
    assert MftrpCertification.objects.get().person == pi.person  # never someone else's
    assert not MftrpCertification.objects.filter(person=other).exists()
    assert TrainingRecord.objects.count() == TravelRecord.objects.count() == 0


def test_a_certification_only_for_ones_own_projects(pi: Any, other_project: Any) -> None:
    response = signed_in(pi).post(
        "/my-records/certification/new/",
        {"project": other_project.pk, "certified_on": "2026-01-01"},
    )
    assert response.status_code == 200 and not MftrpCertification.objects.exists()


def test_others_records_are_not_found_and_readers_cannot_write(
    pi: Any, co_pi: Any, auditor: Any, outsider: Any, admin_user: Any
) -> None:
    trip = TravelRecord.objects.create(
        person=pi.person, destination_country="RU", departed_on=date(2026, 3, 1)
    )
    edit = f"/my-records/travel/{trip.pk}/edit/"
    assert signed_in(co_pi).get(edit).status_code == 404
    assert (
        signed_in(co_pi)
        .post(f"/my-records/travel/{trip.pk}/delete/", {"confirm": "on"})
        .status_code
        == 404
    )
    for reader in (auditor, outsider, admin_user):  # no person record: nothing to keep here
        assert signed_in(reader).post(edit, {"destination_country": "US"}).status_code == 403
        assert signed_in(reader).post("/my-records/training/new/", {}).status_code == 403
    assert signed_in(None).get("/my-records/").status_code == 302
    trip.refresh_from_db()
    assert trip.destination_country == "RU"
    assert signed_in(pi).get("/my-records/nonsense/new/").status_code == 404


def test_api_shows_own_records_the_office_all_and_refuses_writes(
    pi: Any, co_pi: Any, outsider: Any, auditor: Any, api_client_for: Any
) -> None:
    mine = TrainingRecord.objects.create(
        person=pi.person, course="NSF Research Security Module 1", completed_on=date(2025, 5, 1)
    )
    TrainingRecord.objects.create(person=co_pi.person, course="CITI", completed_on=date(2025, 6, 1))
    trip = TravelRecord.objects.create(
        person=pi.person, destination_country="CN", departed_on=date(2026, 6, 1)
    )
    own = api_client_for(pi).get("/api/v1/trainings/").json()
    assert [r["id"] for r in own["results"]] == [mine.pk]
    assert api_client_for(outsider).get("/api/v1/trainings/").json()["results"] == []
    assert api_client_for(outsider).get(f"/api/v1/trips/{trip.pk}/").status_code == 404
    assert api_client_for(co_pi).get(f"/api/v1/trips/{trip.pk}/").status_code == 404
    body = api_client_for(auditor).get(f"/api/v1/trips/{trip.pk}/").json()
    assert (body["destination_country"], body["preauthorised"]) == ("CN", False)
    assert len(api_client_for(auditor).get("/api/v1/trainings/").json()["results"]) == 2
    for user in (pi, auditor):  # read-only endpoints
        client = api_client_for(user)
        assert client.post("/api/v1/trainings/", {"course": "x"}).status_code == 405
        assert client.delete(f"/api/v1/trips/{trip.pk}/").status_code == 405
    assert TravelRecord.objects.filter(pk=trip.pk).exists()
