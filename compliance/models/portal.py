"""Portal records: PI attestations, finding comments and user notifications."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Attestation(models.Model):
    """A person's statement that their disclosures are complete, valid for a year.

    Records are never edited: a new attestation supersedes the previous one. Each is
    written to the audit chain when it is made.
    """

    person = models.ForeignKey(
        "projects.Person", on_delete=models.PROTECT, related_name="attestations"
    )
    attested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    statement = models.TextField(help_text="The exact text the person confirmed")
    attested_at = models.DateTimeField()
    valid_until = models.DateField(help_text="The attestation lapses after this date")
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-attested_at"]
        indexes = [models.Index(fields=["person", "-attested_at"])]

    def __str__(self) -> str:
        return f"{self.person} attested {self.attested_at:%Y-%m-%d}"


class FindingComment(models.Model):
    """A reviewer's or PI's note on a finding; comments are never edited or deleted.

    A comment is the channel the project's PI and co-PIs share with the research office. An
    internal note is the research office's own: PIs never see it (page, API or notification);
    compliance.selectors.finding_comments_visible_to is the one rule.
    """

    class Kind(models.TextChoices):
        COMMENT = "comment", "Comment (the project's PI and co-PIs see it)"
        INTERNAL = "internal", "Internal note (research office only)"

    finding = models.ForeignKey(
        "compliance.Finding", on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.COMMENT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Comment by {self.author} on finding {self.finding_id}"


class NotificationPreference(models.Model):
    """How a user wants to hear about things: each one as it happens, or a daily digest."""

    class Delivery(models.TextChoices):
        IMMEDIATE = "immediate", "Immediately"
        DIGEST = "digest", "Daily digest"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    delivery = models.CharField(max_length=16, choices=Delivery.choices, default=Delivery.IMMEDIATE)

    def __str__(self) -> str:
        return f"{self.user}: {self.delivery}"


class Notification(models.Model):
    """Something a user should know about, shown in the portal and (maybe) e-mailed."""

    class Kind(models.TextChoices):
        FINDING = "finding", "New high or block finding"
        DIGEST = "digest", "Reviewer digest"
        ATTESTATION = "attestation", "Attestation reminder"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    dedupe_key = models.CharField(
        max_length=200, help_text="One notification per user and key (e.g. finding:123)"
    )
    subject = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    finding = models.ForeignKey(
        "compliance.Finding",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "dedupe_key"], name="notification_once_per_key")
        ]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return f"{self.user}: {self.subject}"
