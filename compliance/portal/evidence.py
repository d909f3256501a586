"""Evidence pages: a person's ties found in publications and ORCID records, with a dispute
form ("not me", "wrong affiliation", "ended on <date>"); the research office's dispute list
and its accept / reject decision.

Rows come through projects.selectors (ties_visible_to, tie_evidence_visible_to,
evidence_disputes_visible_to); writes go through projects.disputes (audited).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from compliance.portal.dashboard import require_portfolio_view
from projects.access import can_review
from projects.connectors.evidence import EVIDENCE_SOURCES
from projects.disputes import dispute_decide, dispute_raise
from projects.errors import ApplicationError
from projects.models import EvidenceDispute, Person, Role, Tie
from projects.selectors import (
    evidence_disputes_visible_to,
    tie_evidence_visible_to,
    ties_visible_to,
)

MSG_NO_PERSON = "This page lists evidence about a researcher; your account has none."
MSG_NOT_YOURS = "Only the person the evidence is about can dispute it."
MSG_CHOOSE_REASON = "Choose what is wrong."
MSG_CHOOSE_DECISION = "Choose accept or reject."
MSG_DECISION_REASON = "Give a reason for the decision."
DISPUTE_STATES = ("pending", "accepted", "rejected", "all")


def _person(request: HttpRequest) -> Person:
    person = Person.objects.filter(user__pk=request.user.pk or 0).first()
    if person is None:
        raise Http404(MSG_NO_PERSON)
    return person


def found_ties(*, user: Any, person: Person) -> list[Tie]:
    """The person's ties found in publications or ORCID records (or confirmed by them), each
    with its evidence (tie.found) and disputes (tie.dispute_list), newest evidence first."""
    evidence = tie_evidence_visible_to(user=user).order_by("-published_on", "pk")
    disputes = evidence_disputes_visible_to(user=user).order_by("-raised_at")
    ties = (
        ties_visible_to(user=user)
        .filter(person=person)
        .filter(Q(source__in=EVIDENCE_SOURCES) | Q(evidence__isnull=False))
        .distinct()
        .prefetch_related(
            Prefetch("evidence", queryset=evidence, to_attr="found"),
            Prefetch("disputes", queryset=disputes, to_attr="dispute_list"),
        )
        .order_by("-end_date", "pk")
    )
    return list(ties)


def first_project_id(person: Person) -> int | None:
    return (
        Role.objects.filter(person=person)
        .order_by("project_id")
        .values_list("project_id", flat=True)
        .first()
    )


@login_required
def my_evidence(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    ties = found_ties(user=request.user, person=person)
    return render(
        request,
        "compliance/portal/evidence/mine.html",
        {
            "person": person,
            "ties": ties,
            "project_id": first_project_id(person),
            "evidence_sources": EVIDENCE_SOURCES,
        },
    )


def _dispute_form(request: HttpRequest) -> tuple[dict[str, str], dict[str, str], date | None]:
    form = {k: request.POST.get(k, "").strip() for k in ("reason", "ended_on", "comment")}
    errors: dict[str, str] = {}
    ended: date | None = None
    if form["reason"] not in EvidenceDispute.Reason.values:
        errors["reason"] = MSG_CHOOSE_REASON
    if form["reason"] == EvidenceDispute.Reason.ENDED:
        try:
            ended = date.fromisoformat(form["ended_on"])
        except ValueError:
            errors["ended_on"] = "Enter the date it ended (YYYY-MM-DD)."
    return form, errors, ended


@login_required
@require_http_methods(["GET", "POST"])
def dispute_new(request: HttpRequest, tie_pk: int) -> HttpResponse:
    """404 unless the user sees the tie; 403 unless it is their own found tie."""
    tie = get_object_or_404(ties_visible_to(user=request.user), pk=tie_pk)
    if tie.person.user_id is None or tie.person.user_id != request.user.pk:
        raise PermissionDenied(MSG_NOT_YOURS)
    form: dict[str, str] = {"reason": "", "ended_on": "", "comment": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form, errors, ended = _dispute_form(request)
        if not errors:
            try:
                dispute_raise(
                    tie=tie,
                    user=request.user,
                    reason=form["reason"],
                    ended_on=ended,
                    comment=form["comment"],
                )
            except ApplicationError as exc:
                errors["form"] = exc.message
            else:
                return HttpResponseRedirect(reverse("portal-evidence") + f"#tie-{tie.pk}")
    evidence = tie_evidence_visible_to(user=request.user).filter(tie=tie)
    return render(
        request,
        "compliance/portal/evidence/dispute_form.html",
        {
            "tie": tie,
            "evidence": evidence,
            "form": form,
            "errors": errors,
            "reasons": EvidenceDispute.Reason.choices,
        },
        status=400 if errors else 200,
    )


@login_required
def dispute_list(request: HttpRequest) -> HttpResponse:
    require_portfolio_view(request)
    state = request.GET.get("state", "pending")
    state = state if state in DISPUTE_STATES else "pending"
    qs = evidence_disputes_visible_to(user=request.user).order_by("raised_at", "pk")
    if state != "all":
        qs = qs.filter(status=state)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "compliance/portal/evidence/disputes.html",
        {"page": page, "state": state, "states": DISPUTE_STATES},
    )


@login_required
@require_http_methods(["GET", "POST"])
def dispute_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_portfolio_view(request)
    dispute = get_object_or_404(evidence_disputes_visible_to(user=request.user), pk=pk)
    form = {"decision": "", "reason": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not can_review(request.user):
            raise PermissionDenied("Only research-office reviewers may decide disputes.")
        form = {k: request.POST.get(k, "").strip() for k in ("decision", "reason")}
        if form["decision"] not in ("accept", "reject"):
            errors["decision"] = MSG_CHOOSE_DECISION
        if not form["reason"]:
            errors["reason"] = MSG_DECISION_REASON
        if not errors:
            try:
                dispute_decide(
                    dispute=dispute,
                    user=request.user,
                    accept=form["decision"] == "accept",
                    reason=form["reason"],
                )
            except ApplicationError as exc:
                errors["form"] = exc.message
            else:
                return HttpResponseRedirect(reverse("portal-dispute", args=[dispute.pk]))
    evidence = (
        tie_evidence_visible_to(user=request.user).filter(tie=dispute.tie) if dispute.tie_id else []
    )
    return render(
        request,
        "compliance/portal/evidence/dispute.html",
        {
            "dispute": dispute,
            "evidence": evidence,
            "can_decide": can_review(request.user) and dispute.status == "pending",
            "form": form,
            "errors": errors,
        },
        status=400 if errors else 200,
    )
