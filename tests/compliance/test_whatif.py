from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command

from compliance.models import Finding
from compliance.services.evaluation import portfolio_evaluate
from compliance.services.whatif import scenario_whatif
from rules.models import Scenario
from tests.compliance.conftest import TODAY


@pytest.fixture
def evaluated(portfolio: dict[str, Any]) -> dict[str, Any]:
    portfolio_evaluate(scenario=Scenario.objects.get(code="current"), today=TODAY)
    return portfolio


def _snapshot() -> list[tuple[Any, ...]]:
    return list(
        Finding.objects.order_by("pk").values_list("pk", "status", "severity", "last_confirmed")
    )


@pytest.mark.django_db
def test_r07_look_back_from_5_to_3_years_resolves_the_2022_23_visit(
    evaluated: dict[str, Any],
) -> None:
    before = _snapshot()
    result = scenario_whatif(
        scenario=Scenario.objects.get(code="current"),
        param_overrides={"r07_lookback_years": 3},
        today=TODAY,
    )
    resolved = [(r["rule__key"], r["subject"]) for r in result["resolved"]]
    assert ("R07", f"tie:{evaluated['visiting'].pk}") in resolved
    assert result["new"] == []
    assert result["no_longer_at_stake_usd"] == "1250000.00"
    assert result["exposure_before"]["by_sponsor"] == {"DOD": "1250000.00"}
    assert result["exposure_after"]["total_usd"] == "0"
    assert _snapshot() == before  # live findings untouched


@pytest.mark.django_db
def test_whatif_command_prints_resolved_findings_and_dollars(evaluated: dict[str, Any]) -> None:
    out = io.StringIO()
    call_command(
        "whatif",
        "--scenario",
        "current",
        "--param",
        "r07_lookback_years=3",
        "--date",
        "2026-11-28",
        stdout=out,
    )
    text = out.getvalue()
    assert "1 resolved" in text
    assert "no longer at stake $1250000.00" in text
    out = io.StringIO()
    call_command(
        "whatif",
        "--scenario",
        "current",
        "--param",
        "r07_lookback_years=3",
        "--date",
        "2026-11-28",
        "--json",
        stdout=out,
    )
    assert json.loads(out.getvalue())["resolved"][0]["rule__key"] == "R07"


@pytest.mark.django_db
def test_whatif_with_a_draft_rule_file(evaluated: dict[str, Any], tmp_path: Any) -> None:
    draft = tmp_path / "r07.yaml"
    draft.write_text(
        "id: R07\ntitle: R07 with travel\nlegal_basis: {citation: test}\nseverity: high\n"
        "applies_to: {sponsors: [DOD]}\nfor_each: key_ties\n"
        "condition: {all: [{fact: tie.kind, in: [travel]}, {listed: {lists: [DOD1286]}}]}\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command(
        "whatif",
        "--scenario",
        "current",
        "--rule-file",
        str(draft),
        "--date",
        "2026-11-28",
        "--json",
        stdout=out,
    )
    result = json.loads(out.getvalue())
    assert [r["rule__key"] for r in result["resolved"]] == ["R07"]


@pytest.mark.django_db
def test_whatif_refuses_unknown_parameters(evaluated: dict[str, Any]) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="unknown parameter"):
        call_command("whatif", "--scenario", "current", "--param", "nope=3")


@pytest.mark.django_db
def test_whatif_api_for_reviewers(
    evaluated: dict[str, Any], reviewer: Any, api_client_for: Callable[[Any], Any]
) -> None:
    scenario = Scenario.objects.get(code="current")
    response = api_client_for(reviewer).post(
        f"/api/v1/scenarios/{scenario.pk}/whatif/",
        {"params": {"r07_lookback_years": 3}, "date": "2026-11-28"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["no_longer_at_stake_usd"] == "1250000.00"
    bad = api_client_for(reviewer).post(
        f"/api/v1/scenarios/{scenario.pk}/whatif/",
        {
            "rules": [
                {
                    "id": "R07",
                    "title": "x",
                    "legal_basis": {"citation": "c"},
                    "condition": {"fact": "tie.colour", "eq": "red"},
                }
            ]
        },
        format="json",
    )
    assert bad.status_code == 400 and "unknown fact" in bad.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["outsider", "auditor", "pi"])
def test_whatif_api_refused_to_others(
    persona: str,
    evaluated: dict[str, Any],
    request: pytest.FixtureRequest,
    api_client_for: Callable[[Any], Any],
) -> None:
    scenario = Scenario.objects.get(code="current")
    response = api_client_for(request.getfixturevalue(persona)).post(
        f"/api/v1/scenarios/{scenario.pk}/whatif/", {"params": {}}, format="json"
    )
    assert response.status_code == 403
