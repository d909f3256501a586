"""Celery tasks of the notifications: thin, safe to run twice (every row has a dedupe key)."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from compliance.notifications.attestations import attestation_reminders_send
from compliance.notifications.delivery import notification_digest_send
from compliance.notifications.digests import reviewer_digest_send
from compliance.notifications.findings import finding_notifications_send


@shared_task(name="compliance.notify_findings", acks_late=True)
def notify_findings_task() -> dict[str, int]:
    return asdict(finding_notifications_send())


@shared_task(name="compliance.reviewer_digest", acks_late=True)
def reviewer_digest_task() -> int:
    return reviewer_digest_send()


@shared_task(name="compliance.attestation_reminders", acks_late=True)
def attestation_reminders_task() -> int:
    return attestation_reminders_send()


@shared_task(name="compliance.notification_digest", acks_late=True)
def notification_digest_task() -> int:
    return notification_digest_send()
