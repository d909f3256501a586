"""The finding page: evidence chain, history, comments, assignment and the decision form."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from compliance.models import Finding, FindingComment
from compliance.portal.finding_data import finding_history, finding_match
from compliance.portal.forms import (
    DECISION_CHOICES,
    decision_errors,
    decision_kwargs,
    decision_values,
)
from compliance.portal.review import UNASSIGNED
from compliance.selectors import (
    finding_comments_visible_to,
    finding_decisions_visible_to,
    findings_visible_to,
)
from compliance.services.assignments import assignable_users
from compliance.services.comments import (
    MSG_NOTE_NOT_ALLOWED,
    can_comment,
    can_write_internal_note,
    finding_comment_add,
)
from compliance.services.sibling_decisions import finding_decide_with_siblings, finding_siblings
from projects.access import can_review, sees_whole_portfolio
from projects.errors import ApplicationError


def _finding(request: HttpRequest, pk: int) -> Finding:
    qs = findings_visible_to(user=request.user).select_related(
        "assignee", "list_entry__version__reference_list", "tie__organisation"
    )
    return get_object_or_404(qs, pk=pk)


def _siblings(request: HttpRequest, finding: Finding) -> list[Finding]:
    """The same tie's findings in the other scenarios, each with its legal basis."""
    visible = findings_visible_to(user=request.user)
    return list(finding_siblings(finding=finding, queryset=visible))


def _sibling_ids(request: HttpRequest) -> list[int]:
    return [int(raw) for raw in request.POST.getlist("sibling") if raw.isdigit()]


def finding_render(
    request: HttpRequest,
    finding: Finding,
    *,
    status: int = 200,
    chosen: list[int] | None = None,
    **extra: Any,
) -> HttpResponse:
    reviewer = can_review(request.user)
    siblings = _siblings(request, finding)
    if chosen is None:  # by default, the open siblings nobody has decided yet
        chosen = [f.pk for f in siblings if f.status == "open" and f.review_status == "new"]
    comments = finding_comments_visible_to(user=request.user).filter(finding=finding)
    context = {
        "finding": finding,
        "match": finding_match(finding),
        "decisions": finding_decisions_visible_to(user=request.user)
        .filter(finding=finding)
        .select_related("decided_by", "applied_from", "rule_version__rule"),
        "history": finding_history(finding),
        "comments": comments.filter(kind=FindingComment.Kind.COMMENT),
        "notes": comments.filter(kind=FindingComment.Kind.INTERNAL),
        "can_decide": reviewer,
        "can_comment": can_comment(user=request.user, finding=finding),
        "can_write_note": can_write_internal_note(user=request.user),
        "sees_portfolio": sees_whole_portfolio(request.user),
        "assignees": list(assignable_users().only("pk", "username")) if reviewer else [],
        "unassigned": UNASSIGNED,
        "next": reverse("portal-finding", args=[finding.pk]),
        "f": finding,
        "choices": DECISION_CHOICES,
        "legal": (finding.rule_version.content or {}).get("legal_basis", {}),
        "siblings": [(f, (f.rule_version.content or {}).get("legal_basis", {})) for f in siblings],
        "open_siblings": [f for f in siblings if f.status == "open"],
        "chosen": set(chosen),
        "form": {},
        "errors": {},
        "comment_body": "",
        "comment_error": "",
        "note_body": "",
        "note_error": "",
        **extra,
    }
    return render(request, "compliance/portal/finding.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _finding(request, pk)
    if request.method == "GET":
        return finding_render(request, finding)
    if not can_review(request.user):
        raise PermissionDenied("Only research-office reviewers may decide findings.")
    values = decision_values(request)
    chosen = _sibling_ids(request)
    try:
        made = finding_decide_with_siblings(
            finding=finding,
            queryset=findings_visible_to(user=request.user),
            sibling_ids=chosen,
            user=request.user,
            **decision_kwargs(values),
        )
    except ApplicationError as exc:
        return finding_render(
            request, finding, chosen=chosen, form=values, errors=decision_errors(exc.message)
        )
    if len(made) > 1:
        messages.success(
            request,
            f"Recorded the decision on this finding and {len(made) - 1} sibling finding(s) "
            "of the same tie in other scenarios.",
        )
    return HttpResponseRedirect(reverse("portal-finding", args=[finding.pk]))


@login_required
@require_POST
def finding_comment(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _finding(request, pk)
    if not can_comment(user=request.user, finding=finding):
        raise PermissionDenied("Only reviewers and the project's PI or co-PI may comment.")
    body = request.POST.get("body", "")
    try:
        comment = finding_comment_add(finding=finding, user=request.user, body=body)
    except ApplicationError as exc:
        return finding_render(
            request, finding, status=400, comment_body=body, comment_error=exc.message
        )
    url = reverse("portal-finding", args=[finding.pk])
    return HttpResponseRedirect(f"{url}#comment-{comment.pk}")


@login_required
@require_POST
def finding_note(request: HttpRequest, pk: int) -> HttpResponse:
    """An internal note: the research office's own, never shown to PIs."""
    finding = _finding(request, pk)
    if not can_write_internal_note(user=request.user):
        raise PermissionDenied(MSG_NOTE_NOT_ALLOWED)
    body = request.POST.get("body", "")
    try:
        note = finding_comment_add(
            finding=finding, user=request.user, body=body, kind=FindingComment.Kind.INTERNAL
        )
    except ApplicationError as exc:
        return finding_render(request, finding, status=400, note_body=body, note_error=exc.message)
    url = reverse("portal-finding", args=[finding.pk])
    return HttpResponseRedirect(f"{url}#note-{note.pk}")
