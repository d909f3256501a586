"""Assigning findings to research-office reviewers: one bulk update, model history, audit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet

from compliance.audit.chain import Change, audit_record_many
from compliance.models import Finding
from projects.access import ADMIN, REVIEWER, can_review
from projects.errors import ApplicationError

MSG_NOT_REVIEWER = "Findings can only be assigned to research-office reviewers."
MSG_NOTHING_SELECTED = "Select at least one finding to assign."


def assignable_users() -> QuerySet[Any]:
    """Active reviewers and admins, the people a finding can be assigned to."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[REVIEWER, ADMIN])
        .distinct()
        .order_by("username")
    )


@transaction.atomic
def findings_assign(*, findings: Iterable[Finding], assignee: Any | None, user: Any) -> int:
    """Assign (or, with no assignee, unassign) findings; returns how many changed."""
    if assignee is not None and not can_review(assignee):
        raise ApplicationError(MSG_NOT_REVIEWER)
    ids = [f.pk for f in findings]
    if not ids:
        raise ApplicationError(MSG_NOTHING_SELECTED)
    assignee_id = getattr(assignee, "pk", None)
    rows = list(
        Finding.objects.select_for_update().filter(pk__in=ids).exclude(assignee_id=assignee_id)
    )
    changes = [
        Change(
            action="assign",
            object_type="compliance.finding",
            object_id=str(row.pk),
            object_repr=str(row),
            before={"assignee_id": row.assignee_id},
            after={"assignee_id": assignee_id, "assigned_by": getattr(user, "pk", None)},
        )
        for row in rows
    ]
    for row in rows:
        row.assignee_id = assignee_id
    # bulk writes send no model signals: the history and audit rows are written here
    Finding.objects.bulk_update(rows, ["assignee"], batch_size=1000)
    Finding.history.bulk_history_create(rows, update=True, default_user=user)
    audit_record_many(changes)
    return len(rows)


def finding_assign(*, finding: Finding, assignee: Any | None, user: Any) -> Finding:
    findings_assign(findings=[finding], assignee=assignee, user=user)
    finding.refresh_from_db(fields=["assignee"])
    return finding
