"""A positive and a negative case for every seed rule, evaluated with no database."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from rules.engine import CompiledScenario, ProjectFacts, compile_scenario, evaluate_project
from tests.rules.engine.cases_items import ITEM_CASES
from tests.rules.engine.helpers import TODAY, facts, match, person, role, tie
from tests.rules.engine.seed_cases_people import PEOPLE_CASES

SEEDS = Path(__file__).resolve().parents[3] / "seeds" / "rules"
PACKS = ["current", "fields", "safe_research_act", "s4525_hr8901", "s2755"]


def _scenario(*packs: str, **overrides: Any) -> CompiledScenario:
    params: dict[str, Any] = {}
    rules: list[tuple[dict[str, Any], str]] = []
    for code in packs:
        doc = yaml.safe_load((SEEDS / f"{code}.yaml").read_text(encoding="utf-8"))
        params.update({k: v["value"] for k, v in doc["pack"]["parameters"].items()})
        rules += [(r, "seed") for r in doc["rules"]]
    params.update(overrides)
    return compile_scenario("test", rules, params)


ALL = _scenario(*PACKS)


def _hits(project: ProjectFacts, rule: str, scenario: CompiledScenario = ALL) -> list[Any]:
    return [f for f in evaluate_project(scenario, project, TODAY) if f.rule_key == rule]


ONGOING: dict[str, Any] = {"start": date(2023, 1, 1), "end": None}
EL = match("EL", entry_name="Beihang University", alias="BUAA")
SDN = match("SDN", entry_name="Example Trading LLC", alias=None)
H1260 = match("DOD1260H", entry_name="Huawei Technologies Co., Ltd.", alias="Huawei")
TALENT = match("DOD1286", entry_name="Thousand Talents Plan", alias=None)

# rule, positive facts, negative facts (the smallest change that must clear the rule)
CASES: list[tuple[str, ProjectFacts, ProjectFacts]] = [
    (
        "R01",
        facts(
            [
                tie(
                    kind="talent_programme",
                    matches=[TALENT],
                    org_name="Thousand Talents Plan",
                    **ONGOING,
                )
            ],
            sponsor="NSF",
        ),
        facts(
            [
                tie(
                    kind="talent_programme",
                    matches=[TALENT],
                    org_name="Thousand Talents Plan",
                    start=date(2018, 1, 1),
                    end=date(2020, 1, 1),
                )
            ],
            sponsor="NSF",
        ),
    ),
    (
        "R03",
        facts(
            [
                tie(
                    kind="talent_programme",
                    country="DE",
                    org_name="Humboldt Professorship",
                    **ONGOING,
                )
            ],
            sponsor="NIH",
        ),
        facts(
            [
                tie(
                    kind="talent_programme",
                    country="DE",
                    org_name="Humboldt Professorship",
                    disclosed_in=frozenset({"other_support"}),
                    **ONGOING,
                )
            ],
            sponsor="NIH",
        ),
    ),
    (
        "R04",
        facts(
            [
                tie(
                    kind="talent_programme",
                    matches=[TALENT],
                    start=date(2019, 1, 1),
                    end=date(2022, 12, 31),
                )
            ]
        ),
        facts(
            [
                tie(
                    kind="talent_programme",
                    matches=[TALENT],
                    start=date(2012, 1, 1),
                    end=date(2015, 12, 31),
                )
            ]
        ),
    ),
    (
        "R05",
        facts([tie(matches=[match()], project_id=1)]),
        facts([tie(matches=[match()], project_id=1)], fundamental_research=False),
    ),
    (
        "R06",
        facts([tie(kind="equipment", matches=[H1260], project_id=1, org_name="Huawei")]),
        facts([tie(kind="equipment", matches=[H1260], project_id=None, org_name="Huawei")]),
    ),
    (
        "R07",
        facts([tie(kind="coauthorship", matches=[match()])]),
        facts(
            [
                tie(
                    kind="coauthorship",
                    matches=[match()],
                    start=date(2018, 1, 1),
                    end=date(2019, 6, 30),
                )
            ]
        ),
    ),
    (
        "R09",
        facts(
            [
                tie(
                    kind="funding",
                    org_name="National Natural Science Foundation of China",
                    **ONGOING,
                )
            ],
            sponsor="NSF",
        ),
        facts(
            [
                tie(
                    kind="funding",
                    org_name="Deutsche Forschungsgemeinschaft",
                    country="DE",
                    **ONGOING,
                )
            ],
            sponsor="NSF",
        ),
    ),
    (
        "R12",
        facts([tie(kind="joint_research", matches=[EL], **ONGOING)], sponsor="NSF"),
        facts([tie(kind="coauthorship", matches=[EL], **ONGOING)], sponsor="NSF"),
    ),
    (
        "R13",
        facts([tie(kind="consulting", matches=[SDN], **ONGOING)], sponsor="NON_FEDERAL"),
        facts([tie(kind="consulting", matches=[], **ONGOING)], sponsor="NON_FEDERAL"),
    ),
    (
        "R15",
        facts(
            [tie(kind="appointment", country="JP", org_name="University of Tokyo", **ONGOING)],
            sponsor="NIH",
        ),
        facts(
            [
                tie(
                    kind="appointment",
                    country="JP",
                    org_name="University of Tokyo",
                    disclosed_in=frozenset({"other_support"}),
                    **ONGOING,
                )
            ],
            sponsor="NIH",
        ),
    ),
    (
        "R18",
        facts(
            [tie(kind="talent_programme", org_name="Hundred Talents Plan", **ONGOING)],
            sponsor="DOE",
        ),
        facts(
            [tie(kind="talent_programme", org_name="Hundred Talents Plan", **ONGOING)],
            sponsor="NSF",
        ),
    ),
    (
        "R23",
        facts([tie(kind="visiting_scholar_hosted", matches=[match()], **ONGOING)]),
        facts([tie(kind="visiting_scholar_hosted", matches=[match()], **ONGOING)], sponsor="NSF"),
    ),
    (
        "R25",
        facts(
            [
                tie(
                    kind="appointment",
                    source="publication",
                    country="CN",
                    org_name="Zhejiang University",
                    **ONGOING,
                )
            ],
            sponsor="NSF",
        ),
        facts(
            [
                tie(
                    kind="appointment",
                    source="publication",
                    country="CN",
                    org_name="Zhejiang University",
                    disclosed_in=frozenset({"biosketch"}),
                    **ONGOING,
                )
            ],
            sponsor="NSF",
        ),
    ),
    (
        "R26",
        facts([tie(kind="coauthorship", matches=[match()])], sponsor="NSF"),
        facts([tie(kind="travel", matches=[match()])], sponsor="NSF"),
    ),
    (
        "R27",
        facts([tie(kind="joint_research", matches=[EL], **ONGOING)], sponsor="NSF"),
        facts([tie(kind="joint_research", matches=[EL])], sponsor="NSF"),
    ),
    (
        "R28",
        facts([tie(kind="joint_research", matches=[match()], **ONGOING)], sponsor="NSF"),
        facts(
            [tie(kind="joint_research", matches=[match()], **ONGOING)],
            sponsor="NSF",
            fundamental_research=False,
        ),
    ),
]
CASES += ITEM_CASES


CASES += PEOPLE_CASES


@pytest.mark.parametrize(("rule", "positive", "negative"), CASES, ids=[c[0] for c in CASES])
def test_seed_rule(rule: str, positive: ProjectFacts, negative: ProjectFacts) -> None:
    hits = _hits(positive, rule)
    assert len(hits) == 1, [f.explanation for f in evaluate_project(ALL, positive, TODAY)]
    assert hits[0].trace
    assert hits[0].explanation and "?" not in hits[0].explanation
    assert _hits(negative, rule) == []


def test_every_seed_finding_rule_has_cases() -> None:
    assert {r.key for r in ALL.rules} == {c[0] for c in CASES}


def test_r21_raises_tie_findings_on_sensitive_projects_only() -> None:
    subject = [tie(kind="coauthorship", matches=[match()])]
    plain = _hits(facts(subject), "R07")
    sensitive = _hits(facts(subject, tags=frozenset({"hypersonics"})), "R07")
    climate = _hits(facts(subject, tags=frozenset({"climate_science"})), "R07")
    assert plain[0].severity == "high" and climate[0].severity == "high"
    assert sensitive[0].severity == "high"  # already at the modifier's cap
    r04_sensitive = _hits(
        facts(
            [
                tie(
                    kind="talent_programme",
                    matches=[TALENT],
                    start=date(2019, 1, 1),
                    end=date(2022, 12, 31),
                )
            ],
            tags=frozenset({"quantum"}),
        ),
        "R04",
    )
    assert r04_sensitive[0].severity == "high"
    assert any("R21" in line for line in r04_sensitive[0].trace)


def test_r07_explanation_reads_as_evidence() -> None:
    [finding] = _hits(facts([tie(tid=812, matches=[match()])]), "R07")
    assert finding.explanation == (
        "Tie 812: visiting at at Harbin Institute of Technology (DOD1286 entry 'Harbin Institute "
        "of Technology'; match 0.98), 2022-09-01 to 2023-06-30, within the 5-year look-back "
        "ending 2026-11-28."
    )
    assert finding.subject == "tie:812" and finding.person_id == 10 and finding.match_score == 0.98


def test_unconfirmed_name_match_is_held_at_info() -> None:
    review = match(decision="review", score=0.8)
    [finding] = _hits(facts([tie(matches=[review], project_id=1)]), "R05")
    assert finding.severity == "info" and finding.held_for_review


def test_delisted_1260h_company_counts_only_where_history_counts() -> None:
    megvii = match(
        "DOD1260H",
        entry_name="Beijing Megvii Technology Co., Ltd.",
        listed_on=date(2024, 1, 31),
        delisted_on=date(2025, 1, 7),
    )
    subject = [
        tie(
            kind="joint_research",
            matches=[megvii],
            start=date(2024, 3, 1),
            end=date(2024, 12, 1),
            project_id=1,
            org_name="Megvii",
        )
    ]
    project = facts(subject)
    assert _hits(project, "R06") == []  # R06 looks at the list today
    [historical] = _hits(project, "R07")  # R07 looks back five years
    assert historical.severity == "medium"  # lowered one level: delisted
    assert any("delisted" in line for line in historical.trace)


def test_a_rule_that_raises_yields_an_error_finding_and_the_rest_complete() -> None:
    broken = {
        "id": "RX",
        "title": "Broken",
        "legal_basis": {"citation": "test"},
        "severity": "high",
        "for_each": "key_ties",
        "condition": {"fact": "tie.kind", "eq": "coauthorship"},
    }
    scenario = _scenario("current")
    extra = compile_scenario("x", [(broken, "v")], scenario.params).rules[0]

    def explode(env: Any) -> bool:
        raise RuntimeError("boom")

    extra.predicate = explode
    scenario.rules.insert(0, extra)
    results = evaluate_project(
        scenario, facts([tie(kind="coauthorship", matches=[match()])]), TODAY
    )
    errors = [r for r in results if r.severity == "error"]
    assert [(e.rule_key, e.subject) for e in errors] == [("RX", "project")]
    assert "boom" in errors[0].explanation
    assert any(r.rule_key == "R07" for r in results)


def test_people_without_a_key_role_are_not_covered() -> None:
    helper = person(20, "Sam Student")
    project = facts(
        [tie(kind="coauthorship", matches=[match()], who=helper, as_role="other")],
        people=[(person(), role("pi")), (helper, role("other"))],
    )
    assert _hits(project, "R07") == []


def test_evaluating_scenarios_together_equals_evaluating_them_apart() -> None:
    from rules.engine import evaluate, evaluate_scenarios

    current = _scenario("current", "fields")
    safe = _scenario("current", "fields", "safe_research_act")
    projects = [
        facts([tie(kind="coauthorship", matches=[match()])], tags=frozenset({"quantum"})),
        facts(
            [
                tie(
                    kind="talent_programme",
                    matches=[TALENT],
                    start=date(2019, 1, 1),
                    end=date(2022, 12, 31),
                )
            ],
            tags=frozenset({"hypersonics"}),
        ),
        facts([tie(kind="funding", org_name="NSFC", **ONGOING)], sponsor="NSF"),
    ]
    together = evaluate_scenarios([current, safe], projects, TODAY)
    apart = [evaluate(current, projects, TODAY), evaluate(safe, projects, TODAY)]
    assert together == apart
    assert len(together[1]) > len(together[0])
    # A scenario's modifiers raise its own copies of the shared rules' findings only,
    # whichever scenario comes first.
    plain = _scenario("current")
    for order in ([current, plain], [plain, current]):
        assert evaluate_scenarios(order, projects, TODAY) == [
            evaluate(s, projects, TODAY) for s in order
        ]
    raised = evaluate(current, projects, TODAY)
    assert [r.severity for r in raised] != [r.severity for r in evaluate(plain, projects, TODAY)]
