"""Rules as versioned data: packs, parameters, rules and immutable versions, scenarios."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

PARAMETER_STATUSES = [("confirmed", "Confirmed"), ("UNCONFIRMED", "UNCONFIRMED")]


class RulePack(models.Model):
    code = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=300)
    status = models.CharField(max_length=16, default="enacted")
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.title


class PackParameter(models.Model):
    """A value the rules read; UNCONFIRMED ones are shown as such and admins may change them."""

    pack = models.ForeignKey(RulePack, on_delete=models.CASCADE, related_name="parameters")
    name = models.SlugField(max_length=64, unique=True)
    value = models.JSONField()
    status = models.CharField(max_length=16, choices=PARAMETER_STATUSES, default="confirmed")
    description = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["pack", "name"]

    def __str__(self) -> str:
        return f"{self.name} = {self.value!r} ({self.status})"


class Rule(models.Model):
    pack = models.ForeignKey(RulePack, on_delete=models.PROTECT, related_name="rules")
    key = models.CharField(max_length=32, unique=True, help_text="e.g. R07")
    title = models.CharField(max_length=300)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.key} {self.title}"

    @property
    def published_version(self) -> RuleVersion | None:
        return self.versions.filter(status=RuleVersion.Status.PUBLISHED).first()


class RuleVersion(models.Model):
    """Immutable content of one version of a rule; only its status moves."""

    class Status(models.TextChoices):
        DRAFT = "draft"
        PUBLISHED = "published"
        RETIRED = "retired"

    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.JSONField()
    content_hash = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["rule", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "number"], name="ruleversion_unique_number"),
            models.UniqueConstraint(
                fields=["rule"],
                condition=models.Q(status="published"),
                name="ruleversion_one_published",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule.key} v{self.number} ({self.status})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            stored = RuleVersion.objects.filter(pk=self.pk).values("content_hash").first()
            if stored and stored["content_hash"] != self.content_hash:
                raise ValidationError("A rule version is immutable: create a new version instead.")
        super().save(*args, **kwargs)

    @property
    def label(self) -> str:
        return f"{self.rule.key}@v{self.number}"


class Scenario(models.Model):
    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    packs = models.ManyToManyField(RulePack, through="ScenarioPack", related_name="scenarios")

    class Meta:
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def ordered_packs(self) -> list[RulePack]:
        return [sp.pack for sp in self.scenario_packs.select_related("pack").order_by("position")]


class ScenarioPack(models.Model):
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="scenario_packs")
    pack = models.ForeignKey(RulePack, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["scenario", "position"]
        constraints = [
            models.UniqueConstraint(fields=["scenario", "pack"], name="scenariopack_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scenario.code}[{self.position}] = {self.pack.code}"
