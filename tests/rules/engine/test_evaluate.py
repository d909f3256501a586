"""Evaluation details (pure, no database): explanations, scenario copies, projects without ties."""

from __future__ import annotations

from datetime import date
from typing import Any

from rules.engine import compile_scenario, evaluate, evaluate_scenarios
from rules.engine.evaluate import template_parts
from tests.rules.engine.helpers import TODAY, facts, match, tie

LEGAL = {"citation": "test"}
LISTED = {"listed": {"lists": ["DOD1286"]}}


def _rule(key: str, condition: Any = LISTED, **extra: Any) -> dict[str, Any]:
    base = {"id": key, "title": key, "legal_basis": LEGAL, "condition": condition}
    return {**base, "for_each": "key_ties", "severity": "medium", **extra}


def _scenario(*rules: dict[str, Any], params: dict[str, Any] | None = None) -> Any:
    return compile_scenario("t", [(r, "v1") for r in rules], params or {})


def test_explanations_fill_every_kind_of_placeholder_from_each_subject() -> None:
    template = (
        "{org.name} ({org.country}) since {tie.start_date} until {tie.end_date}; "
        "{param.years} years; score {match.score}; on {today}; {project.award_number}."
    )
    scenario = _scenario(_rule("E", {"all": [LISTED]}, explanation=template), params={"years": 3})
    listed = [match("DOD1286", score=0.875)]
    ended = tie(100, org_name="Harbin Institute of Technology", matches=listed)
    ongoing = tie(200, org_name="Beihang University", end=None, matches=listed)

    found = evaluate(scenario, [facts([ended, ongoing], award_number="W-7")], TODAY)

    assert [f.explanation for f in found] == [
        "Harbin Institute of Technology (CN) since 2022-09-01 until 2023-06-30; 3 years; "
        f"score 0.88; on {TODAY.isoformat()}; W-7.",
        "Beihang University (CN) since 2022-09-01 until ongoing; 3 years; "
        f"score 0.88; on {TODAY.isoformat()}; W-7.",
    ]
    later = evaluate(scenario, [facts([ended], award_number="W-8")], date(2027, 1, 2))
    assert later[0].explanation.endswith("on 2027-01-02; W-8.")  # nothing kept from before


def test_template_parts_split_text_and_placeholders() -> None:
    assert template_parts("{today}: {org.name} is listed") == [
        ("", "today"),
        ": ",
        ("org", "name"),
        " is listed",
    ]
    assert template_parts("no placeholder") == ["no placeholder"]
    assert template_parts("") == []


def test_scenarios_sharing_a_rule_get_their_own_copies_for_modifiers() -> None:
    shared = _rule("S")
    raise_all = {
        "id": "M",
        "title": "M",
        "legal_basis": LEGAL,
        "kind": "modifier",
        "condition": {"fact": "project.sponsor", "eq": "DOD"},
        "effect": {"raise": 1, "max": "block"},
    }
    plain, raised = _scenario(shared), _scenario(shared, raise_all)
    project = facts([tie(100, matches=[match("DOD1286")])])

    out_plain, out_raised = evaluate_scenarios([plain, raised], [project], TODAY)

    assert [f.severity for f in out_plain] == ["medium"]
    assert [f.severity for f in out_raised] == ["high"]
    assert not any("M M" in line for line in out_plain[0].trace)
    assert any("raised to high" in line for line in out_raised[0].trace)
    assert out_plain[0].explanation == out_raised[0].explanation
    assert out_plain[0] is not out_raised[0] and out_plain[0].trace is not out_raised[0].trace


def test_a_project_without_ties_gets_project_findings_but_no_tie_findings() -> None:
    scenario = _scenario(
        _rule("T"),
        _rule("P", {"fact": "project.sponsor", "eq": "DOD"}, for_each="project"),
        _rule("Q", {"fact": "project.sponsor", "eq": "NSF"}, for_each="project"),
    )

    found = evaluate(scenario, [facts([])], TODAY)

    assert [(f.rule_key, f.subject) for f in found] == [("P", "project")]
    with_tie = evaluate(scenario, [facts([tie(7, matches=[match("DOD1286")])])], TODAY)
    assert [(f.rule_key, f.subject) for f in with_tie] == [("T", "tie:7"), ("P", "project")]


def test_shown_sets_are_their_own_content_though_kept_for_reuse() -> None:
    from rules.engine.conditions import _show

    kinds = frozenset({"funding", "appointment"})
    assert _show(kinds) == "[appointment, funding]" == _show(kinds)
    for i in range(200):  # new sets, made and dropped: none is shown as another
        assert _show(frozenset({f"k{i}", "a"})) == f"[a, k{i}]"
    assert _show({"b", "a"}) == "[a, b]" and _show(date(2026, 1, 2)) == "2026-01-02"
