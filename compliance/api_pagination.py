"""Pagination of the findings API: the row count, and that count per scenario.

A tie flagged in three scenarios is three findings, one per alternative future, so a list not
filtered to one scenario says how many rows each scenario holds (``scenarios``) next to the
row ``count``; nothing is ever added up across scenarios as if it were one exposure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Count, QuerySet
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class FindingPagination(PageNumberPagination):
    def paginate_queryset(
        self,
        queryset: QuerySet[Any, Any] | Sequence[Any],
        request: Request,
        view: APIView | None = None,
    ) -> list[Any] | None:
        assert isinstance(queryset, QuerySet), "the findings API paginates a queryset"
        per_scenario = (
            queryset.order_by()
            .values("scenario__code")
            .annotate(n=Count("id"))
            .values_list("scenario__code", "n")
        )
        self.scenario_counts = dict(sorted(per_scenario))
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        response.data["scenarios"] = self.scenario_counts
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["count"]["description"] = (
            "Finding rows matched: one per scenario a tie is flagged in, so not a count of "
            "distinct exposures unless filtered to one scenario."
        )
        paginated["properties"]["scenarios"] = {
            "type": "object",
            "additionalProperties": {"type": "integer"},
            "description": "Rows matched per scenario code (each scenario is an alternative "
            "future; these are never summed into one exposure).",
            "example": {"current": 12, "safe_research_act": 15},
        }
        return paginated
