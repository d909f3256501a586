"""Portfolio API: read endpoints scoped by the visibility selectors, and the import upload."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import parsers, permissions, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from projects import selectors
from projects.access import can_administer
from projects.importing.service import portfolio_import_upload
from projects.models import Organisation, Person, Project, Role, Tie
from projects.uploads import request_uploads


class VisibleQuerysetMixin:
    """Every read goes through one visibility selector; outsiders get 404, never 403."""

    visible: Callable[..., QuerySet[Any]]

    def get_queryset(self) -> QuerySet[Any]:
        request: Request = self.request  # type: ignore[attr-defined]
        return type(self).visible(user=request.user)


@extend_schema_field({"type": "string", "nullable": True, "example": "CN"})
class CountryCodeField(serializers.Field):
    """ISO 3166-1 alpha-2 code, or null when the country is unknown (blank)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str | None:
        code = getattr(value, "code", value)
        return str(code) if code else None


class OrganisationSerializer(serializers.ModelSerializer):
    country = CountryCodeField()

    class Meta:
        model = Organisation
        fields = ["id", "name", "aliases", "country", "type", "parent", "ror_id"]


class PersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["id", "name", "email", "orcid", "department"]


class RoleSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = Role
        fields = ["id", "project", "person", "person_name", "role"]


class ProjectSerializer(serializers.ModelSerializer):
    class Meta:
        model = Project
        fields = [
            "id",
            "sponsor",
            "programme",
            "award_number",
            "title",
            "abstract",
            "amount_usd",
            "start_date",
            "end_date",
            "status",
            "department",
            "fundamental_research",
        ]


class TieSerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    organisation_country = CountryCodeField(source="organisation.country")

    class Meta:
        model = Tie
        fields = [
            "id",
            "person",
            "organisation",
            "organisation_name",
            "organisation_country",
            "kind",
            "start_date",
            "end_date",
            "compensated",
            "project",
            "source",
            "disclosed_in",
            "disclosed_on",
        ]


class ProjectFilter(django_filters.FilterSet):
    title = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Project
        fields = ["sponsor", "status", "department", "award_number", "fundamental_research"]


class ProjectViewSet(VisibleQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    visible = selectors.projects_visible_to
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilter
    queryset = Project.objects.none()  # for schema generation; get_queryset scopes it


class PersonViewSet(VisibleQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    visible = selectors.people_visible_to
    serializer_class = PersonSerializer
    filterset_fields = ["department", "email", "orcid"]
    queryset = Person.objects.none()


class RoleViewSet(VisibleQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    visible = selectors.roles_visible_to
    serializer_class = RoleSerializer
    filterset_fields = ["project", "person", "role"]
    queryset = Role.objects.none()


class OrganisationViewSet(VisibleQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    visible = selectors.organisations_visible_to
    serializer_class = OrganisationSerializer
    filterset_fields = ["country", "type"]
    queryset = Organisation.objects.none()


class TieViewSet(VisibleQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    visible = selectors.ties_visible_to
    serializer_class = TieSerializer
    filterset_fields = ["person", "organisation", "kind", "project", "source"]
    queryset = Tie.objects.none()


class IsPortfolioAdmin(permissions.BasePermission):
    message = "Only administrators may import portfolio data."

    def has_permission(self, request: Request, view: Any) -> bool:
        return can_administer(request.user)


class PortfolioImportApi(APIView):
    """Upload projects/people/roles/ties CSV files or one XLSX; same report as the command."""

    permission_classes = [permissions.IsAuthenticated, IsPortfolioAdmin]
    parser_classes = [parsers.MultiPartParser]

    class InputSerializer(serializers.Serializer):
        dry_run = serializers.BooleanField(default=False)

    @extend_schema(
        request={"multipart/form-data": {"type": "object"}},
        responses={200: dict, 400: dict},
    )
    def post(self, request: Request) -> Response:
        params = self.InputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        files = {up.field: (up.name, up.stream) for up in request_uploads(request)}
        report = portfolio_import_upload(files=files, dry_run=params.validated_data["dry_run"])
        code = status.HTTP_200_OK if report.ok else status.HTTP_400_BAD_REQUEST
        return Response(report.as_dict(), status=code)
