"""Reads of the facts other than ties: one visibility selector per model, used by the API and
the admin. Equipment and foreign components are seen with their project; a patent filing with
its tie; our institution's facts by the research office (reviewers, auditors, administrators).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from projects.access import sees_whole_portfolio
from projects.models import (
    EquipmentItem,
    ForeignComponent,
    InstitutionAgreement,
    InstitutionProfile,
    InstitutionUnit,
    PatentFiling,
    ProgrammeElement,
)
from projects.selectors import projects_visible_to, ties_visible_to


def equipment_visible_to(*, user: Any) -> QuerySet[EquipmentItem]:
    qs = EquipmentItem.objects.select_related("manufacturer", "project")
    if sees_whole_portfolio(user):
        return qs
    return qs.filter(project__in=projects_visible_to(user=user).values("pk"))


def foreign_components_visible_to(*, user: Any) -> QuerySet[ForeignComponent]:
    qs = ForeignComponent.objects.select_related("project")
    if sees_whole_portfolio(user):
        return qs
    return qs.filter(project__in=projects_visible_to(user=user).values("pk"))


def patent_filings_visible_to(*, user: Any) -> QuerySet[PatentFiling]:
    qs = PatentFiling.objects.select_related("tie", "tie__organisation", "tie__person")
    if sees_whole_portfolio(user):
        return qs
    return qs.filter(tie__in=ties_visible_to(user=user).values("pk"))


def institution_profiles_visible_to(*, user: Any) -> QuerySet[InstitutionProfile]:
    qs = InstitutionProfile.objects.all()
    return qs if sees_whole_portfolio(user) else qs.none()


def institution_units_visible_to(*, user: Any) -> QuerySet[InstitutionUnit]:
    qs = InstitutionUnit.objects.all()
    return qs if sees_whole_portfolio(user) else qs.none()


def institution_agreements_visible_to(*, user: Any) -> QuerySet[InstitutionAgreement]:
    qs = InstitutionAgreement.objects.select_related("unit")
    return qs if sees_whole_portfolio(user) else qs.none()


def programme_elements_visible_to(*, user: Any) -> QuerySet[ProgrammeElement]:
    qs = ProgrammeElement.objects.all()
    return qs if sees_whole_portfolio(user) else qs.none()
