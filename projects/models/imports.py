"""A record of each run of a data connector, shown to administrators with its report.

Connectors (NSF award XML, publications, ORCID records, SciENcv CPOS) each write one
``ImportRun`` per run through ``projects.connectors.runs.record_run``: what was read, what
it changed and every rejected item with its reason (bounded like the portfolio import's).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportRun(models.Model):
    class Connector(models.TextChoices):
        NSF_AWARDS = "nsf_awards", "NSF award XML"
        MEDLINE_XML = "medline_xml", "Publications (PubMed MEDLINE XML)"
        OPENALEX_JSONL = "openalex_jsonl", "Publications (OpenAlex works)"
        ORCID = "orcid", "ORCID records"
        CPOS = "cpos", "SciENcv Current and Pending (Other) Support"

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"

    connector = models.CharField(max_length=32, choices=Connector.choices, db_index=True)
    source = models.CharField(max_length=500, help_text="The file or folder read, as given.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # {"imported": n, "updated": n, "unchanged": n, "rejected": n, ...}
    counts = models.JSONField(default=dict, blank=True)
    # [{"item": "<file or record>", "reason": "..."}], the first GRANTCHECK_IMPORT_MAX_PROBLEMS.
    problems = models.JSONField(default=list, blank=True)
    problems_total = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, help_text="Why the run failed, when it did.")

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_connector_display()} {self.started_at:%Y-%m-%d %H:%M} ({self.status})"
