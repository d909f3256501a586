"""Read API of a person's own records (training, travel, MFTRP certifications), scoped by
their visibility selectors: the research office sees all, anyone else their own. People
change their records in the portal (or administrators in the admin), not here."""

from __future__ import annotations

from rest_framework import serializers, viewsets

from projects import selectors
from projects.apis import CountryCodeField, VisibleQuerysetMixin
from projects.models import MftrpCertification, TrainingRecord, TravelRecord


class TrainingRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrainingRecord
        fields = ["id", "person", "course", "provider", "completed_on"]


class TravelRecordSerializer(serializers.ModelSerializer):
    destination_country = CountryCodeField()
    preauthorised = serializers.BooleanField(read_only=True)

    class Meta:
        model = TravelRecord
        fields = [
            "id",
            "person",
            "destination_country",
            "departed_on",
            "returned_on",
            "purpose",
            "preauthorised",
            "preauthorised_on",
            "preauthorisation_reference",
        ]


class MftrpCertificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = MftrpCertification
        fields = ["id", "person", "project", "certified_on"]


class TrainingRecordViewSet(VisibleQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    visible = selectors.trainings_visible_to
    serializer_class = TrainingRecordSerializer
    filterset_fields = ["person", "provider"]
    queryset = TrainingRecord.objects.none()


class TravelRecordViewSet(VisibleQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    visible = selectors.trips_visible_to
    serializer_class = TravelRecordSerializer
    filterset_fields = ["person", "destination_country"]
    queryset = TravelRecord.objects.none()


class MftrpCertificationViewSet(VisibleQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    visible = selectors.certifications_visible_to
    serializer_class = MftrpCertificationSerializer
    filterset_fields = ["person", "project"]
    queryset = MftrpCertification.objects.none()
