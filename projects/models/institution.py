"""Our own institution (DOMAIN.md R11, R19): its profile, units, agreements with outside
bodies and the certified elements of its research-security programme.

Institution-level facts: only administrators edit them (Django admin, portfolio import). A
change re-checks the projects the institution rules apply to.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from projects.models.portfolio import TimeStamped

MSG_ONE_PROFILE = "There is one institution profile; edit the existing one."


class InstitutionProfile(TimeStamped):
    """The university grantcheck runs for: one row."""

    name = models.CharField(max_length=300)
    federal_rd_3yr_avg_usd = models.DecimalField(
        "federal R&D, 3-year average (USD)",
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Average annual federal R&D expenditure over the last 3 fiscal years "
        "(NSPM-33 / OSTP 2024 covered-institution threshold).",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "institution profile"
        constraints = [
            models.CheckConstraint(
                condition=Q(federal_rd_3yr_avg_usd__isnull=True) | Q(federal_rd_3yr_avg_usd__gte=0),
                name="institution_rd_not_negative",
                violation_error_message="The federal R&D average cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if InstitutionProfile.objects.exclude(pk=self.pk).exists():
            raise ValidationError(MSG_ONE_PROFILE)


class InstitutionUnit(TimeStamped):
    """A school, college, centre or institute of the university."""

    profile = models.ForeignKey(InstitutionProfile, on_delete=models.CASCADE, related_name="units")
    name = models.CharField(max_length=300)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "name"], name="institutionunit_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class InstitutionAgreement(TimeStamped):
    class Kind(models.TextChoices):
        CONFUCIUS_INSTITUTE = "confucius_institute", "Confucius Institute"
        CONFUCIUS_CLASSROOM = "confucius_classroom", "Confucius Classroom"
        JOINT_INSTITUTE = "joint_institute", "Joint institute or campus"
        EXCHANGE = "exchange", "Exchange or partnership agreement"
        OTHER = "other", "Other"

    profile = models.ForeignKey(
        InstitutionProfile, on_delete=models.CASCADE, related_name="agreements"
    )
    unit = models.ForeignKey(
        InstitutionUnit,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agreements",
        help_text="The unit that signed or hosts it; blank for the university as a whole.",
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    counterpart = models.CharField(max_length=300)
    counterpart_country = CountryField(blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True, help_text="Blank while in force.")
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "counterpart", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "kind", "counterpart", "start_date"],
                name="institutionagreement_unique",
                violation_error_message="This agreement is already recorded.",
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="institutionagreement_end_not_before_start",
                violation_error_message="The end date cannot be before the start date.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.counterpart}"


class ProgrammeElement(TimeStamped):
    """A certified element of the research-security programme (OSTP guidelines, Jul 9, 2024)."""

    class Element(models.TextChoices):
        CYBERSECURITY = "cybersecurity", "Cybersecurity"
        TRAVEL_RECORD = "travel_record", "Foreign travel: record of covered travel"
        TRAVEL_PREAUTHORISATION = "travel_preauthorisation", "Foreign travel: pre-authorisation"
        TRAINING = "training", "Research-security training"
        EXPORT_CONTROL_TRAINING = "export_control_training", "Export-control training"

    profile = models.ForeignKey(
        InstitutionProfile, on_delete=models.CASCADE, related_name="programme_elements"
    )
    element = models.CharField(max_length=32, choices=Element.choices)
    certified_on = models.DateField(null=True, blank=True, help_text="Blank: not certified.")
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["element"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "element"], name="programmeelement_unique"),
        ]

    def __str__(self) -> str:
        when = self.certified_on.isoformat() if self.certified_on else "not certified"
        return f"{self.get_element_display()} ({when})"
