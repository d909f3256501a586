"""Who may add, edit and end ties from a project page.

- Research-office reviewers and admins: ties of anyone on the project.
- The project's PI and co-PIs: ties of anyone on the project.
- Other people on the project (senior/key personnel, ...): their own ties only.
- Auditors and everyone else: nobody's (read-only).
Visibility (404 for projects a user cannot see) is checked before this, by the views.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from projects.access import can_review
from projects.models import Person, Project, Role
from projects.vocabulary import RoleKind

LEAD_ROLES = (RoleKind.PI, RoleKind.CO_PI)


def tie_people_editable(*, user: Any, project: Project) -> QuerySet[Person]:
    """The people on `project` whose ties `user` may add, edit and end."""
    on_project = Person.objects.filter(roles__project=project).distinct().order_by("name")
    if not getattr(user, "is_authenticated", False):
        return on_project.none()
    if can_review(user):
        return on_project
    own = Role.objects.filter(project=project, person__user=user).values_list("role", flat=True)
    roles = set(own)
    if roles & set(LEAD_ROLES):
        return on_project
    if roles:
        return on_project.filter(user=user)
    return on_project.none()
