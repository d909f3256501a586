"""JSON bodies: nesting depth and size are limited; too deep or too big is a 400, not a 500."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import override_settings

from compliance.models import Finding, FindingDecision
from config.parsers import MSG_JSON_TOO_BIG, MSG_JSON_TOO_DEEP
from rules.models import Scenario
from tests.compliance.conftest import finding_build
from tests.factories import ProjectFactory

DEEP = "[" * 1000 + "]" * 1000


def _nested(depth: int) -> str:
    return '{"names": ' + "[" * depth + '"x"' + "]" * depth + "}"


@pytest.fixture
def finding(rules_loaded: None) -> Finding:
    found = finding_build(ProjectFactory.create().pk, "project")
    found.save()
    return found


def _targets(finding: Finding) -> list[str]:
    scenario = Scenario.objects.get(code="current")
    return [
        "/api/v1/screen/",
        f"/api/v1/scenarios/{scenario.pk}/whatif/",
        f"/api/v1/findings/{finding.pk}/decide/",
    ]


def _post(client: Any, url: str, body: str) -> Any:
    return client.post(url, data=body, content_type="application/json")


@pytest.mark.django_db
@pytest.mark.parametrize("body", [DEEP, _nested(1000), '{"reason": ' + DEEP + "}"])
def test_deeply_nested_json_is_a_400_everywhere(
    body: str, finding: Finding, reviewer: Any, api_client_for: Callable[[Any], Any]
) -> None:
    client = api_client_for(reviewer)
    decisions = FindingDecision.objects.count()
    for url in _targets(finding):
        response = _post(client, url, body)
        assert response.status_code == 400, (url, response.content)
        assert MSG_JSON_TOO_DEEP in response.json()["detail"]
    finding.refresh_from_db()
    assert finding.review_status == Finding.Review.NEW
    assert FindingDecision.objects.count() == decisions


@pytest.mark.django_db
@override_settings(GRANTCHECK_JSON_MAX_BYTES=1000)
def test_a_json_body_over_the_size_limit_is_a_400(
    finding: Finding, reviewer: Any, api_client_for: Callable[[Any], Any]
) -> None:
    body = json.dumps({"names": ["x" * 100] * 20})
    for url in _targets(finding):
        response = _post(api_client_for(reviewer), url, body)
        assert response.status_code == 400, (url, response.content)
        assert MSG_JSON_TOO_BIG in response.json()["detail"]
    finding.refresh_from_db()
    assert finding.review_status == Finding.Review.NEW


@pytest.mark.django_db
def test_strings_with_brackets_do_not_count_as_nesting(
    reviewer: Any, api_client_for: Callable[[Any], Any]
) -> None:
    name = '[[[[{{{{"\\"' * 50
    response = _post(api_client_for(reviewer), "/api/v1/screen/", json.dumps({"names": [name]}))
    assert response.status_code == 200, response.content


@pytest.mark.django_db
def test_nesting_within_the_limit_still_parses(
    reviewer: Any, api_client_for: Callable[[Any], Any]
) -> None:
    response = _post(api_client_for(reviewer), "/api/v1/screen/", _nested(10))
    # parsed fine; the serializer then refuses a list where a name should be
    assert response.status_code == 400
    assert "names" in response.json()


@pytest.mark.django_db
def test_malformed_json_is_still_a_400(reviewer: Any, api_client_for: Callable[[Any], Any]) -> None:
    response = _post(api_client_for(reviewer), "/api/v1/screen/", '{"names": [')
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]
