"""Read API of equipment, foreign components, patent filings and our institution's facts.

Every read goes through the model's visibility selector (projects.selectors_items); writes
come through the portfolio import and the Django admin (institution facts: administrators).
"""

from __future__ import annotations

from typing import Any

from rest_framework import permissions, serializers, viewsets
from rest_framework.request import Request

from projects import selectors_items as sel
from projects.access import sees_whole_portfolio
from projects.apis import CountryCodeField, VisibleQuerysetMixin
from projects.models import (
    EquipmentItem,
    ForeignComponent,
    InstitutionAgreement,
    InstitutionProfile,
    InstitutionUnit,
    PatentFiling,
    ProgrammeElement,
)


class ResearchOfficeOnly(permissions.BasePermission):
    message = "Institution facts are for the research office."

    def has_permission(self, request: Request, view: Any) -> bool:
        return sees_whole_portfolio(request.user)


class EquipmentItemSerializer(serializers.ModelSerializer):
    manufacturer_name = serializers.CharField(source="manufacturer.name", read_only=True)
    manufacturer_country = CountryCodeField(source="manufacturer.country")

    class Meta:
        model = EquipmentItem
        fields = [
            "id",
            "project",
            "description",
            "manufacturer",
            "manufacturer_name",
            "manufacturer_country",
            "model",
            "acquired_on",
        ]


class ForeignComponentSerializer(serializers.ModelSerializer):
    country = CountryCodeField()

    class Meta:
        model = ForeignComponent
        fields = ["id", "project", "kind", "organisation", "country", "activity_code", "due_date"]


class PatentFilingSerializer(serializers.ModelSerializer):
    person = serializers.IntegerField(source="tie.person_id", read_only=True)
    project = serializers.IntegerField(source="tie.project_id", read_only=True)
    assignee = serializers.IntegerField(source="tie.organisation_id", read_only=True)
    assignee_name = serializers.CharField(source="tie.organisation.name", read_only=True)
    filing_date = serializers.DateField(source="tie.start_date", read_only=True)
    disclosed_in = serializers.JSONField(source="tie.disclosed_in", read_only=True)

    class Meta:
        model = PatentFiling
        fields = [
            "id",
            "tie",
            "person",
            "project",
            "assignee",
            "assignee_name",
            "jurisdiction",
            "application_number",
            "filing_date",
            "disclosed_in",
        ]


class InstitutionProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = InstitutionProfile
        fields = ["id", "name", "federal_rd_3yr_avg_usd"]


class InstitutionUnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = InstitutionUnit
        fields = ["id", "profile", "name"]


class InstitutionAgreementSerializer(serializers.ModelSerializer):
    counterpart_country = CountryCodeField()

    class Meta:
        model = InstitutionAgreement
        fields = [
            "id",
            "profile",
            "unit",
            "kind",
            "counterpart",
            "counterpart_country",
            "start_date",
            "end_date",
        ]


class ProgrammeElementSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProgrammeElement
        fields = ["id", "profile", "element", "certified_on"]


class EquipmentItemViewSet(VisibleQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    visible = sel.equipment_visible_to
    serializer_class = EquipmentItemSerializer
    filterset_fields = ["project", "manufacturer"]
    queryset = EquipmentItem.objects.none()


class ForeignComponentViewSet(VisibleQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    visible = sel.foreign_components_visible_to
    serializer_class = ForeignComponentSerializer
    filterset_fields = ["project", "kind", "activity_code"]
    queryset = ForeignComponent.objects.none()


class PatentFilingViewSet(VisibleQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    visible = sel.patent_filings_visible_to
    serializer_class = PatentFilingSerializer
    filterset_fields = ["jurisdiction"]
    queryset = PatentFiling.objects.none()


class _OfficeViewSet(VisibleQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    permission_classes = [permissions.IsAuthenticated, ResearchOfficeOnly]


class InstitutionProfileViewSet(_OfficeViewSet):
    visible = sel.institution_profiles_visible_to
    serializer_class = InstitutionProfileSerializer
    queryset = InstitutionProfile.objects.none()


class InstitutionUnitViewSet(_OfficeViewSet):
    visible = sel.institution_units_visible_to
    serializer_class = InstitutionUnitSerializer
    queryset = InstitutionUnit.objects.none()


class InstitutionAgreementViewSet(_OfficeViewSet):
    visible = sel.institution_agreements_visible_to
    serializer_class = InstitutionAgreementSerializer
    filterset_fields = ["kind"]
    queryset = InstitutionAgreement.objects.none()


class ProgrammeElementViewSet(_OfficeViewSet):
    visible = sel.programme_elements_visible_to
    serializer_class = ProgrammeElementSerializer
    queryset = ProgrammeElement.objects.none()
