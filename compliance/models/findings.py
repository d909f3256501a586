"""Findings and the runs that produce them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from projects.models import Person, Project, Tie
from rules.models import ListEntry, Rule, RuleVersion, Scenario

SEVERITY_CHOICES = [
    ("block", "Block"),
    ("high", "High"),
    ("medium", "Medium"),
    ("low", "Low"),
    ("info", "Info"),
    ("error", "Error"),
]


class RecheckRun(models.Model):
    """One evaluation of a scope of projects under some scenarios."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"
        SUPERSEDED = "superseded"

    trigger = models.CharField(max_length=200)
    scope = models.JSONField(default=dict, blank=True)
    scope_key = models.CharField(
        max_length=200,
        db_index=True,
        default="",
        help_text="Runs with the same key supersede each other",
    )
    scenarios = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    evaluation_date = models.DateField(null=True, blank=True)
    projects_planned = models.PositiveIntegerField(default=0)
    projects_checked = models.PositiveIntegerField(default=0)
    findings_new = models.PositiveIntegerField(default=0)
    findings_unchanged = models.PositiveIntegerField(default=0)
    findings_changed = models.PositiveIntegerField(default=0)
    findings_resolved = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    error_log = models.JSONField(default=list, blank=True)
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"run {self.pk} ({self.trigger}, {self.status})"

    @property
    def progress(self) -> float:
        return self.chunks_done / self.chunks_total if self.chunks_total else 0.0


