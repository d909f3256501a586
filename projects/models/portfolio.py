"""Portfolio data: organisations, people, projects, roles and ties.

No field here records ethnicity, national origin or citizenship of a person:
rules key on ties to organisations, sponsors, fields, dates and disclosure.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from projects.normalize import organisation_key
from projects.validators import validate_orcid
from projects.vocabulary import (
    DISCLOSURE_DOCUMENTS,
    TIE_KIND_CHOICES,
    OrganisationType,
    ProjectStatus,
    RoleKind,
    Sponsor,
    TieSource,
)


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Organisation(TimeStamped):
    name = models.CharField(max_length=500, help_text="As written by the source.")
    normalized_name = models.CharField(max_length=500, editable=False, db_index=True)
    aliases = models.JSONField(default=list, blank=True, help_text="Other names, any script.")
    country = CountryField(blank=True, help_text="ISO 3166-1 alpha-2; blank if unknown.")
    type = models.CharField(
        max_length=32, choices=OrganisationType.choices, default=OrganisationType.OTHER
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    ror_id = models.CharField("ROR id", max_length=64, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["normalized_name", "country"],
                name="organisation_unique_normalized_country",
                violation_error_message="An organisation with this name and country exists.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.country})" if self.country else self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.normalized_name = organisation_key(self.name)
        fields = kwargs.get("update_fields")
        if fields is not None and "name" in fields:
            kwargs["update_fields"] = {*fields, "normalized_name"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        # Before the unique (normalized name, country) check: a rename in the admin is
        # checked against the name it will have.
        self.normalized_name = organisation_key(self.name)


class Person(TimeStamped):
    name = models.CharField(max_length=300)
    email = models.EmailField(unique=True)
    orcid = models.CharField(
        "ORCID iD", max_length=19, blank=True, validators=[validate_orcid], db_index=True
    )
    department = models.CharField(max_length=200, blank=True, db_index=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"
        constraints = [
            models.UniqueConstraint(
                fields=["orcid"], condition=~Q(orcid=""), name="person_unique_orcid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Project(TimeStamped):
    sponsor = models.CharField(max_length=16, choices=Sponsor.choices, db_index=True)
    programme = models.CharField(max_length=300, blank=True)
    programme_codes = models.JSONField(
        default=list,
        blank=True,
        help_text="Sponsor codes, e.g. NSF:DIR:MPS, NSF:DIV:DMR, NSF:PE:1281, NIH:IC:NCI",
    )
    award_number = models.CharField(max_length=64)
    title = models.CharField(max_length=500)
    abstract = models.TextField(blank=True)
    amount_usd = models.DecimalField(max_digits=14, decimal_places=2)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.ACTIVE, db_index=True
    )
    department = models.CharField(max_length=200, blank=True, db_index=True)
    fundamental_research = models.BooleanField(default=True)
    institution = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="awarded_projects",
        help_text="The organisation the award was made to, when the source names it.",
    )
    people = models.ManyToManyField(Person, through="Role", related_name="projects")
    history = HistoricalRecords()

    class Meta:
        ordering = ["sponsor", "award_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["sponsor", "award_number"],
                name="project_unique_award_per_sponsor",
                violation_error_message="This award number is already used for this sponsor.",
            ),
            models.CheckConstraint(
                condition=Q(amount_usd__gte=0),
                name="project_amount_not_negative",
                violation_error_message="The amount cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="project_end_not_before_start",
                violation_error_message="The end date cannot be before the start date.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sponsor} {self.award_number}: {self.title}"


class Role(TimeStamped):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="roles")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=16, choices=RoleKind.choices)
    joined_on = models.DateField(
        null=True,
        blank=True,
        help_text="When the person joined the award (DOE: training within 30 days of joining).",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "role", "person"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "person"],
                name="role_one_per_person",
                violation_error_message="This person already has a role on this project.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_role_display()} on {self.project.award_number}"


MSG_DISCLOSED_ON_WITHOUT_DOCUMENT = "Say where it was disclosed as well as when."
MSG_DISCLOSED_IN_FUTURE = "The disclosure date cannot be in the future."


class Tie(TimeStamped):
    # Indexed by tie_person_facts below, with the columns the facts read.
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="ties", db_index=False
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="ties")
    kind = models.CharField(max_length=32, choices=TIE_KIND_CHOICES, db_index=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True, help_text="Blank while ongoing.")
    compensated = models.BooleanField(default=False)
    project = models.ForeignKey(
        Project,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ties",
        help_text="Set when the tie is part of this project's work.",
    )
    source = models.CharField(
        max_length=16, choices=TieSource.choices, default=TieSource.SELF_DISCLOSED
    )
    disclosed_in = models.JSONField(
        default=list, blank=True, help_text="Documents the tie was disclosed in."
    )
    disclosed_on = models.DateField(
        null=True, blank=True, help_text="When it was (last) disclosed in those documents."
    )
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["person", "-start_date"]
        indexes = [
            # A person's ties with every column a re-check's facts read (rules.facts.ties_qs):
            # PostgreSQL answers from the index alone (an index-only scan), without a visit
            # to the table for each tie. Other databases get a plain index on the person.
            models.Index(
                fields=["person"],
                include=[
                    "id",
                    "kind",
                    "start_date",
                    "end_date",
                    "compensated",
                    "source",
                    "disclosed_in",
                    "project",
                    "organisation",
                ],
                name="tie_person_facts",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="tie_end_not_before_start",
                violation_error_message="The end date cannot be before the start date.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_kind_display()} — {self.organisation}"

    def clean(self) -> None:
        unknown = [d for d in self.disclosed_in if d not in DISCLOSURE_DOCUMENTS]
        if unknown:
            raise ValidationError(
                {"disclosed_in": f"Unknown disclosure document(s): {', '.join(unknown)}"}
            )
        if self.disclosed_on is not None:
            if not self.disclosed_in:
                raise ValidationError({"disclosed_on": MSG_DISCLOSED_ON_WITHOUT_DOCUMENT})
            if self.disclosed_on > timezone.localdate():
                raise ValidationError({"disclosed_on": MSG_DISCLOSED_IN_FUTURE})


class FieldTag(TimeStamped):
    """A sensitive-technology field tag on a project (NSTC CET 2024 area).

    Tags come from the tagger (source "auto") or from a reviewer (source "reviewer").
    A reviewer's override wins: a suppressed tag stays suppressed when the tagger runs again.
    """

    class Source(models.TextChoices):
        AUTO = "auto", "Tagger"
        REVIEWER = "reviewer", "Reviewer"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="field_tags")
    taxonomy = models.CharField(max_length=32, default="CET2024")
    area = models.CharField(max_length=64)
    confidence = models.FloatField(default=1.0)
    method = models.CharField(max_length=32, help_text="programme_code, text, reviewer, ...")
    evidence = models.JSONField(default=list, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.AUTO)
    suppressed = models.BooleanField(default=False, help_text="A reviewer removed this tag")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["project", "area"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "taxonomy", "area"], name="fieldtag_unique_area"
            ),
            models.CheckConstraint(
                condition=Q(confidence__gte=0) & Q(confidence__lte=1),
                name="fieldtag_confidence_unit_range",
            ),
        ]

    def __str__(self) -> str:
        flag = " (suppressed)" if self.suppressed else ""
        return f"{self.area} {self.confidence:.2f} {self.method}{flag}"
