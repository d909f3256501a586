"""The person-record part of the facts: latest research-security training and covered
international trips of each person, MFTRP certifications per person and award, and whether
the portfolio keeps such records at all (a missing record is only a gap where it does).

Trips are facts of the trip (destination country, dates, pre-authorisation): nothing here
reads a person's ethnicity, national origin or citizenship.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from projects.models import MftrpCertification, TrainingRecord, TravelRecord

RECORD_MODELS: dict[str, Any] = {
    "training": TrainingRecord,
    "certifications": MftrpCertification,
    "travel": TravelRecord,
}


def records_qs(kind: str) -> Any:
    """One row if the portfolio holds any record of this kind."""
    return RECORD_MODELS[kind].objects.order_by().values_list("pk")[:1]


def records_loaded() -> dict[str, bool]:
    """Which kinds of person records the portfolio holds (three one-row queries)."""
    return {kind: bool(list(records_qs(kind))) for kind in RECORD_MODELS}


def trainings_qs(person_ids: Iterable[int]) -> Any:
    return (
        TrainingRecord.objects.filter(person_id__any=set(person_ids))
        .order_by()
        .values_list("person_id", "completed_on", "course")
    )


TRIP_COLUMNS = (
    "id",
    "person_id",
    "destination_country",
    "departed_on",
    "returned_on",
    "preauthorised_on",
    "preauthorisation_reference",
    "purpose",
)


def trips_qs(person_ids: Iterable[int]) -> Any:
    return (
        TravelRecord.objects.filter(person_id__any=set(person_ids))
        .order_by()
        .values_list(*TRIP_COLUMNS)
    )


def certifications_qs(project_ids: Iterable[int]) -> Any:
    return (
        MftrpCertification.objects.filter(project_id__any=set(project_ids))
        .order_by()
        .values_list("project_id", "person_id", "certified_on")
    )


def person_records_attach(people: dict[int, dict[str, Any]], person_ids: Iterable[int]) -> None:
    """Add training_on, training_course and trips to these people's fact dicts (two
    queries). Done when a person's facts are first built, so a run's cache keeps them."""
    ids = [pid for pid in person_ids if pid in people]
    if not ids:
        return
    for pid in ids:
        people[pid].update(training_on=None, training_course="", trips=[])
    latest: dict[int, tuple[date, str]] = {}
    for pid, completed_on, course in trainings_qs(ids):
        if pid not in latest or (completed_on, course) > latest[pid]:
            latest[pid] = (completed_on, course)
    for pid, (completed_on, course) in latest.items():
        people[pid]["training_on"], people[pid]["training_course"] = completed_on, course
    trips: dict[int, list[dict[str, Any]]] = defaultdict(list)
    rows = trips_qs(ids)
    for trip_id, pid, country, departed, returned, preauthorised, reference, purpose in rows:
        trips[pid].append(
            {
                "id": trip_id,
                "country": str(country),
                "departed_on": departed,
                "returned_on": returned,
                "preauthorised_on": preauthorised,
                "reference": reference,
                "purpose": purpose,
            }
        )
    for pid, found in trips.items():  # most recent first, then by id
        found.sort(key=lambda t: (-t["departed_on"].toordinal(), t["id"]))
        people[pid]["trips"] = found


def certifications_index(project_ids: Sequence[int]) -> dict[tuple[int, int], date]:
    """Latest MFTRP certification by (project, person) on these projects (one query)."""
    latest: dict[tuple[int, int], date] = {}
    for project_id, person_id, certified_on in certifications_qs(project_ids):
        key = (project_id, person_id)
        if key not in latest or certified_on > latest[key]:
            latest[key] = certified_on
    return latest
