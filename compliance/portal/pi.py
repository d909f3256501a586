"""PI pages: add, edit and end ties from a project page; organisation suggestions as you type.

Saving a tie goes through projects.services; the Tie post_save receiver (compliance.receivers)
re-checks the person's projects after commit, a new organisation is screened after commit
(rules.receivers), and the audit receivers record every change.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from compliance.portal.forms_pi import TieEndForm, TieForm
from compliance.portal.pi_access import tie_people_editable
from projects.access import sees_whole_portfolio
from projects.models import Person, Project, Role, Tie
from projects.normalize import organisation_key
from projects.selectors import organisations_visible_to, projects_visible_to, ties_visible_to
from projects.services import tie_end
from rules.models import ReferenceList
from rules.services.screening import names_screen

MSG_READ_ONLY = "You can read this project but not change its ties."
SUGGEST_MIN_CHARS = 2
SUGGEST_LIMIT = 8
# Short names for the hint; any other list is named by its title.
LIST_SHORT_NAMES = {
    "DOD1286": "DoD Section 1286 list",
    "DOD1260H": "DoD Section 1260H list",
}


def _project_and_people(request: HttpRequest, pk: int) -> tuple[Project, QuerySet[Person]]:
    """404 if the user cannot see the project, 403 if they may not change any tie on it."""
    project = get_object_or_404(projects_visible_to(user=request.user), pk=pk)
    people = tie_people_editable(user=request.user, project=project)
    if not people.exists():
        raise PermissionDenied(MSG_READ_ONLY)
    return project, people


def _tie_on_project(
    request: HttpRequest, project: Project, people: QuerySet[Person], tie_pk: int
) -> Tie:
    """404 unless the user may see the tie (projects.selectors.ties_visible_to) and it belongs
    on this project's page (a person on the project, or scoped to it); 403 if read-only."""
    on_project = ties_visible_to(user=request.user).filter(
        Q(person__roles__project=project) | Q(project=project)
    )
    tie = get_object_or_404(on_project.distinct(), pk=tie_pk)
    if not people.filter(pk=tie.person_id).exists():
        raise PermissionDenied(MSG_READ_ONLY)
    return tie


def _project_url(project: Project) -> str:
    return reverse("portal-project", args=[project.pk])


def _save_or_render(
    request: HttpRequest, form: TieForm, project: Project, template_context: dict[str, Any]
) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            form.save()
        except ValidationError:
            pass  # the form now carries the errors next to its fields
        else:
            return HttpResponseRedirect(_project_url(project))
    return render(
        request,
        "compliance/portal/pi/tie_form.html",
        {"project": project, "form": form, **template_context},
    )


@login_required
@require_http_methods(["GET", "POST"])
def tie_add(request: HttpRequest, pk: int) -> HttpResponse:
    project, people = _project_and_people(request, pk)
    initial: dict[str, Any] = {}
    own = people.filter(user__pk=request.user.pk or 0).first()
    if own is not None:
        initial["person"] = own.pk
    form = TieForm(
        request.POST if request.method == "POST" else None,
        people=people,
        project=project,
        initial=initial,
    )
    return _save_or_render(request, form, project, {"tie": None, "heading": "Add a tie"})


@login_required
@require_http_methods(["GET", "POST"])
def tie_edit(request: HttpRequest, pk: int, tie_pk: int) -> HttpResponse:
    project, people = _project_and_people(request, pk)
    tie = _tie_on_project(request, project, people, tie_pk)
    form = TieForm(
        request.POST if request.method == "POST" else None, people=people, project=project, tie=tie
    )
    return _save_or_render(request, form, project, {"tie": tie, "heading": "Edit a tie"})


@login_required
@require_http_methods(["GET", "POST"])
def tie_end_view(request: HttpRequest, pk: int, tie_pk: int) -> HttpResponse:
    project, people = _project_and_people(request, pk)
    tie = _tie_on_project(request, project, people, tie_pk)
    form = TieEndForm(request.POST if request.method == "POST" else None, tie=tie)
    if request.method == "POST" and form.is_valid():
        try:
            tie_end(tie=tie, end_date=form.cleaned_data["end_date"])
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            return HttpResponseRedirect(_project_url(project))
    ended = tie.end_date is not None and tie.end_date <= timezone.localdate()
    return render(
        request,
        "compliance/portal/pi/tie_end.html",
        {"project": project, "tie": tie, "form": form, "ended": ended},
    )


def _may_suggest(user: Any) -> bool:
    return sees_whole_portfolio(user) or Role.objects.filter(person__user=user).exists()


@login_required
@require_GET
def organisation_suggest(request: HttpRequest) -> HttpResponse:
    """An HTML fragment: organisations already on record that match, and a screening hint."""
    if not _may_suggest(request.user):
        raise Http404("No organisations to suggest.")
    query = request.GET.get("q", request.GET.get("organisation", "")).strip()[:500]
    context: dict[str, Any] = {"query": query, "organisations": [], "hints": []}
    if len(query) >= SUGGEST_MIN_CHARS:
        context["organisations"] = _matching_organisations(request.user, query)
        context["hints"] = screening_hints(query)
    return render(request, "compliance/portal/pi/org_suggest.html", context)


def _matching_organisations(user: Any, query: str) -> list[Any]:
    key = organisation_key(query)
    visible = organisations_visible_to(user=user)
    if key:
        matches = visible.filter(normalized_name__contains=key)
    else:
        matches = visible.filter(name__icontains=query)
    return list(matches.order_by("name")[:SUGGEST_LIMIT])


def screening_hints(name: str) -> list[dict[str, Any]]:
    """The best match on each list for `name` (above the review threshold), best first."""
    [result] = names_screen(names=[name])
    best: dict[str, dict[str, Any]] = {}
    for match in result["matches"]:
        if match["list"] not in best or match["score"] > best[match["list"]]["score"]:
            best[match["list"]] = match
    titles = dict(ReferenceList.objects.filter(code__in=best).values_list("code", "title"))
    hints = [
        {
            **match,
            "list_name": LIST_SHORT_NAMES.get(code, titles.get(code, code)),
            "certain": match["decision"] == "accept",
        }
        for code, match in best.items()
    ]
    return sorted(hints, key=lambda h: -h["score"])
