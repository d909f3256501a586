"""The review queue: filters, per-page, sort, assignment and bulk decisions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from compliance.portal.dashboard import SEVERITIES, require_portfolio_view
from compliance.portal.forms import (
    DECISION_CHOICES,
    decision_errors,
    decision_kwargs,
    decision_values,
)
from compliance.selectors import findings_visible_to
from compliance.services.assignments import assignable_users, findings_assign
from compliance.services.bulk_decisions import findings_decide
from projects.access import can_review
from projects.errors import ApplicationError
from projects.models import Project
from rules.models import Rule, Scenario

QUEUE_FILTERS = ("scenario", "severity", "status", "rule", "sponsor", "department", "assignee")
LOOKUPS = {
    "scenario": "scenario__code",
    "severity": "severity",
    "status": "status",
    "rule": "rule__key",
    "sponsor": "project__sponsor",
    "department": "project__department",
    "assignee": "assignee__username",
}
UNASSIGNED = "__none__"
PER_PAGE = (25, 50, 100, 200)
SORTS = {
    "-amount": "-amount_usd",
    "amount": "amount_usd",
    "severity": "severity",
    "-first_seen": "-first_seen",
    "award": "project__award_number",
}
ROW_FIELDS = (
    "pk",
    "severity",
    "status",
    "review_status",
    "amount_usd",
    "first_seen",
    "scenario__code",
    "scenario__name",
    "rule__key",
    "rule__title",
    "project__title",
    "project__award_number",
    "project__sponsor",
    "project__department",
    "assignee__username",
    "person__name",
    "tie__kind",
    "tie__organisation__name",
)
MSG_BAD_ASSIGNEE = "Choose who to assign the findings to."
MSG_NO_FINDINGS = "Select at least one finding."


def _queue_queryset(request: HttpRequest, params: dict[str, str]) -> Any:
    qs = findings_visible_to(user=request.user).select_related(None)
    for key, value in params.items():
        if key == "assignee" and value == UNASSIGNED:
            qs = qs.filter(assignee__isnull=True)
        elif value:
            qs = qs.filter(**{LOOKUPS[key]: value})
    if not params["status"]:
        qs = qs.filter(status="open")
    sort = request.GET.get("sort", "-amount")
    # one query per page whatever its size: joined columns only, no per-row lookups
    return (
        qs.select_related("scenario", "rule", "project", "assignee", "person", "tie__organisation")
        .only(*ROW_FIELDS)
        .order_by(SORTS.get(sort, "-amount_usd"), "pk")
    )


def _per_page(request: HttpRequest) -> int:
    try:
        value = int(request.GET.get("per_page", 50))
    except ValueError:
        return 50
    return value if value in PER_PAGE else 50


def queue_render(
    request: HttpRequest, *, selected: list[int] | None = None, **extra: Any
) -> HttpResponse:
    params = {k: request.GET.get(k, "") for k in QUEUE_FILTERS}
    per_page = _per_page(request)
    queryset = _queue_queryset(request, params)
    scenario_counts = [] if params["scenario"] else _per_scenario(queryset)
    paginator = Paginator(queryset, per_page)
    if not params["scenario"]:
        # Every finding has one scenario: the per-scenario counts add up to the queue's
        # length, so the paginator does not count the findings a second time (at 100,000
        # findings each count is a third of the page's SQL time).
        paginator.__dict__["count"] = sum(n for _name, n in scenario_counts)
    page = paginator.get_page(request.GET.get("page"))
    keep = request.GET.copy()
    keep.pop("page", None)
    context = {
        "page": page,
        "scenario_counts": scenario_counts,
        "params": params,
        "sort": request.GET.get("sort", "-amount"),
        "per_page": per_page,
        "per_page_choices": PER_PAGE,
        "query": keep.urlencode(),
        "queue_path": reverse("portal-queue")
        + (f"?{request.GET.urlencode()}" if request.GET else ""),
        "scenarios": Scenario.objects.only("code", "name"),
        "severities": SEVERITIES,
        "rules": Rule.objects.order_by("key").values_list("key", flat=True),
        "sponsors": _distinct("sponsor"),
        "departments": _distinct("department"),
        "assignees": list(assignable_users().only("pk", "username")),
        "unassigned": UNASSIGNED,
        "can_decide": can_review(request.user),
        "choices": DECISION_CHOICES,
        "selected": set(selected or []),
        "form": extra.pop("form", {}),
        "errors": extra.pop("errors", {}),
        **extra,
    }
    return render(request, "compliance/portal/queue.html", context)


def _per_scenario(queryset: Any) -> list[tuple[str, int]]:
    """The queue's findings counted per scenario (never one count across them)."""
    rows = queryset.order_by().values("scenario__code").annotate(n=Count("id"))
    counts = {row["scenario__code"]: row["n"] for row in rows}
    return [(s.name, counts[s.code]) for s in Scenario.objects.all() if counts.get(s.code)]


