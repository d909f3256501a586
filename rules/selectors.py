"""Reads of lists and matches, scoped like the portfolio."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from projects.access import sees_whole_portfolio
from projects.selectors import organisations_visible_to
from rules.models import OrganisationMatch


def organisation_matches_visible_to(*, user: Any) -> QuerySet[OrganisationMatch]:
    qs = OrganisationMatch.objects.select_related(
        "organisation", "entry", "reference_list", "reviewed_by"
    )
    if sees_whole_portfolio(user):
        return qs
    return qs.filter(organisation__in=organisations_visible_to(user=user).values("pk"))
