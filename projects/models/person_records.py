"""A person's own compliance records: research-security training, covered international
travel and the annual MFTRP certification per award.

Where someone travelled is a fact of the trip (its destination country), not of the person:
nothing here records a person's ethnicity, national origin or citizenship.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from projects.models.portfolio import Person, Project, TimeStamped

MSG_RETURN_BEFORE_DEPARTURE = "The return date cannot be before the departure date."
MSG_REFERENCE_WITHOUT_DATE = "Give the date of the pre-authorisation as well as its reference."


class TrainingRecord(TimeStamped):
    """A research-security training a person completed (CHIPS §10634; NSF IN-149; DOE NOFOs)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="trainings")
    course = models.CharField(max_length=300, help_text="e.g. CITI Research Security Training")
    provider = models.CharField(max_length=200, blank=True, help_text="e.g. CITI, NSF, in-house")
    completed_on = models.DateField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["person", "-completed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "course", "completed_on"],
                name="training_unique_course_date",
                violation_error_message="This training is already recorded for that date.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.course} ({self.completed_on})"


class TravelRecord(TimeStamped):
    """A covered international trip (OSTP 2024 guidelines: a record of covered international
    travel and a pre-authorisation requirement)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="trips")
    destination_country = CountryField(help_text="ISO 3166-1 alpha-2 country of the trip.")
    departed_on = models.DateField()
    returned_on = models.DateField(null=True, blank=True, help_text="Blank if not yet known.")
    purpose = models.CharField(max_length=300, blank=True)
    preauthorised_on = models.DateField(
        null=True, blank=True, help_text="When the institution pre-authorised the trip."
    )
    preauthorisation_reference = models.CharField(max_length=100, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["person", "-departed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "destination_country", "departed_on"],
                name="travel_unique_trip",
                violation_error_message="This trip is already recorded.",
            ),
            models.CheckConstraint(
                condition=Q(returned_on__isnull=True) | Q(returned_on__gte=F("departed_on")),
                name="travel_return_not_before_departure",
                violation_error_message=MSG_RETURN_BEFORE_DEPARTURE,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.destination_country} ({self.departed_on})"

    @property
    def preauthorised(self) -> bool:
        return self.preauthorised_on is not None

    def clean(self) -> None:
        if self.preauthorisation_reference and self.preauthorised_on is None:
            raise ValidationError({"preauthorised_on": MSG_REFERENCE_WITHOUT_DATE})


class MftrpCertification(TimeStamped):
    """A person's certification, on one award, that they are not a party to a malign foreign
    talent recruitment programme (CHIPS §10632; NSF: annually in Research.gov)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="certifications")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="certifications")
    certified_on = models.DateField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "person", "-certified_on"]
        verbose_name = "MFTRP certification"
        constraints = [
            models.UniqueConstraint(
                fields=["person", "project", "certified_on"],
                name="certification_unique_date",
                violation_error_message="This certification is already recorded.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.project.award_number} ({self.certified_on})"
