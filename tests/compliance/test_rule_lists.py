"""Each rule shows the lists it reads; a rule whose lists are not loaded is marked "can't
fire" on the rules page and the dashboard, and the mark goes once the list is imported."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from rules.coverage import MSG_CANT_FIRE, rule_lists, rules_cannot_fire
from rules.engine.analysis import referenced_lists
from rules.services.lists import list_import
from tests.web import signed_in

DATA = Path(__file__).resolve().parents[1] / "data" / "lists"


def _text(response: Any) -> str:
    return unescape(re.sub(r"\s+", " ", response.content.decode()))


def test_referenced_lists_reads_every_branch_and_parameter() -> None:
    condition = {
        "all": [
            {"fact": "tie.kind", "in": ["funding"]},
            {
                "any": [
                    {"listed": {"lists": {"param": "export"}}},
                    {"fact": "org.country", "eq": "CN"},
                ]
            },
            {"some": "ties", "where": {"listed": {"lists": ["SDN"], "when": "now"}}},
        ]
    }
    assert referenced_lists(condition, {"export": ["EL", "MEU"]}) == {"EL", "MEU", "SDN"}
    assert referenced_lists({"fact": "org.country", "eq": "CN"}, {}) == frozenset()


@pytest.mark.django_db
def test_rules_without_their_lists_cannot_fire_until_the_list_is_loaded(
    rules_loaded: None,
) -> None:
    coverage = rule_lists()
    r12, r13 = coverage["R12"], coverage["R13"]
    assert {"EL", "MEU", "UVL"} <= set(r12.reads) and r12.cant_fire
    assert r12.message == MSG_CANT_FIRE.format(lists=", ".join(r12.missing))
    assert r13.reads == ("SDN",) and r13.message == "can't fire: SDN not loaded"
    assert not coverage["R05"].cant_fire and coverage["R05"].missing == ()  # DOD1286 is seeded
    list_import(fmt="csl-csv", path=DATA / "csl_small.csv")  # EL, UVL, SDN, DTC, ...
    after = rule_lists()
    assert not after["R12"].cant_fire and "EL" not in after["R12"].missing
    assert "MEU" in after["R12"].missing  # still shown as not loaded, but the rule can fire
    assert not after["R13"].cant_fire
    assert "R12" not in {r.rule for r in rules_cannot_fire()}


@pytest.mark.django_db
def test_rules_page_and_dashboard_say_which_rules_cannot_fire(
    rules_loaded: None, reviewer: Any, auditor: Any, pi: Any, outsider: Any
) -> None:
    for user in (reviewer, auditor):
        rules_page = _text(signed_in(user).get("/rules/"))
        assert "can't fire: SDN not loaded" in rules_page
        assert "can never fire" in rules_page
        assert re.search(r"R13</a> OFAC sanctioned party — can't fire: SDN not loaded", rules_page)
        dashboard = _text(signed_in(user).get("/dashboard/"))
        assert "R13</a> OFAC sanctioned party — can't fire: SDN not loaded" in dashboard
    for user in (pi, outsider):
        assert signed_in(user).get("/rules/").status_code == 403
        assert signed_in(user).get("/dashboard/").status_code == 403
    list_import(fmt="csl-csv", path=DATA / "csl_small.csv")
    assert "can't fire: SDN" not in _text(signed_in(reviewer).get("/dashboard/"))


@pytest.mark.django_db
def test_dashboard_is_quiet_when_every_list_is_loaded(
    rules_loaded: None, reviewer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("compliance.portal.dashboard.rules_cannot_fire", lambda: [])
    assert "can never fire" not in _text(signed_in(reviewer).get("/dashboard/"))
