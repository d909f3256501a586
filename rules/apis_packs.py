"""Read API for rule packs, rule versions and scenarios."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers, viewsets

from rules.models import PackParameter, RulePack, RuleVersion, Scenario


class PackParameterSerializer(serializers.ModelSerializer):
    class Meta:
        model = PackParameter
        fields = ["name", "value", "status", "description", "updated_at"]


class RulePackSerializer(serializers.ModelSerializer):
    parameters = PackParameterSerializer(many=True, read_only=True)
    rules: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="key"
    )

    class Meta:
        model = RulePack
        fields = ["id", "code", "title", "status", "description", "parameters", "rules"]


class RuleVersionSerializer(serializers.ModelSerializer):
    rule = serializers.CharField(source="rule.key")
    pack = serializers.CharField(source="rule.pack.code")

    class Meta:
        model = RuleVersion
        fields = [
            "id",
            "rule",
            "pack",
            "number",
            "status",
            "content",
            "content_hash",
            "author",
            "note",
            "created_at",
            "published_at",
            "retired_at",
        ]


class ScenarioSerializer(serializers.ModelSerializer):
    packs = serializers.SerializerMethodField()

    class Meta:
        model = Scenario
        fields = ["id", "code", "name", "description", "packs"]

    def get_packs(self, obj: Scenario) -> list[str]:
        return [p.code for p in obj.ordered_packs]


class RulePackViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = RulePack.objects.prefetch_related("parameters", "rules")
    serializer_class = RulePackSerializer


class RuleVersionViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = RuleVersion.objects.select_related("rule", "rule__pack")
    serializer_class = RuleVersionSerializer
    filterset_fields = ["status", "rule__key", "rule__pack__code"]


class ScenarioViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Scenario.objects.all()
    serializer_class = ScenarioSerializer
