"""GET /api/v1/people/{id}/cpos/ — a person's CPOS draft for SciENcv (docs/cpos.md).

Whose drafts a user may have: ``projects.selectors.cpos_people_visible_to`` (the research
office anyone's, everyone else only their own; 404 otherwise). The draft is checked against
the template before it is sent; one that fails is a 422 listing its problems, never a file.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from projects.connectors.cpos.draft import CONTENT_TYPE, cpos_draft
from projects.selectors import cpos_people_visible_to


class PersonCposApi(APIView):
    permission_classes = [permissions.IsAuthenticated]
    renderer_classes = [JSONRenderer]

    @extend_schema(
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
        responses={
            (200, "application/xml"): OpenApiTypes.BINARY,
            404: OpenApiTypes.OBJECT,
            422: OpenApiTypes.OBJECT,
        },
    )
    def get(self, request: Request, pk: str) -> Any:
        if not pk.isdigit():
            raise NotFound()
        person = get_object_or_404(cpos_people_visible_to(user=request.user), pk=int(pk))
        draft = cpos_draft(person)
        if not draft.ok:
            return Response(
                {
                    "detail": "The draft does not conform to the CPOS upload template.",
                    "problems": [str(p) for p in draft.problems],
                },
                status=422,
            )
        response = HttpResponse(draft.xml, content_type=CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{draft.file_name}"'
        return response
