"""Reads. Every view, API and export gets its rows through the *_visible_to selectors."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from projects.access import sees_whole_portfolio
from projects.models import Organisation, Person, Project, Role, Tie


def projects_visible_to(*, user: Any) -> QuerySet[Project]:
    qs = Project.objects.all()
    if sees_whole_portfolio(user):
        return qs
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    return qs.filter(roles__person__user=user).distinct()


def people_visible_to(*, user: Any) -> QuerySet[Person]:
    qs = Person.objects.all()
    if sees_whole_portfolio(user):
        return qs
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    visible_projects = projects_visible_to(user=user).values("pk")
    # A PI always sees their own record (and so their own ties), with or without projects.
    return qs.filter(Q(roles__project__in=visible_projects) | Q(user=user)).distinct()


def cpos_people_visible_to(*, user: Any) -> QuerySet[Person]:
    """Whose CPOS draft (their projects and every disclosed tie of theirs) a user may have:
    the research office anyone's (for them); anyone else only their own record, never a
    colleague's, whose ties may be scoped to projects the user cannot see."""
    qs = Person.objects.all()
    if sees_whole_portfolio(user):
        return qs
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    return qs.filter(user=user)


def roles_visible_to(*, user: Any) -> QuerySet[Role]:
    return Role.objects.filter(project__in=projects_visible_to(user=user).values("pk"))


def ties_visible_to(*, user: Any) -> QuerySet[Tie]:
    """The research office sees every tie; anyone else sees a tie only

    - through a project they hold a role on: a tie scoped to that project, or an unscoped
      tie (it counts for every project) of a person on it; or
    - because it is their own.

    A colleague's tie scoped to a project the user holds no role on is not theirs to see,
    even when that colleague also works on one of the user's projects.
    """
    qs = Tie.objects.select_related("organisation", "person")
    if sees_whole_portfolio(user):
        return qs
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    mine = projects_visible_to(user=user).values("pk")
    on_mine = Role.objects.filter(project__in=mine).values("person_id")
    return qs.filter(
        Q(project__in=mine) | Q(project__isnull=True, person__in=on_mine) | Q(person__user=user)
    )


def organisations_visible_to(*, user: Any) -> QuerySet[Organisation]:
    qs = Organisation.objects.all()
    if sees_whole_portfolio(user):
        return qs
    return qs.filter(ties__in=ties_visible_to(user=user).values("pk")).distinct()


def portfolio_counts() -> dict[str, int]:
    return {
        "projects": Project.objects.count(),
        "people": Person.objects.count(),
        "roles": Role.objects.count(),
        "ties": Tie.objects.count(),
        "organisations": Organisation.objects.count(),
    }


def projects_search(*, queryset: QuerySet[Project], text: str) -> QuerySet[Project]:
    """Projects (from a visible queryset) whose title, award number or PI / co-PI name holds
    `text` (case-insensitive). A subquery, not a join: counts annotated later stay right."""
    text = text.strip()
    if not text:
        return queryset
    led = Role.objects.filter(role__in=["pi", "co_pi"], person__name__icontains=text)
    return queryset.filter(
        Q(title__icontains=text)
        | Q(award_number__icontains=text)
        | Q(pk__in=led.values("project_id"))
    )
