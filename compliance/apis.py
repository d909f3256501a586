"""Findings, exposure and what-if API."""

from __future__ import annotations

from datetime import date
from typing import Any

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance import selectors
from compliance.api_pagination import FindingPagination
from compliance.models import Finding, RecheckChunk, RecheckRun
from compliance.services.decisions import DECISIONS, due_date_check
from compliance.services.sibling_decisions import finding_decide_with_siblings, finding_siblings
from compliance.services.whatif import scenario_whatif
from projects.access import can_review, sees_whole_portfolio
from projects.apis import VisibleQuerysetMixin
from projects.errors import ApplicationError
from rules.models import Scenario


class FindingSerializer(serializers.ModelSerializer):
    scenario = serializers.CharField(source="scenario.code")
    rule = serializers.CharField(source="rule.key")
    rule_title = serializers.CharField(source="rule.title")
    rule_version = serializers.CharField(source="rule_version.label")
    legal_basis = serializers.JSONField(source="rule_version.content.legal_basis")
    award_number = serializers.CharField(source="project.award_number")
    sponsor = serializers.CharField(source="project.sponsor")
    department = serializers.CharField(source="project.department")
    list_entry_name = serializers.CharField(
        source="list_entry.primary_name", default=None, allow_null=True
    )

    class Meta:
        model = Finding
        fields = [
            "id",
            "scenario",
            "rule",
            "rule_title",
            "rule_version",
            "legal_basis",
            "project",
            "award_number",
            "sponsor",
            "department",
            "subject",
            "person",
            "tie",
            "list_entry",
            "list_entry_name",
            "match_score",
            "severity",
            "held_for_review",
            "trace",
            "explanation",
            "remediation",
            "amount_usd",
            "status",
            "review_status",
            "first_seen",
            "last_confirmed",
            "resolved_at",
            "run",
            "resolved_by_run",
        ]


class ExposureSerializer(serializers.Serializer):
    """One scenario of compliance.selectors.exposure_summary (for the schema)."""

    scenario = serializers.CharField()
    name = serializers.CharField()
    open_findings = serializers.DictField(child=serializers.IntegerField())
    projects_at_stake = serializers.IntegerField()
    at_stake_usd = serializers.CharField()
    by_sponsor = serializers.DictField(child=serializers.CharField())
    by_department = serializers.DictField(child=serializers.CharField())


class FindingFilter(django_filters.FilterSet):
    scenario = django_filters.CharFilter(field_name="scenario__code")
    rule = django_filters.CharFilter(field_name="rule__key")
    sponsor = django_filters.CharFilter(field_name="project__sponsor")
    department = django_filters.CharFilter(field_name="project__department")
    award_number = django_filters.CharFilter(field_name="project__award_number")

    class Meta:
        model = Finding
        fields = ["scenario", "severity", "status", "review_status", "rule", "project", "person"]


