"""Reminders before a PI's annual attestation lapses: 30 and 7 days before, and once lapsed."""

from __future__ import annotations

from datetime import date

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from compliance.models import Notification
from compliance.notifications.delivery import notifications_create, notifications_email_immediate
from compliance.notifications.selectors import attestation_people

NEVER = "never"
LAPSED = "lapsed"
THRESHOLDS = (7, 30)  # days before valid_until; the nearest one that has been reached counts


def attestation_threshold(*, valid_until: date | None, today: date) -> str | None:
    """Which reminder is due: "never", "30", "7", "lapsed" or None (not yet)."""
    if valid_until is None:
        return NEVER
    days_left = (valid_until - today).days
    if days_left < 0:  # valid_until is the last day it holds
        return LAPSED
    for days in THRESHOLDS:
        if days_left <= days:
            return str(days)
    return None


def attestation_dedupe_key(*, valid_until: date | None, threshold: str) -> str:
    # Keyed on the attestation's end date: next year's attestation gets its own reminders.
    if valid_until is None:
        return f"attestation:{NEVER}"
    return f"attestation:{valid_until.isoformat()}:{threshold}"


def _attestation_url() -> str:
    # The attestation page belongs to the PI pages; until it exists, link to the projects.
    for name in ("portal-attestation", "portal-projects"):
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return "/"


def _text(threshold: str, valid_until: date | None, today: date) -> tuple[str, str]:
    ask = (
        "Please review your collaborations, appointments and other ties in grantcheck, "
        "correct anything missing, and attest that your disclosures are complete."
    )
    if threshold == NEVER or valid_until is None:
        return "Please attest that your disclosures are complete", (
            "You lead or co-lead an active project and have not yet attested. " + ask
        )
    if threshold == LAPSED:
        return f"Your disclosure attestation lapsed on {valid_until:%Y-%m-%d}", (
            f"Your annual attestation was valid until {valid_until:%Y-%m-%d}. " + ask
        )
    days = (valid_until - today).days
    return f"Your disclosure attestation lapses in {days} days", (
        f"Your annual attestation is valid until {valid_until:%Y-%m-%d}. " + ask
    )


def attestation_reminders_send(*, today: date | None = None) -> int:
    """Create due reminders (each threshold once) and e-mail immediate-preference users.

    Returns the number of reminders created.
    """
    today = today or timezone.localdate()
    url = _attestation_url()
    due = []
    for user_id, valid_until in attestation_people():
        threshold = attestation_threshold(valid_until=valid_until, today=today)
        if threshold is not None:
            key = attestation_dedupe_key(valid_until=valid_until, threshold=threshold)
            due.append((user_id, valid_until, threshold, key))
    sent = set(
        Notification.objects.filter(
            kind=Notification.Kind.ATTESTATION,
            user_id__in=[d[0] for d in due],
            dedupe_key__in={d[3] for d in due},
        ).values_list("user_id", "dedupe_key")
    )
    rows: list[Notification] = []
    for user_id, valid_until, threshold, key in due:
        if (user_id, key) in sent:
            continue
        subject, body = _text(threshold, valid_until, today)
        rows.append(
            Notification(
                user_id=user_id,
                kind=Notification.Kind.ATTESTATION,
                dedupe_key=key,
                subject=subject,
                body=body,
                url=url,
            )
        )
    notifications_create(rows=rows)
    notifications_email_immediate()
    return len(rows)
