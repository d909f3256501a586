"""Reads. Every view, API and export gets its rows through the *_visible_to selectors."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from projects.access import can_administer, sees_whole_portfolio
from projects.models import (
    EvidenceDispute,
    ImportRun,
    MftrpCertification,
    Organisation,
    Person,
    Project,
    Role,
    Tie,
    TieEvidence,
    TrainingRecord,
    TravelRecord,
)


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


def tie_evidence_visible_to(*, user: Any) -> QuerySet[TieEvidence]:
    """Evidence of a tie is seen by whoever sees the tie (ties_visible_to)."""
    return TieEvidence.objects.filter(tie__in=ties_visible_to(user=user).values("pk"))


def evidence_disputes_visible_to(*, user: Any) -> QuerySet[EvidenceDispute]:
    """The research office (and auditors) see every dispute; a person sees their own only:
    a dispute is the person's word about themselves, not their project's business."""
    qs = EvidenceDispute.objects.select_related(
        "person", "organisation", "tie", "raised_by", "decided_by"
    )
    if sees_whole_portfolio(user):
        return qs
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    return qs.filter(person__user=user)


def organisations_visible_to(*, user: Any) -> QuerySet[Organisation]:
    qs = Organisation.objects.all()
    if sees_whole_portfolio(user):
        return qs
    return qs.filter(ties__in=ties_visible_to(user=user).values("pk")).distinct()


def import_runs_visible_to(*, user: Any) -> QuerySet[ImportRun]:
    """Connector runs and their reports (rejected items name files and records): for
    administrators only, like the imports themselves."""
    qs = ImportRun.objects.select_related("started_by")
    return qs if can_administer(user) else qs.none()


def _own_records(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    """A person's own records: the research office sees all of them; anyone else only their
    own (a colleague's training or travel is not theirs to see, even on a shared project)."""
    if sees_whole_portfolio(user):
        return qs
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    return qs.filter(person__user=user)


def trainings_visible_to(*, user: Any) -> QuerySet[TrainingRecord]:
    return _own_records(TrainingRecord.objects.select_related("person"), user)


def trips_visible_to(*, user: Any) -> QuerySet[TravelRecord]:
    return _own_records(TravelRecord.objects.select_related("person"), user)


def certifications_visible_to(*, user: Any) -> QuerySet[MftrpCertification]:
    return _own_records(MftrpCertification.objects.select_related("person", "project"), user)


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
