"""Comments on findings: reviewers and the project's PI or co-PI; never edited, always audited.

Internal notes are the research office's own: only reviewers (and admins) write them, and
compliance.selectors.finding_comments_visible_to keeps them from PIs.
"""

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
MSG_NOTE_NOT_ALLOWED = "Only research-office reviewers may write internal notes."
MAX_BODY = 5000
REPR: dict[str, str] = {
    FindingComment.Kind.COMMENT: "comment",
    FindingComment.Kind.INTERNAL: "internal note",
}


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


def can_write_internal_note(*, user: Any) -> bool:
    return can_review(user)


@transaction.atomic
def finding_comment_add(
    *, finding: Finding, user: Any, body: str, kind: str = FindingComment.Kind.COMMENT
) -> FindingComment:
    if kind == FindingComment.Kind.INTERNAL:
        if not can_write_internal_note(user=user):
            raise ApplicationError(MSG_NOTE_NOT_ALLOWED)
    elif not can_comment(user=user, finding=finding):
        raise ApplicationError(MSG_NOT_ALLOWED)
    text = body.strip()
    if not text:
        raise ApplicationError(MSG_BODY_REQUIRED)
    if len(text) > MAX_BODY:
        raise ApplicationError(MSG_BODY_TOO_LONG)
    return comment_write(finding=finding, user=user, body=text, kind=kind)


def comment_write(
    *, finding: Finding, user: Any, body: str, kind: str = FindingComment.Kind.COMMENT
) -> FindingComment:
    """Save and audit a comment whose author and body the caller has already checked."""
    comment = FindingComment(finding=finding, author=user, body=body, kind=kind)
    comment.full_clean()
    comment.save()
    audit_record(
        Change(
            action="comment",
            object_type="compliance.findingcomment",
            object_id=str(comment.pk),
            object_repr=f"{REPR[kind]} on finding {finding.pk}",
            after={"finding_id": finding.pk, "author_id": user.pk, "kind": kind, "body": body},
        )
    )
    return comment
