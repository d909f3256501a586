"""A person's own records re-check that person's projects only (a certification: its award),
and the findings of R16, R17 and R20 follow the records through the real re-check pipeline."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from compliance.models import Finding, RecheckChunk, RecheckRun
from compliance.services.recheck import recheck_chunk_execute
from projects.models import MftrpCertification, TrainingRecord, TravelRecord
from tests.compliance.conftest import Driver


def _run_last(driver: Driver) -> None:
    assert recheck_chunk_execute(chunk_id=driver.sent[-1]) == "done"


def _open(project: Any, rule: str) -> list[Finding]:
    return list(
        Finding.objects.filter(
            project=project, rule__key=rule, scenario__code="current", status="open"
        )
    )


@pytest.mark.django_db
def test_a_training_record_rechecks_that_persons_projects_only(
    portfolio: dict[str, Any], driver: Driver, django_capture_on_commit_callbacks: Any
) -> None:
    co_pi, climate, dod = portfolio["co_pi"], portfolio["climate"], portfolio["dod"]
    with django_capture_on_commit_callbacks(execute=True):
        training = TrainingRecord.objects.create(
            person=co_pi, course="CITI Research Security", completed_on=date(2024, 2, 1)
        )
    [run] = RecheckRun.objects.filter(trigger=f"training record {training.pk} changed")
    assert run.scope_key == f"person:{co_pi.pk}"
    assert RecheckChunk.objects.get(run=run).project_ids == [climate.pk]  # not the DoD project
    _run_last(driver)
    [stale] = _open(climate, "R17")
    assert stale.subject == f"person:{co_pi.pk}" and "2024-02-01" in stale.explanation
    assert _open(dod, "R17") == []  # its PI has no training, but nothing re-checked it

    with django_capture_on_commit_callbacks(execute=True):
        training.completed_on = timezone.localdate() - timedelta(days=10)
        training.save()
    _run_last(driver)
    assert _open(climate, "R17") == []
    assert TrainingRecord.history.filter(id=training.pk).count() == 2  # audited

    pk = training.pk
    with django_capture_on_commit_callbacks(execute=True):
        training.delete()  # a deletion re-checks too
    assert RecheckRun.objects.filter(trigger=f"training record {pk} changed").count() == 3


@pytest.mark.django_db
def test_travel_to_a_country_of_concern_without_pre_authorisation(
    portfolio: dict[str, Any], driver: Driver, django_capture_on_commit_callbacks: Any
) -> None:
    pi, climate, dod = portfolio["pi"].person, portfolio["climate"], portfolio["dod"]
    departed = timezone.localdate() - timedelta(days=40)
    with django_capture_on_commit_callbacks(execute=True):
        trip = TravelRecord.objects.create(
            person=pi, destination_country="CN", departed_on=departed, purpose="conference"
        )
    [run] = RecheckRun.objects.filter(trigger=f"travel record {trip.pk} changed")
    assert RecheckChunk.objects.get(run=run).project_ids == [dod.pk]
    _run_last(driver)
    [finding] = _open(dod, "R20")
    assert f"to CN on {departed.isoformat()} (travel record {trip.pk})" in finding.explanation
    assert _open(climate, "R20") == []

    with django_capture_on_commit_callbacks(execute=True):
        trip.preauthorised_on = departed - timedelta(days=14)
        trip.preauthorisation_reference = "TA-2026-0042"
        trip.save()
    _run_last(driver)
    assert _open(dod, "R20") == []


@pytest.mark.django_db
def test_a_certification_rechecks_its_award(
    portfolio: dict[str, Any], driver: Driver, django_capture_on_commit_callbacks: Any
) -> None:
    co_pi, climate = portfolio["co_pi"], portfolio["climate"]
    # an NSF award made after May 20, 2024 (queryset update: no re-check of its own)
    type(climate).objects.filter(pk=climate.pk).update(start_date=date(2024, 9, 1))
    with django_capture_on_commit_callbacks(execute=True):
        cert = MftrpCertification.objects.create(
            person=co_pi, project=climate, certified_on=date(2025, 3, 1)
        )
    [run] = RecheckRun.objects.filter(scope_key=f"project:{climate.pk}")
    assert RecheckChunk.objects.get(run=run).project_ids == [climate.pk]
    _run_last(driver)
    [overdue] = _open(climate, "R16")
    assert "latest MFTRP certification on record: 2025-03-01" in overdue.explanation
    with django_capture_on_commit_callbacks(execute=True):
        cert.certified_on = timezone.localdate() - timedelta(days=5)
        cert.save()
    _run_last(driver)
    assert _open(climate, "R16") == []
