"""PIs and co-PIs hear about open high and block findings on their projects, once per finding."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

from compliance.models import Finding, Notification
from compliance.notifications.delivery import notifications_create, notifications_email_immediate
from compliance.notifications.selectors import findings_notified, project_recipients

NOTIFY_SEVERITIES = ("block", "high")
BATCH = 1000


@dataclass
class FindingNotifyResult:
    created: int = 0
    emailed: int = 0


def finding_dedupe_key(finding_id: int) -> str:
    return f"finding:{finding_id}"


def _candidates() -> Iterator[list[tuple[int, int]]]:
    """(finding id, project id) of every open high/block finding, in batches."""
    qs = Finding.objects.filter(status=Finding.Status.OPEN, severity__in=NOTIFY_SEVERITIES)
    if settings.NOTIFY_FINDING_SCENARIOS:
        qs = qs.filter(scenario__code__in=settings.NOTIFY_FINDING_SCENARIOS)
    batch: list[tuple[int, int]] = []
    for pair in qs.order_by("pk").values_list("pk", "project_id").iterator(chunk_size=BATCH):
        batch.append(pair)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _notification(finding: Finding, user_id: int) -> Notification:
    project = finding.project
    return Notification(
        user_id=user_id,
        kind=Notification.Kind.FINDING,
        dedupe_key=finding_dedupe_key(finding.pk),
        finding=finding,
        subject=(
            f"{finding.get_severity_display()} finding on {project.sponsor} "
            f"{project.award_number}: {finding.rule.title}"
        ),
        body=(
            f"{finding.rule.key} ({finding.get_severity_display()}, {finding.scenario.name}) on "
            f"{project.sponsor} {project.award_number} “{project.title}”.\n"
            f"{finding.explanation}"
            + (f"\nWhat to do: {finding.remediation}" if finding.remediation else "")
        ),
        url=reverse("portal-finding", args=[finding.pk]),
    )


def finding_notifications_send() -> FindingNotifyResult:
    """Create the missing notifications, then e-mail users who want them at once.

    Scans every open high/block finding rather than a time window, so a finding made outside a
    re-check run (the evaluate command) or a PI added to a project later is still covered; the
    (user, "finding:<id>") key makes repeated runs add nothing.
    """
    result = FindingNotifyResult()
    for batch in _candidates():
        recipients = project_recipients(project_ids={p for _f, p in batch})
        done = findings_notified(finding_ids=[f for f, _p in batch])
        missing = {
            f: sorted(u for u in recipients.get(p, ()) if (u, f) not in done) for f, p in batch
        }
        missing = {f: users for f, users in missing.items() if users}
        if not missing:
            continue
        findings = Finding.objects.filter(pk__in=list(missing)).select_related(
            "project", "rule", "scenario"
        )
        rows = [_notification(f, uid) for f in findings for uid in missing[f.pk]]
        notifications_create(rows=rows)
        result.created += len(rows)
    result.emailed = notifications_email_immediate()
    return result
