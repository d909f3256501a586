from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command

from projects.errors import ApplicationError
from projects.models import FieldTag
from rules.services.fields import MSG_REASON_REQUIRED, field_tag_override, projects_tag
from tests.factories import ProjectFactory


@pytest.fixture
def projects(db: None) -> dict[str, Any]:
    return {
        "quantum": ProjectFactory.create(
            award_number="Q1",
            title="Superconducting qubit coherence and quantum error correction",
            abstract="We build transmon qubits and study quantum error correction on a "
            "superconducting quantum processor.",
        ),
        "climate": ProjectFactory.create(
            award_number="C1",
            title="Regional climate modelling of monsoon precipitation extremes",
            abstract="We use a regional climate model, with machine learning for bias correction, "
            "to project monsoon precipitation under warming scenarios.",
        ),
    }


@pytest.mark.django_db
def test_tag_fields_json_lists_each_project_with_its_tags(projects: dict[str, Any]) -> None:
    out = io.StringIO()
    call_command("tag_fields", "--json", stdout=out)
    rows = {r["award_number"]: r["tags"] for r in json.loads(out.getvalue())}
    assert [t["area"] for t in rows["Q1"]] == ["quantum"]
    assert 0 < rows["Q1"][0]["confidence"] <= 1 and rows["Q1"][0]["method"]
    assert rows["C1"] == []  # a climate model that uses machine learning is not AI


@pytest.mark.django_db
def test_reviewer_override_wins_over_the_tagger(projects: dict[str, Any], reviewer: Any) -> None:
    projects_tag()
    quantum = projects["quantum"]
    field_tag_override(
        project=quantum, area="quantum", present=False, reason="Theory only", user=reviewer
    )
    field_tag_override(
        project=projects["climate"],
        area="ai",
        present=True,
        reason="Develops new ML methods",
        user=reviewer,
    )
    projects_tag()
    tag = FieldTag.objects.get(project=quantum, area="quantum")
    assert tag.suppressed and tag.source == "reviewer" and tag.reviewed_by == reviewer
    added = FieldTag.objects.get(project=projects["climate"], area="ai")
    assert not added.suppressed and added.review_reason == "Develops new ML methods"
    with pytest.raises(ApplicationError, match=MSG_REASON_REQUIRED):
        field_tag_override(project=quantum, area="quantum", present=True, reason=" ", user=reviewer)
    with pytest.raises(ApplicationError, match="unknown CET area"):
        field_tag_override(
            project=quantum, area="astrology", present=True, reason="x", user=reviewer
        )
