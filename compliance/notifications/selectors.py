"""Reads for notifications: a user's own rows, who receives what, what is pending e-mail."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, OuterRef, QuerySet, Subquery

from compliance.models import (
    Attestation,
    Finding,
    FindingDecision,
    Notification,
    NotificationPreference,
)
from projects.access import REVIEWER
from projects.models import Person, Role
from projects.vocabulary import ProjectStatus, RoleKind

Delivery = NotificationPreference.Delivery
# People whose projects' findings they hear about, and whose attestation is chased.
RECIPIENT_ROLES = (RoleKind.PI, RoleKind.CO_PI)


def notifications_for(*, user: Any) -> QuerySet[Notification]:
    """A user's own notifications, newest first. Nobody ever reads another user's."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(user=user).order_by("-created_at", "-pk")


def notifications_unread_count(*, user: Any) -> int:
    """One COUNT on the (user, read_at) index: cheap enough for every page's navigation."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def delivery_for(*, user: Any) -> str:
    pref = NotificationPreference.objects.filter(user=user).values_list("delivery", flat=True)
    return next(iter(pref), Delivery.IMMEDIATE)


def users_with_pending_email(*, delivery: str) -> list[int]:
    """Ids of active users with an e-mail address, this delivery preference and un-e-mailed rows."""
    pending = (
        Notification.objects.filter(
            emailed_at__isnull=True, user__is_active=True, user__email__gt=""
        )
        .values_list("user_id", flat=True)
        .distinct()
    )
    digest_users = NotificationPreference.objects.filter(delivery=Delivery.DIGEST).values("user_id")
    if delivery == Delivery.DIGEST:
        pending = pending.filter(user_id__in=digest_users)
    else:
        pending = pending.exclude(user_id__in=digest_users)
    return sorted(pending)


def project_recipients(*, project_ids: Iterable[int]) -> dict[int, set[int]]:
    """Project id -> user ids of the active accounts of its PIs and co-PIs."""
    out: dict[int, set[int]] = defaultdict(set)
    for project_id, user_id in Role.objects.filter(
        project_id__in=list(project_ids),
        role__in=RECIPIENT_ROLES,
        person__user__isnull=False,
        person__user__is_active=True,
    ).values_list("project_id", "person__user_id"):
        out[project_id].add(user_id)
    return out


def findings_notified(*, finding_ids: Iterable[int]) -> set[tuple[int, int]]:
    """(user id, finding id) pairs that already have a finding notification."""
    return set(
        Notification.objects.filter(
            kind=Notification.Kind.FINDING, finding_id__in=list(finding_ids)
        ).values_list("user_id", "finding_id")
    )


def reviewers() -> QuerySet[Any]:
    return (
        get_user_model()
        .objects.filter(groups__name=REVIEWER, is_active=True)
        .distinct()
        .order_by("pk")
    )


def findings_new_counts(*, since: datetime) -> list[dict[str, Any]]:
    """Open findings first seen since then, per scenario and severity (scenario order)."""
    rows = (
        Finding.objects.filter(first_seen__gte=since, status=Finding.Status.OPEN)
        .values("scenario__position", "scenario__code", "scenario__name", "severity")
        .annotate(n=Count("id"))
        .order_by("scenario__position", "scenario__code")
    )
    grouped: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = grouped.setdefault(
            row["scenario__code"], {"name": row["scenario__name"], "counts": {}, "total": 0}
        )
        entry["counts"][row["severity"]] = row["n"]
        entry["total"] += row["n"]
    return list(grouped.values())


def mitigations_overdue(*, today: date) -> list[FindingDecision]:
    """The current mitigation plan of each open finding still under mitigation, past its due date.

    A finding re-decided later (escalated, waived, ...) has no current plan; of several plans
    the latest one counts.
    """
    latest: dict[int, FindingDecision] = {}
    for decision in (
        FindingDecision.objects.filter(
            decision=Finding.Review.MITIGATION,
            finding__status=Finding.Status.OPEN,
            finding__review_status=Finding.Review.MITIGATION,
        )
        .select_related("finding__project", "finding__rule", "finding__scenario")
        .order_by("finding_id", "decided_at", "pk")
    ):
        latest[decision.finding_id] = decision
    overdue = [d for d in latest.values() if d.due_date is not None and d.due_date < today]
    return sorted(overdue, key=lambda d: (d.due_date or today, d.finding_id))


def attestation_people() -> list[tuple[int, date | None]]:
    """(user id, latest valid_until) of PIs and co-PIs of active projects with an account."""
    latest = (
        Attestation.objects.filter(person=OuterRef("pk"))
        .order_by("-valid_until")
        .values("valid_until")[:1]
    )
    people = (
        Person.objects.filter(
            user__isnull=False,
            user__is_active=True,
            pk__in=Role.objects.filter(
                role__in=RECIPIENT_ROLES, project__status=ProjectStatus.ACTIVE
            ).values("person_id"),
        )
        .annotate(valid_until=Subquery(latest))
        .order_by("pk")
        .values_list("user_id", "valid_until")
    )
    return [(user_id, valid_until) for user_id, valid_until in people if user_id is not None]
