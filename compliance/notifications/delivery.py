"""Writes on notifications: create rows, e-mail them, read state and delivery preference."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from compliance.models import Notification, NotificationPreference
from compliance.notifications.selectors import users_with_pending_email
from projects.errors import ApplicationError

Delivery = NotificationPreference.Delivery
MSG_UNKNOWN_DELIVERY = "Choose how you want to receive notifications: immediately or daily digest."
SUBJECT_PREFIX = "grantcheck: "


def notifications_create(*, rows: Sequence[Notification]) -> set[int]:
    """Insert rows whose (user, dedupe_key) is new; returns the users concerned.

    The unique constraint makes a second run (or two workers at once) add nothing.
    """
    for row in rows:
        row.subject = row.subject[:300]
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return {row.user_id for row in rows}


def absolute_url(path: str) -> str:
    return f"{settings.PORTAL_BASE_URL}{path}" if path else ""


def _subject(rows: Sequence[Notification], digest: bool) -> str:
    if digest:
        plural = "s" if len(rows) != 1 else ""
        return f"{SUBJECT_PREFIX}your daily digest: {len(rows)} notification{plural}"
    if len(rows) == 1:
        return f"{SUBJECT_PREFIX}{rows[0].subject}"
    if all(r.kind == Notification.Kind.FINDING for r in rows):
        return f"{SUBJECT_PREFIX}{len(rows)} new high or block findings on your projects"
    return f"{SUBJECT_PREFIX}{len(rows)} notifications"


def notifications_email_pending(
    *, user_id: int, kinds: Iterable[str] | None = None, digest: bool = False
) -> int:
    """E-mail the user's not-yet-e-mailed notifications in ONE message; returns how many.

    The rows are locked (others skip them) and marked e-mailed in the same transaction as the
    send: a failing mail server rolls the marks back, so the next run tries again.
    """
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return 0
    with transaction.atomic():
        qs = Notification.objects.select_for_update(skip_locked=True).filter(
            user_id=user_id, emailed_at__isnull=True
        )
        if kinds is not None:
            qs = qs.filter(kind__in=list(kinds))
        rows = list(qs.order_by("created_at", "pk"))
        if not rows:
            return 0
        body = render_to_string(
            "compliance/email/notifications.txt",
            {
                "user": user,
                "notifications": [(n, absolute_url(n.url)) for n in rows],
                "digest": digest,
                "portal_url": absolute_url(reverse("portal-notifications")),
            },
        )
        send_mail(_subject(rows, digest), body, None, [user.email])
        Notification.objects.filter(pk__in=[r.pk for r in rows]).update(emailed_at=timezone.now())
    return len(rows)


def notifications_email_immediate() -> int:
    """Send every user who wants e-mail at once what is pending (one e-mail each)."""
    return sum(
        notifications_email_pending(user_id=uid)
        for uid in users_with_pending_email(delivery=Delivery.IMMEDIATE)
    )


def notification_digest_send() -> int:
    """Once a day: each digest-preference user gets their un-e-mailed notifications, one e-mail."""
    return sum(
        notifications_email_pending(user_id=uid, digest=True)
        for uid in users_with_pending_email(delivery=Delivery.DIGEST)
    )


def notification_mark_read(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: Any) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notification_preference_set(*, user: Any, delivery: str) -> NotificationPreference:
    if delivery not in Delivery.values:
        raise ApplicationError(MSG_UNKNOWN_DELIVERY)
    pref, _ = NotificationPreference.objects.update_or_create(
        user=user, defaults={"delivery": delivery}
    )
    return pref
