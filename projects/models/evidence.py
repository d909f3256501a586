"""Evidence from outside sources (publications, ORCID records) and the PIs' disputes of it.

A tie found in a paper or an ORCID record carries one ``TieEvidence`` row per source item (a
paper, an ORCID activity): importing the same item again finds its row and changes nothing.
A PI who says the evidence is wrong raises an ``EvidenceDispute``; a reviewer accepts or
rejects it, and an accepted dispute keeps that evidence out of later imports.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from projects.models.portfolio import Organisation, Person, Tie
from projects.vocabulary import TIE_KIND_CHOICES, TieSource


class TieEvidence(models.Model):
    """One source item (a paper, an ORCID activity) that shows a tie."""

    class Role(models.TextChoices):
        OWN_AFFILIATION = "own_affiliation", "The person's own affiliation on a paper"
        COAUTHOR = "coauthor", "A co-author's affiliation on a paper"
        RECORD = "record", "An entry of the person's ORCID record"

    tie = models.ForeignKey(Tie, on_delete=models.CASCADE, related_name="evidence")
    source = models.CharField(max_length=16, choices=TieSource.choices)
    # "pmid:17942999", "openalex:W2741809807", "orcid:0000-0002-1825-0097:employment:1234"
    item_key = models.CharField(max_length=200)
    title = models.CharField(max_length=500, blank=True)
    url = models.URLField(max_length=500, blank=True)
    published_on = models.DateField(null=True, blank=True)
    affiliation = models.TextField(blank=True, help_text="As the source wrote it.")
    role = models.CharField(max_length=16, choices=Role.choices)
    link_method = models.CharField(
        max_length=32, help_text="How the author was linked to the person: orcid, name_affiliation"
    )
    confidence = models.FloatField(default=1.0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-published_on", "pk"]
        verbose_name_plural = "tie evidence"
        constraints = [
            models.UniqueConstraint(fields=["tie", "item_key"], name="tieevidence_once_per_item"),
            models.CheckConstraint(
                condition=Q(confidence__gte=0) & Q(confidence__lte=1),
                name="tieevidence_confidence_unit_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.item_key} → tie {self.tie_id}"

    @property
    def year(self) -> int | None:
        return self.published_on.year if self.published_on else None

    @property
    def source_label(self) -> str:
        """Where it was found, as the PI reads it: "PubMed 17942999", "ORCID record"."""
        prefix, _, rest = self.item_key.partition(":")
        if prefix == "pmid":
            return f"PubMed {rest}"
        if prefix == "openalex":
            return f"OpenAlex {rest}"
        if prefix == "orcid":
            return "ORCID record"
        return self.get_source_display()


class EvidenceDispute(models.Model):
    """A PI says evidence about them is wrong; a reviewer accepts or rejects that.

    The person, organisation and kind are kept on the dispute itself: an accepted "not me" or
    "wrong affiliation" removes the tie, and later imports still know what to leave out.
    """

    class Reason(models.TextChoices):
        NOT_ME = "not_me", "Not me"
        WRONG_AFFILIATION = "wrong_affiliation", "Wrong affiliation"
        ENDED = "ended", "It ended on a date"

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting a reviewer"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="disputes")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=32, choices=TIE_KIND_CHOICES)
    source = models.CharField(max_length=16, choices=TieSource.choices)
    tie = models.ForeignKey(
        Tie, null=True, blank=True, on_delete=models.SET_NULL, related_name="disputes"
    )
    reason = models.CharField(max_length=32, choices=Reason.choices)
    ended_on = models.DateField(null=True, blank=True)
    comment = models.TextField(blank=True)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    raised_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    # Evidence items later imports left out because of this (accepted) dispute.
    suppressed_items = models.PositiveIntegerField(default=0)
    last_suppressed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason="ended") | Q(ended_on__isnull=False),
                name="evidencedispute_ended_has_date",
                violation_error_message="Say when it ended.",
            ),
        ]

    def __str__(self) -> str:
        return f"Dispute #{self.pk}: {self.get_reason_display()} ({self.get_status_display()})"
