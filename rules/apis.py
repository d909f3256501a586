"""Lists, screening and organisation-match API."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import parsers, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from projects.access import can_administer, can_review
from projects.apis import IsPortfolioAdmin, VisibleQuerysetMixin
from projects.errors import ApplicationError
from projects.uploads import request_uploads
from rules import selectors
from rules.list_uploads import list_import_error_text, saved_uploads
from rules.lists.parsers import PARSERS
from rules.models import ListVersion, OrganisationMatch, ReferenceList
from rules.services.lists import list_import
from rules.services.screening import names_screen, organisation_match_review


class ScreenApi(APIView):
    """Screen names against every list; same output as `manage.py screen --json`."""

    class ScreenInputSerializer(serializers.Serializer):
        names = serializers.ListField(
            child=serializers.CharField(max_length=1000), min_length=1, max_length=1000
        )

    class ScreenResultSerializer(serializers.Serializer):
        query = serializers.CharField()
        matches = serializers.ListField(
            child=serializers.DictField(), help_text="Candidates, best first (may be empty)."
        )

    @extend_schema(
        request=ScreenInputSerializer, responses={200: ScreenResultSerializer(many=True)}
    )
    def post(self, request: Request) -> Response:
        data = self.ScreenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(names_screen(names=data.validated_data["names"]))


class ReferenceListSerializer(serializers.ModelSerializer):
    current_version = serializers.SerializerMethodField()

    class Meta:
        model = ReferenceList
        fields = ["id", "code", "title", "publisher", "legal_basis", "url", "current_version"]

    def get_current_version(self, obj: ReferenceList) -> int | None:
        version = obj.current_version
        return version.pk if version else None


class ListVersionSerializer(serializers.ModelSerializer):
    list_code = serializers.CharField(source="reference_list.code", read_only=True)

    class Meta:
        model = ListVersion
        fields = [
            "id",
            "list_code",
            "edition",
            "format",
            "source_name",
            "checksum",
            "imported_at",
            "imported_by",
            "previous",
            "entry_count",
            "diff",
        ]


class ReferenceListViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = ReferenceList.objects.all()
    serializer_class = ReferenceListSerializer


class ListVersionViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = ListVersion.objects.select_related("reference_list")
    serializer_class = ListVersionSerializer
    filterset_fields = ["reference_list"]


class ListImportApi(APIView):
    """Admin upload of a list edition (one file; for ofac-sdn, sdn/alt/add CSVs together)."""

    permission_classes = [permissions.IsAuthenticated, IsPortfolioAdmin]
    parser_classes = [parsers.MultiPartParser]

    class InputSerializer(serializers.Serializer):
        format = serializers.ChoiceField(choices=sorted(PARSERS))
        edition = serializers.DateField(required=False, allow_null=True, default=None)
        dry_run = serializers.BooleanField(
            required=False, default=False, help_text="Report the diff; write nothing."
        )

    @extend_schema(request={"multipart/form-data": {"type": "object"}}, responses={201: dict})
    def post(self, request: Request) -> Response:
        params = self.InputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        files = request_uploads(request)
        if not files:
            raise serializers.ValidationError({"file": "Upload the list file."})
        fmt = params.validated_data["format"]
        with saved_uploads((up.name, up.stream) for up in files) as paths:
            path = paths[0].parent if fmt == "ofac-sdn" else paths[0]
            try:
                report = list_import(
                    fmt=fmt,
                    path=path,
                    edition=params.validated_data["edition"],
                    user=request.user,
                    dry_run=params.validated_data["dry_run"],
                )
            except ApplicationError as exc:
                raise ApplicationError(list_import_error_text(exc), extra=exc.extra) from exc
        created = report.created_versions and not report.dry_run
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(report.as_dict(), status=code)


class OrganisationMatchSerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    list_code = serializers.CharField(source="reference_list.code", read_only=True)
    entry_name = serializers.CharField(source="entry.primary_name", read_only=True)
    counts_as_listed = serializers.BooleanField(read_only=True)

    class Meta:
        model = OrganisationMatch
        fields = [
            "id",
            "organisation",
            "organisation_name",
            "list_code",
            "external_id",
            "entry",
            "entry_name",
            "query",
            "alias",
            "method",
            "score",
            "decision",
            "active",
            "review_status",
            "reviewed_by",
            "reviewed_at",
            "review_reason",
            "counts_as_listed",
        ]


class CanReview(permissions.BasePermission):
    message = "Only research-office reviewers and admins may decide on matches."

    def has_permission(self, request: Request, view: Any) -> bool:
        return can_review(request.user) or can_administer(request.user)


class OrganisationMatchViewSet(VisibleQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    visible = selectors.organisation_matches_visible_to
    serializer_class = OrganisationMatchSerializer
    filterset_fields = ["organisation", "reference_list", "decision", "review_status", "active"]
    queryset = OrganisationMatch.objects.none()

    class ReviewSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=["confirmed", "rejected"])
        reason = serializers.CharField(max_length=4000)

    @extend_schema(request=ReviewSerializer, responses={200: OrganisationMatchSerializer})
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def review(
        self, request: Request, pk: str | None = None, format: str | None = None
    ) -> Response:
        match = self.get_object()  # 404 for matches the caller cannot see
        if not CanReview().has_permission(request, self):
            return Response({"detail": CanReview.message}, status=status.HTTP_403_FORBIDDEN)
        data = self.ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        match = organisation_match_review(
            match=match,
            status=data.validated_data["status"],
            reason=data.validated_data["reason"],
            user=request.user,
        )
        return Response(OrganisationMatchSerializer(match).data)