class FindingViewSet(VisibleQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    visible = selectors.findings_visible_to
    serializer_class = FindingSerializer
    filterset_class = FindingFilter
    pagination_class = FindingPagination
    queryset = Finding.objects.none()

    class DecideSerializer(serializers.Serializer):
        decision = serializers.ChoiceField(choices=sorted(DECISIONS))
        reason = serializers.CharField(max_length=4000)
        mitigation_plan = serializers.CharField(max_length=8000, required=False, default="")
        due_date = serializers.DateField(required=False, allow_null=True, default=None)
        waiver_reference = serializers.CharField(max_length=200, required=False, default="")
        apply_to_siblings = serializers.ListField(
            child=serializers.IntegerField(min_value=1),
            required=False,
            default=list,
            max_length=100,
            help_text="Open findings of the same tie in other scenarios (see siblings) to "
            "decide the same way; each keeps its own rule version.",
        )

        def validate_due_date(self, value: date | None) -> date | None:
            try:
                due_date_check(value)
            except ApplicationError as exc:
                raise serializers.ValidationError(exc.message) from exc
            return value

    @extend_schema(request=DecideSerializer, responses={200: FindingSerializer})
    @action(detail=True, methods=["post"])
    def decide(
        self, request: Request, pk: str | None = None, format: str | None = None
    ) -> Response:
        """Reviewers decide: false positive, mitigation required, escalate, accept with waiver."""
        finding = self.get_object()  # outsiders get 404
        if not can_review(request.user):
            return Response(
                {"detail": "Only research-office reviewers and admins may decide findings."},
                status=403,
            )
        data = self.DecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        finding_decide_with_siblings(
            finding=finding,
            queryset=self.get_queryset(),
            sibling_ids=values.pop("apply_to_siblings"),
            user=request.user,
            **values,
        )
        finding.refresh_from_db()
        return Response(FindingSerializer(finding).data)

    @extend_schema(responses={200: FindingSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def siblings(
        self, request: Request, pk: str | None = None, format: str | None = None
    ) -> Response:
        """The same tie's findings in the other scenarios (each with its own legal basis)."""
        finding = self.get_object()  # outsiders get 404
        siblings = finding_siblings(finding=finding, queryset=self.get_queryset())
        return Response(FindingSerializer(siblings, many=True).data)

    # one summary per scenario: neither paginated nor filtered
    @extend_schema(responses={200: ExposureSerializer(many=True)})
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def exposure(self, request: Request, format: str | None = None) -> Response:
        """Open findings by severity and dollars at stake, per scenario."""
        return Response(selectors.exposure_summary(user=request.user))


class CanPreviewImpact(permissions.BasePermission):
    message = "Only reviewers and admins may run what-if previews over the portfolio."

    def has_permission(self, request: Request, view: Any) -> bool:
        return can_review(request.user)


class ScenarioWhatIfApi(APIView):
    """Evaluate a scenario with changed parameters or draft rules; live findings are untouched."""

    permission_classes = [permissions.IsAuthenticated, CanPreviewImpact]

    class WhatIfInputSerializer(serializers.Serializer):
        params = serializers.DictField(required=False, default=dict)
        rules = serializers.ListField(child=serializers.DictField(), required=False, default=list)
        date = serializers.DateField(required=False, allow_null=True, default=None)

    @extend_schema(request=WhatIfInputSerializer, responses={200: dict})
    def post(self, request: Request, pk: int) -> Response:
        if not sees_whole_portfolio(request.user):
            return Response({"detail": "Not found."}, status=404)
        scenario = Scenario.objects.filter(pk=pk).first()
        if scenario is None:
            return Response({"detail": "Not found."}, status=404)
        data = self.WhatIfInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        for i, rule in enumerate(data.validated_data["rules"]):
            if "id" not in rule:
                raise serializers.ValidationError({"rules": f"rule {i} needs an id"})
        result = scenario_whatif(
            scenario=scenario,
            param_overrides=data.validated_data["params"],
            rule_contents=data.validated_data["rules"],
            today=data.validated_data["date"],
        )
        return Response(result)


class RecheckChunkSerializer(serializers.ModelSerializer):
    class Meta:
        model = RecheckChunk
        fields = ["index", "status", "counts", "attempts", "error", "finished_at"]


class RecheckRunSerializer(serializers.ModelSerializer):
    progress = serializers.FloatField(read_only=True)

    class Meta:
        model = RecheckRun
        fields = [
            "id",
            "trigger",
            "scope",
            "scope_key",
            "scenarios",
            "status",
            "evaluation_date",
            "projects_planned",
            "projects_checked",
            "findings_new",
            "findings_unchanged",
            "findings_changed",
            "findings_resolved",
            "errors",
            "chunks_total",
            "chunks_done",
            "progress",
            "created_at",
            "started_at",
            "finished_at",
        ]


class RecheckRunDetailSerializer(RecheckRunSerializer):
    chunks = RecheckChunkSerializer(many=True, read_only=True)

    class Meta(RecheckRunSerializer.Meta):
        fields = [*RecheckRunSerializer.Meta.fields, "error_log", "chunks"]


class CanSeeRuns(permissions.BasePermission):
    """Runs span the whole portfolio: research office, auditors and admins."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return sees_whole_portfolio(request.user)


class RecheckRunViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [permissions.IsAuthenticated, CanSeeRuns]
    queryset = RecheckRun.objects.all()
    filterset_fields = ["status", "scope_key"]

    def get_serializer_class(self) -> type[serializers.ModelSerializer]:
        return RecheckRunDetailSerializer if self.action == "retrieve" else RecheckRunSerializer
