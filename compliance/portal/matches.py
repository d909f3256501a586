"""Organisation name matches in the review band: list, detail, confirm or reject."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from compliance.models import Finding
from compliance.portal.dashboard import require_portfolio_view
from compliance.services.recheck_scope import projects_for_organisations
from compliance.services.sibling_decisions import findings_resting_on_match
from projects.access import can_review
from projects.errors import ApplicationError
from projects.models import Project
from projects.selectors import ties_visible_to
from rules.models import OrganisationMatch, ReferenceList
from rules.selectors import organisation_matches_visible_to
from rules.services.screening import MSG_REASON_REQUIRED, organisation_match_review

STATES = ("pending", "confirmed", "rejected", "all")
MSG_CHOOSE = "Choose confirm or reject."
MSG_CLEARED = (
    "Match rejected: {count} open finding(s) resting on it were marked false positive "
    "with your reason."
)


@login_required
def match_list(request: HttpRequest) -> HttpResponse:
    require_portfolio_view(request)
    state = request.GET.get("state", "pending")
    state = state if state in STATES else "pending"
    list_code = request.GET.get("list", "")
    qs = organisation_matches_visible_to(user=request.user).filter(
        active=True, decision=OrganisationMatch.Decision.REVIEW
    )
    if state != "all":
        qs = qs.filter(review_status=state)
    if list_code:
        qs = qs.filter(reference_list__code=list_code)
    qs = qs.select_related("entry", "organisation", "reference_list")
    qs = qs.annotate(ties=Count("organisation__ties")).order_by("-score", "pk")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    keep = request.GET.copy()
    keep.pop("page", None)
    return render(
        request,
        "compliance/portal/review/matches.html",
        {
            "page": page,
            "state": state,
            "states": STATES,
            "list_code": list_code,
            "lists": ReferenceList.objects.order_by("code").values_list("code", "title"),
            "query": keep.urlencode(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def match_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_portfolio_view(request)
    match = get_object_or_404(
        organisation_matches_visible_to(user=request.user).select_related("entry__version"),
        pk=pk,
    )
    form: dict[str, str] = {"status": "", "reason": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not can_review(request.user):
            raise PermissionDenied("Only research-office reviewers may decide matches.")
        form, errors = _decide(request, match)
        if not errors:
            return HttpResponseRedirect(reverse("portal-match", args=[match.pk]))
    ties = (
        ties_visible_to(user=request.user)
        .filter(organisation=match.organisation)
        .select_related("person", "project")
        .order_by("person__name", "-start_date")
    )
    projects = Project.objects.filter(
        pk__in=projects_for_organisations(organisation_ids=[match.organisation_id])
    ).order_by("sponsor", "award_number")
    return render(
        request,
        "compliance/portal/review/match.html",
        {
            "match": match,
            "ties": ties,
            "projects": projects,
            "reviews": match.reviews.select_related("reviewer"),
            "resting": findings_resting_on_match(match=match).select_related(
                "scenario", "rule", "project"
            ),
            "can_decide": can_review(request.user),
            "form": form,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


def _decide(
    request: HttpRequest, match: OrganisationMatch
) -> tuple[dict[str, str], dict[str, str]]:
    """Every problem with the form at once, each next to its field; nothing typed is lost."""
    form = {k: request.POST.get(k, "") for k in ("status", "reason")}
    errors: dict[str, str] = {}
    if form["status"] not in (
        OrganisationMatch.Review.CONFIRMED,
        OrganisationMatch.Review.REJECTED,
    ):
        errors["status"] = MSG_CHOOSE
    if not form["reason"].strip():
        errors["reason"] = MSG_REASON_REQUIRED
    if not errors:
        resting = findings_resting_on_match(match=match).exclude(
            review_status=Finding.Review.FALSE_POSITIVE
        )
        cleared = resting.count() if form["status"] == OrganisationMatch.Review.REJECTED else 0
        try:
            organisation_match_review(
                match=match, status=form["status"], reason=form["reason"], user=request.user
            )
        except ApplicationError as exc:
            errors["form"] = exc.message
        else:
            if cleared:
                messages.success(request, MSG_CLEARED.format(count=cleared))
    return form, errors
