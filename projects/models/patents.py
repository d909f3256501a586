"""Patent filings (DOMAIN.md R10): a patent tie with the office it was filed in.

A filing is a tie of kind "patent" (person → assignee organisation, filed on the tie's start
date, disclosed in the tie's documents) plus what only a patent has: the jurisdiction and the
application number.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from projects.models.portfolio import Tie, TimeStamped

# Regional and international patent offices that are not countries.
PATENT_OFFICES = {
    "EP": "European Patent Office",
    "WO": "WIPO (PCT international application)",
    "EA": "Eurasian Patent Office",
    "AP": "ARIPO",
    "OA": "OAPI",
}
MSG_NOT_A_PATENT_TIE = "A patent filing belongs to a tie of kind patent."


class PatentFiling(TimeStamped):
    tie = models.OneToOneField(Tie, on_delete=models.CASCADE, related_name="patent")
    jurisdiction = models.CharField(
        max_length=2,
        help_text="Patent office: ISO 3166-1 alpha-2 country, or EP, WO, EA, AP, OA.",
    )
    application_number = models.CharField(max_length=64, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["tie__person", "-tie__start_date", "pk"]

    def __str__(self) -> str:
        number = f" {self.application_number}" if self.application_number else ""
        return f"{self.jurisdiction}{number} — {self.tie.organisation}"

    def clean(self) -> None:
        if self.tie_id is not None and self.tie.kind != "patent":
            raise ValidationError({"tie": MSG_NOT_A_PATENT_TIE})
