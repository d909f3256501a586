"""A project's foreign structure: foreign subawards and foreign components (DOMAIN.md R14).

NIH (NOT-OD-25-104, -130, -155) no longer makes new foreign subawards, and from applications
due on or after Jan 25, 2026 a foreign component must be structured as a linked
international award (PF5/UF5 activity codes).
"""

from __future__ import annotations

from django.db import models
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from projects.models.portfolio import Project, TimeStamped


class ForeignComponent(TimeStamped):
    class Kind(models.TextChoices):
        SUBAWARD = "subaward", "Foreign subaward"
        COMPONENT = "component", "Foreign component (work performed abroad)"

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="foreign_components"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    organisation = models.CharField(
        max_length=300, blank=True, help_text="The foreign performer, as written."
    )
    country = CountryField(help_text="Where the work is performed (ISO 3166-1 alpha-2).")
    activity_code = models.CharField(
        max_length=8, blank=True, help_text="NIH activity code of the award or linked award."
    )
    due_date = models.DateField(
        null=True, blank=True, help_text="Due date of the application that carries it."
    )
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "kind", "country", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "kind", "country", "organisation"],
                name="foreigncomponent_unique_per_project",
                violation_error_message="This foreign subaward/component is already recorded.",
            ),
        ]

    def __str__(self) -> str:
        who = f" {self.organisation}" if self.organisation else ""
        return f"{self.get_kind_display()}{who} ({self.country})"
