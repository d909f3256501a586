"""Equipment bought for or used on a project (DOMAIN.md R08).

The manufacturer is an Organisation, so it is screened against the reference lists exactly as
a tie's organisation is (rules.screening); rule R08 asks whether a DoD project's equipment
comes from a maker on the restricted-equipment lists (a pack parameter).
"""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from projects.models.portfolio import Organisation, Project, TimeStamped


class EquipmentItem(TimeStamped):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="equipment")
    description = models.CharField(max_length=300)
    manufacturer = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="equipment_made",
        help_text="The maker, screened against the reference lists like any organisation.",
    )
    model = models.CharField("model", max_length=200, blank=True)
    acquired_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "description", "pk"]
        verbose_name = "equipment item"
        constraints = [
            models.UniqueConstraint(
                fields=["project", "manufacturer", "description", "model"],
                name="equipment_unique_per_project",
                violation_error_message="This item is already recorded on this project.",
            ),
        ]

    def __str__(self) -> str:
        made = f" ({self.manufacturer.name} {self.model})".rstrip()
        return f"{self.description}{made}"
