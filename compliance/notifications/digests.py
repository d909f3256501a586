"""The research office's daily digest: new findings and overdue mitigation plans."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from compliance.models import Notification
from compliance.notifications.delivery import (
    absolute_url,
    notifications_create,
    notifications_email_pending,
)
from compliance.notifications.selectors import findings_new_counts, mitigations_overdue, reviewers

SEVERITY_ORDER = ("block", "high", "medium", "low", "info", "error")
OVERDUE_LISTED = 50


def reviewer_digest_build(*, now: datetime) -> dict[str, Any]:
    today = timezone.localdate(now)
    scenarios = findings_new_counts(since=now - timedelta(hours=24))
    for entry in scenarios:
        entry["ordered"] = [(s, entry["counts"][s]) for s in SEVERITY_ORDER if s in entry["counts"]]
    overdue = mitigations_overdue(today=today)
    return {
        "today": today,
        "scenarios": scenarios,
        "new_total": sum(e["total"] for e in scenarios),
        "overdue": [
            {
                "decision": d,
                "days": (today - d.due_date).days if d.due_date else 0,
                "url": absolute_url(reverse("portal-finding", args=[d.finding_id])),
            }
            for d in overdue[:OVERDUE_LISTED]
        ],
        "overdue_total": len(overdue),
    }


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def _digest_key(day: date) -> str:
    return f"digest:{day.isoformat()}"


def reviewer_digest_send(*, now: datetime | None = None) -> int:
    """One digest a day to every reviewer, e-mailed whatever their preference (it is a digest).

    Nothing new and nothing overdue: no digest. Returns the number of e-mails sent.
    """
    now = now or timezone.now()
    data = reviewer_digest_build(now=now)
    if not data["new_total"] and not data["overdue_total"]:
        return 0
    new, overdue = data["new_total"], data["overdue_total"]
    subject = (
        f"Review digest {data['today']:%Y-%m-%d}: {new} new finding{_s(new)}, "
        f"{overdue} overdue mitigation plan{_s(overdue)}"
    )
    body = render_to_string("compliance/email/reviewer_digest.txt", data)
    users = list(reviewers().values_list("pk", flat=True))
    notifications_create(
        rows=[
            Notification(
                user_id=uid,
                kind=Notification.Kind.DIGEST,
                dedupe_key=_digest_key(data["today"]),
                subject=subject,
                body=body,
                url=reverse("portal-queue"),
            )
            for uid in users
        ]
    )
    return sum(
        1
        for uid in users
        if notifications_email_pending(user_id=uid, kinds=[Notification.Kind.DIGEST])
    )
