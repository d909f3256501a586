"""Reference lists (versioned), organisation screening matches and their reviews."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from projects.models import Organisation


class ReferenceList(models.Model):
    code = models.CharField(max_length=32, unique=True, help_text="e.g. EL, SDN, DOD1286")
    title = models.CharField(max_length=300)
    publisher = models.CharField(max_length=300, blank=True)
    legal_basis = models.CharField(max_length=500, blank=True)
    url = models.URLField(max_length=500, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"

    @property
    def current_version(self) -> ListVersion | None:
        return self.versions.order_by("-imported_at", "-pk").first()


class ListVersion(models.Model):
    """One edition of one list: a full snapshot of its entries and the diff to the previous."""

    reference_list = models.ForeignKey(
        ReferenceList, on_delete=models.PROTECT, related_name="versions"
    )
    edition = models.DateField(null=True, blank=True, help_text="Publication date of the edition")
    format = models.CharField(max_length=32)
    source_name = models.CharField(max_length=500, help_text="File name as imported")
    checksum = models.CharField(max_length=64, help_text="SHA-256 of the source file(s)")
    content_hash = models.CharField(
        max_length=64, help_text="SHA-256 over this list's entries; equal hash, equal content"
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entry_count = models.PositiveIntegerField(default=0)
    diff = models.JSONField(
        default=dict, blank=True, help_text="added / removed / changed external ids vs previous"
    )

    class Meta:
        ordering = ["reference_list", "-imported_at"]

    def __str__(self) -> str:
        edition = self.edition.isoformat() if self.edition else "undated"
        return f"{self.reference_list.code} {edition} ({self.entry_count} entries)"


class ListEntry(models.Model):
    version = models.ForeignKey(ListVersion, on_delete=models.CASCADE, related_name="entries")
    external_id = models.CharField(max_length=200, help_text="Stable id within the list")
    primary_name = models.CharField(max_length=1000)
    aliases = models.JSONField(default=list, blank=True, help_text="[{name, kind, source}]")
    country = models.CharField(max_length=2, blank=True)
    entity_type = models.CharField(max_length=32, blank=True)
    listed_on = models.DateField(null=True, blank=True)
    delisted_on = models.DateField(null=True, blank=True)
    source_citation = models.TextField(blank=True)
    raw = models.JSONField(default=dict, blank=True)
    content_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["primary_name"]
        verbose_name_plural = "list entries"
        constraints = [
            models.UniqueConstraint(
                fields=["version", "external_id"], name="listentry_unique_in_version"
            )
        ]

    def __str__(self) -> str:
        return self.primary_name

    @property
    def alias_names(self) -> list[str]:
        return [a["name"] for a in self.aliases]

    def status_on(self, day: date) -> str:
        """'current', 'delisted' (on or before ``day``) or 'not yet listed' (after it)."""
        return listing_status(self.listed_on, self.delisted_on, day)

    @property
    def listing_status(self) -> str:
        return self.status_on(timezone.localdate())

    def alias_kind(self, name: str | None) -> str:
        """The kind ('former', 'aka', ...) of the alias called ``name``; '' if none."""
        return next((a.get("kind", "") for a in self.aliases if name and a["name"] == name), "")


def listing_status(listed_on: date | None, delisted_on: date | None, day: date) -> str:
    """Whether an entry with these dates is listed on ``day`` (as rule R29 reads them)."""
    if delisted_on is not None and delisted_on <= day:
        return "delisted"
    if listed_on is not None and listed_on > day:
        return "not yet listed"
    return "current"


class CuratedAlias(models.Model):
    """An alias we curate for a list entry, by the entry's identity across editions.

    Keyed on (list, external id), not on an edition: every later edition of the same entry
    gets it, whether or not the uploaded file carries it. An edition file never removes one;
    that is an edit here (Django admin), kept out of edition diffs.
    """

    reference_list = models.ForeignKey(
        ReferenceList, on_delete=models.CASCADE, related_name="curated_aliases"
    )
    external_id = models.CharField(max_length=200, help_text="The entry's id within the list")
    name = models.CharField(max_length=1000)
    kind = models.CharField(max_length=16)
    source = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["reference_list", "external_id", "pk"]
        verbose_name_plural = "curated aliases"
        constraints = [
            models.UniqueConstraint(
                fields=["reference_list", "external_id", "name"],
                name="curatedalias_unique_per_entry",
            )
        ]

    def __str__(self) -> str:
        return f"{self.external_id}: {self.name} ({self.kind})"


class ScreeningRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    trigger = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    organisations = models.PositiveIntegerField(default=0)
    matches_new = models.PositiveIntegerField(default=0)
    matches_changed = models.PositiveIntegerField(default=0)
    matches_removed = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"screening {self.pk} ({self.trigger}, {self.status})"


class OrganisationMatch(models.Model):
    """A portfolio organisation that looks like a list entry.

    Keyed on (organisation, list, external id) so that a reviewer's decision carries
    over to later editions of the same list entry.
    """

    class Method(models.TextChoices):
        EXACT = "exact"
        ALIAS = "alias"
        FUZZY = "fuzzy"

    class Decision(models.TextChoices):
        ACCEPT = "accept"
        REVIEW = "review"

    class Review(models.TextChoices):
        PENDING = "pending"
        CONFIRMED = "confirmed"
        REJECTED = "rejected"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="list_matches"
    )
    reference_list = models.ForeignKey(ReferenceList, on_delete=models.PROTECT, related_name="+")
    external_id = models.CharField(max_length=200)
    entry = models.ForeignKey(ListEntry, on_delete=models.PROTECT, related_name="matches")
    query = models.CharField(max_length=1000, help_text="The name that was screened")
    alias = models.CharField(max_length=1000, blank=True, help_text="Alias hit, if not the name")
    method = models.CharField(max_length=8, choices=Method.choices)
    score = models.FloatField()
    decision = models.CharField(max_length=8, choices=Decision.choices)
    note = models.CharField(
        max_length=500,
        blank=True,
        help_text="Why the name waits for review whatever its score (e.g. mixed scripts)",
    )
    active = models.BooleanField(default=True, help_text="Produced by the latest screening")
    review_status = models.CharField(max_length=16, choices=Review.choices, default=Review.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.TextField(blank=True)
    run = models.ForeignKey(ScreeningRun, null=True, blank=True, on_delete=models.SET_NULL)
    first_seen = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organisation", "-score"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "reference_list", "external_id"],
                name="orgmatch_unique_per_entry",
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=1), name="orgmatch_score_in_unit_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ~ {self.entry} ({self.score:.2f})"

    @property
    def counts_as_listed(self) -> bool:
        """A reviewer's confirmation or an auto-accept, unless a reviewer rejected it."""
        if self.review_status == self.Review.REJECTED:
            return False
        return self.review_status == self.Review.CONFIRMED or self.decision == self.Decision.ACCEPT

    @property
    def on_former_name(self) -> bool:
        """Whether the name that matched is one the entry no longer uses (alias of kind
        'former', e.g. "Third Military Medical University" for Army Medical University)."""
        return bool(self.alias) and self.entry.alias_kind(self.alias) == "former"


class OrganisationMatchReview(models.Model):
    """Append-only history of decisions on a match: who, when, why."""

    match = models.ForeignKey(OrganisationMatch, on_delete=models.CASCADE, related_name="reviews")
    status = models.CharField(max_length=16, choices=OrganisationMatch.Review.choices)
    reason = models.TextField()
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["match", "at"]

    def __str__(self) -> str:
        return f"{self.match_id}: {self.status} by {self.reviewer} at {self.at:%Y-%m-%d}"
