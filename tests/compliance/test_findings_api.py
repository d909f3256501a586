"""Findings, exposure, rule packs and scenarios over the API: scoping and read-only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from compliance.models import Finding

READ_ENDPOINTS = ["findings", "rule-packs", "rule-versions", "scenarios"]


def _results(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    return list(response.json()["results"])


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", READ_ENDPOINTS)
def test_anonymous_is_refused(endpoint: str, api_client_for: Callable[[Any], Any]) -> None:
    assert api_client_for(None).get(f"/api/v1/{endpoint}/").status_code in (401, 403)


@pytest.mark.django_db
def test_outsider_sees_no_findings(
    evaluated: dict[str, Any], outsider: Any, api_client_for: Callable[[Any], Any]
) -> None:
    client = api_client_for(outsider)
    assert _results(client.get("/api/v1/findings/")) == []
    some = Finding.objects.first()
    assert some is not None
    assert client.get(f"/api/v1/findings/{some.pk}/").status_code == 404
    exposure = client.get("/api/v1/findings/exposure/").json()
    assert all(row["at_stake_usd"] == "0" for row in exposure)


@pytest.mark.django_db
def test_pi_sees_own_project_findings_only(
    evaluated: dict[str, Any], pi: Any, co_pi: Any, api_client_for: Callable[[Any], Any]
) -> None:
    mine = _results(api_client_for(pi).get("/api/v1/findings/?scenario=current"))
    assert mine and {f["award_number"] for f in mine} == {"W911NF-24-1-0042"}
    assert _results(api_client_for(co_pi).get("/api/v1/findings/")) == []


@pytest.mark.django_db
def test_findings_filters_and_fields(
    evaluated: dict[str, Any], auditor: Any, api_client_for: Callable[[Any], Any]
) -> None:
    client = api_client_for(auditor)
    rows = _results(client.get("/api/v1/findings/?scenario=current&rule=R07&sponsor=DOD"))
    assert len(rows) == 1
    row = rows[0]
    assert row["severity"] == "high" and row["rule_version"] == "R07@v1"
    assert row["legal_basis"]["citation"].startswith("DoD (DoW) Decision Matrix")
    assert row["list_entry_name"] == "Harbin Institute of Technology"
    assert _results(client.get("/api/v1/findings/?severity=block&scenario=current")) == []
    person = evaluated["pi"].person.pk
    assert _results(client.get(f"/api/v1/findings/?person={person}&scenario=current"))
    assert _results(client.get("/api/v1/findings/?department=Aerospace&scenario=current_safe"))


@pytest.mark.django_db
def test_exposure_summary_per_scenario(
    evaluated: dict[str, Any], reviewer: Any, api_client_for: Callable[[Any], Any]
) -> None:
    rows = {
        r["scenario"]: r for r in api_client_for(reviewer).get("/api/v1/findings/exposure/").json()
    }
    assert rows["current"]["at_stake_usd"] == "1250000.00"
    assert rows["current"]["by_sponsor"] == {"DOD": "1250000.00"}
    assert rows["current"]["open_findings"]["high"] == 1
    assert rows["current_safe"]["open_findings"]["block"] >= 1


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", READ_ENDPOINTS)
def test_everything_here_is_read_only(
    endpoint: str,
    evaluated: dict[str, Any],
    auditor: Any,
    reviewer: Any,
    api_client_for: Callable[[Any], Any],
) -> None:
    before = Finding.objects.count()
    for user in (auditor, reviewer):
        assert (
            api_client_for(user).post(f"/api/v1/{endpoint}/", {}, format="json").status_code == 405
        )
    finding = Finding.objects.first()
    assert finding is not None
    response = api_client_for(auditor).patch(
        f"/api/v1/findings/{finding.pk}/", {"severity": "info"}, format="json"
    )
    assert response.status_code == 405
    assert Finding.objects.count() == before
    finding.refresh_from_db()
    assert finding.severity != "info" or finding.held_for_review


@pytest.mark.django_db
def test_rule_packs_show_parameters_with_their_status(
    evaluated: dict[str, Any], auditor: Any, api_client_for: Callable[[Any], Any]
) -> None:
    packs = {p["code"]: p for p in _results(api_client_for(auditor).get("/api/v1/rule-packs/"))}
    params = {p["name"]: p for p in packs["current"]["parameters"]}
    assert params["dod_expanded_lists"]["status"] == "UNCONFIRMED"
    assert params["r07_lookback_years"]["value"] == 5
    assert "R07" in packs["current"]["rules"]
    scenarios = _results(api_client_for(auditor).get("/api/v1/scenarios/"))
    assert {s["code"]: s["packs"] for s in scenarios}["current_safe"] == [
        "current",
        "fields",
        "safe_research_act",
    ]


@pytest.mark.django_db
def test_finding_list_counts_rows_per_scenario_and_never_merges_them(
    evaluated: dict[str, Any], auditor: Any, pi: Any, api_client_for: Callable[[Any], Any]
) -> None:
    body = api_client_for(auditor).get("/api/v1/findings/").json()
    expected = {
        code: Finding.objects.filter(scenario__code=code).count()
        for code in set(Finding.objects.values_list("scenario__code", flat=True))
    }
    assert len(expected) > 1
    assert body["scenarios"] == expected
    assert body["count"] == sum(expected.values())
    one = api_client_for(auditor).get("/api/v1/findings/?scenario=current").json()
    assert one["scenarios"] == {"current": expected["current"]}
    assert one["count"] == expected["current"]
    # a PI's per-scenario counts cover their own projects' findings only
    mine = api_client_for(pi).get("/api/v1/findings/").json()
    visible = Finding.objects.filter(project__roles__person=pi.person).distinct()
    assert sum(mine["scenarios"].values()) == mine["count"] == visible.count()
