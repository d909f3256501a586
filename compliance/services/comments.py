"""Comments on findings: reviewers and the project's PI or co-PI; never edited, always audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from compliance.audit.chain import Change, audit_record
from compliance.models import Finding, FindingComment
from projects.access import can_review
from projects.errors import ApplicationError
from projects.models import Role
from projects.vocabulary import RoleKind

MSG_BODY_REQUIRED = "Write a comment before posting it."
MSG_BODY_TOO_LONG = "A comment can be at most 5,000 characters."
MSG_NOT_ALLOWED = "Only reviewers and the project's PI or co-PI may comment."
MAX_BODY = 5000


def can_comment(*, user: Any, finding: Finding) -> bool:
    if can_review(user):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return Role.objects.filter(
        project_id=finding.project_id,
        person__user=user,
        role__in=[RoleKind.PI, RoleKind.CO_PI],
    ).exists()


@transaction.atomic
def finding_comment_add(*, finding: Finding, user: Any, body: str) -> FindingComment:
    if not can_comment(user=user, finding=finding):
        raise ApplicationError(MSG_NOT_ALLOWED)
    text = body.strip()
    if not text:
        raise ApplicationError(MSG_BODY_REQUIRED)
    if len(text) > MAX_BODY:
        raise ApplicationError(MSG_BODY_TOO_LONG)
    comment = FindingComment(finding=finding, author=user, body=text)
    comment.full_clean()
    comment.save()
    audit_record(
        Change(
            action="comment",
            object_type="compliance.findingcomment",
            object_id=str(comment.pk),
            object_repr=f"comment on finding {finding.pk}",
            after={"finding_id": finding.pk, "author_id": user.pk, "body": text},
        )
    )
    return comment