class RecheckChunk(models.Model):
    """A slice of a run's projects; done in one transaction, so a redelivery changes nothing."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        DONE = "done"
        FAILED = "failed"
        SKIPPED = "skipped"

    run = models.ForeignKey(RecheckRun, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    project_ids = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    counts = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "index"]
        constraints = [
            models.UniqueConstraint(fields=["run", "index"], name="recheckchunk_unique_index")
        ]

    def __str__(self) -> str:
        return f"run {self.run_id} chunk {self.index} ({self.status})"


class Finding(models.Model):
    class Status(models.TextChoices):
        OPEN = "open"
        RESOLVED = "resolved"

    class Review(models.TextChoices):
        NEW = "new", "New"
        FALSE_POSITIVE = "false_positive", "False positive"
        MITIGATION = "mitigation_required", "Mitigation required"
        ESCALATED = "escalated", "Escalated"
        WAIVED = "accepted_waiver", "Accepted with waiver"

    # References: none is a per-row foreign-key constraint. On PostgreSQL, statement-level
    # triggers (migration compliance.0013) check and key-share-lock every referenced row once
    # per statement, and refuse deleting, truncating or renumbering a referenced row: a re-check
    # inserts thousands of findings per chunk, and per-row checks (ten per finding) cost a
    # sixth of its time. Deletes through the ORM still apply on_delete first.
    # No index of their own where a composite index or the unique constraint leads with the
    # column: a re-check inserts thousands of findings per chunk, and writes every index.
    scenario = models.ForeignKey(
        Scenario,
        on_delete=models.PROTECT,
        related_name="findings",
        db_index=False,
        db_constraint=False,
    )
    rule = models.ForeignKey(
        Rule, on_delete=models.PROTECT, related_name="findings", db_constraint=False
    )
    rule_version = models.ForeignKey(
        RuleVersion, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        related_name="findings",
        db_index=False,
        db_constraint=False,
    )
    subject = models.CharField(max_length=64, help_text="project, person:<id> or tie:<id>")
    person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="findings",
        db_constraint=False,
    )
    tie = models.ForeignKey(
        Tie,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="findings",
        db_constraint=False,
    )
    list_entry = models.ForeignKey(
        ListEntry,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # partial index in Meta
        db_constraint=False,
    )
    match_score = models.FloatField(null=True, blank=True)
    severity = models.CharField(max_length=8, choices=SEVERITY_CHOICES)
    held_for_review = models.BooleanField(default=False)
    trace = models.JSONField(default=list)
    explanation = models.TextField()
    remediation = models.TextField(blank=True)
    amount_usd = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    review_status = models.CharField(max_length=24, choices=Review.choices, default=Review.NEW)
    first_seen = models.DateTimeField(auto_now_add=True)
    last_confirmed = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    # The runs that last wrote and resolved the finding (provenance: nothing selects findings
    # by run). No index: a re-check sets `run` on every finding it changes, and an index on it
    # would make each such update write a new entry in every one of the table's indexes (PostgreSQL
    # updates a row in place, a HOT update, only when no indexed column changes). Runs are
    # kept (the admin cannot delete them), so the reference checks on deleting one do not scan.
    run = models.ForeignKey(
        RecheckRun,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="findings",
        db_index=False,
        db_constraint=False,
    )
    resolved_by_run = models.ForeignKey(
        RecheckRun,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # partial index in Meta
        db_constraint=False,
    )
    # History rows are read by finding id and date (timeline, as-of reports): no index on
    # the other columns, which every re-check would write for every history row.
    history = HistoricalRecords(
        excluded_fields=["last_confirmed", "trace"],
        no_db_index=[
            "scenario",
            "rule",
            "rule_version",
            "project",
            "person",
            "tie",
            "list_entry",
            "run",
            "resolved_by_run",
            "assignee",
            "severity",
            "status",
        ],
    )

    class Meta:
        ordering = ["-last_confirmed"]
        constraints = [
            models.UniqueConstraint(
                fields=["scenario", "rule", "project", "subject"], name="finding_unique_subject"
            )
        ]
        indexes = [
            models.Index(fields=["scenario", "status", "severity"]),
            models.Index(fields=["project", "scenario"]),
            # the review queue's default order: open findings by dollars at stake
            models.Index(fields=["status", "-amount_usd", "id"], name="finding_queue_by_amount"),
            # Partial: a re-check inserts findings with no assignee and, for most rules, no list
            # entry; rows without one need no entry in these indexes. Every lookup by either
            # (`= x`, `IN (...)`, the SET NULL when a user or an entry is deleted) implies
            # IS NOT NULL, so PostgreSQL and SQLite still use them.
            models.Index(
                fields=["assignee"],
                name="finding_assignee",
                condition=models.Q(assignee__isnull=False),
            ),
            models.Index(
                fields=["list_entry"],
                name="finding_list_entry",
                condition=models.Q(list_entry__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        # ids only: this is called for every audited finding, with no related rows loaded
        return (
            f"finding {self.pk}: rule {self.rule_id} {self.severity} on project "
            f"{self.project_id} ({self.subject}, scenario {self.scenario_id})"
        )


class FindingDecision(models.Model):
    """A reviewer's decision on a finding; the finding keeps the latest as its review status."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="decisions")
    decision = models.CharField(max_length=24, choices=Finding.Review.choices)
    reason = models.TextField()
    mitigation_plan = models.TextField(blank=True)
    due_date = models.DateField(null=True, blank=True)
    waiver_reference = models.CharField(max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)
    # The legal basis the decision was made under: the finding's rule version at that moment
    # (a later re-check may move the finding to a newer version).
    rule_version = models.ForeignKey(
        RuleVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Set on a decision applied to a sibling finding (same tie, another scenario): the
    # decision the reviewer made, on the finding they were looking at.
    applied_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="applied_to"
    )

    class Meta:
        ordering = ["finding", "decided_at"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} on finding {self.finding_id}"


class ReportExport(models.Model):
    """A large export run by a Celery task; the file is downloaded when it is done."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    kind = models.CharField(max_length=16)
    format = models.CharField(max_length=8)
    filters = models.JSONField(default=dict, blank=True)
    as_of = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    file_name = models.CharField(max_length=200, blank=True)
    manifest = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind}.{self.format} export {self.pk} ({self.status})"