def _distinct(field: str) -> list[str]:
    values = Project.objects.exclude(**{field: ""}).values_list(field, flat=True)
    return sorted(set(values.distinct().order_by()))


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    require_portfolio_view(request)
    return queue_render(request)


def _require_reviewer(request: HttpRequest) -> None:
    require_portfolio_view(request)
    if not can_review(request.user):
        raise PermissionDenied("Only research-office reviewers may change findings.")


def _selected_ids(request: HttpRequest) -> list[int]:
    ids: list[int] = []
    for raw in request.POST.getlist("finding"):
        if raw.isdigit() and int(raw) not in ids:
            ids.append(int(raw))
    return ids


def _assignee(request: HttpRequest) -> Any:
    choice = request.POST.get("assignee", "")
    if choice == "me":
        return request.user
    if choice == UNASSIGNED:
        return None
    if choice.isdigit():
        user = get_user_model().objects.filter(pk=int(choice)).first()
        if user is not None:
            return user
    raise ApplicationError(MSG_BAD_ASSIGNEE)


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("portal-queue")


@login_required
@require_POST
def queue_assign(request: HttpRequest) -> HttpResponse:
    """Assign one finding (a row, or the finding page) or the selected findings."""
    _require_reviewer(request)
    ids = _selected_ids(request)
    visible = findings_visible_to(user=request.user).select_related(None)
    findings = list(visible.filter(pk__in=ids).only("pk"))
    error, done = "", 0
    try:
        if not findings or len(findings) != len(ids):
            raise ApplicationError(MSG_NO_FINDINGS)
        assignee = _assignee(request)
        done = findings_assign(findings=findings, assignee=assignee, user=request.user)
    except ApplicationError as exc:
        error = exc.message
    if getattr(request, "htmx", False) and len(findings) == 1:
        finding = findings_visible_to(user=request.user).select_related("assignee").get(pk=ids[0])
        return render(
            request,
            "compliance/portal/review/assign_form.html",
            {
                "f": finding,
                "assignees": list(assignable_users().only("pk", "username")),
                "unassigned": UNASSIGNED,
                "next": _back(request),
                "assign_error": error,
                "assign_done": not error,
            },
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"Assigned {len(findings)} finding(s); {done} changed.")
    return HttpResponseRedirect(_back(request))


@login_required
@require_POST
def queue_decide(request: HttpRequest) -> HttpResponse:
    """One decision for every selected finding, all or nothing."""
    _require_reviewer(request)
    ids = _selected_ids(request)
    values = decision_values(request)
    include_siblings = request.POST.get("include_siblings") == "on"
    try:
        made = findings_decide(
            queryset=findings_visible_to(user=request.user),
            ids=ids,
            user=request.user,
            include_siblings=include_siblings,
            **decision_kwargs(values),
        )
    except ApplicationError as exc:
        response = queue_render(
            request,
            selected=ids,
            form={**values, "include_siblings": include_siblings},
            errors=decision_errors(exc.message),
        )
        response.status_code = 400
        return response
    siblings = sum(1 for d in made if d.applied_from_id is not None)
    also = f", and on {siblings} sibling finding(s) of the same ties" if siblings else ""
    messages.success(request, f"Recorded the decision on {len(made) - siblings} finding(s){also}.")
    query = request.GET.urlencode()
    return HttpResponseRedirect(reverse("portal-queue") + (f"?{query}" if query else ""))
