"""TieFilter: which ties the rules of a scenario may look at (pure, no database)."""

from __future__ import annotations

from typing import Any

from rules.engine import compile_scenario
from rules.engine.prefilter import TieFilter
from tests.rules.engine.helpers import match, project, tie

LEGAL = {"citation": "test"}


def _rule(key: str, condition: Any, **extra: Any) -> dict[str, Any]:
    return {"id": key, "title": key, "legal_basis": LEGAL, "condition": condition, **extra}


def _filter(*rules: dict[str, Any], params: dict[str, Any] | None = None) -> TieFilter | None:
    scenario = compile_scenario("t", [(r, "v1") for r in rules], params or {})
    return TieFilter.for_scenarios([scenario])


def _kept(f: TieFilter, t: Any, **project_fields: Any) -> bool:
    lists = frozenset(m["list"] for m in t.matches)
    return bool(f.tie_mask(t.tie, t.org, lists) & f.project_mask(project(**project_fields)))


def test_subject_ties_need_the_kind_and_the_list_of_their_rule() -> None:
    f = _filter(
        _rule(
            "K",
            {
                "all": [
                    {"fact": "tie.kind", "in": {"param": "kinds"}},
                    {"listed": {"lists": ["EL"]}},
                ]
            },
            for_each="key_ties",
        ),
        params={"kinds": ["funding"]},
    )
    assert f is not None
    assert _kept(f, tie(kind="funding", matches=[match("EL")]))
    assert not _kept(f, tie(kind="funding", matches=[match("DOD1286")]))
    assert not _kept(f, tie(kind="coauthorship", matches=[match("EL")]))


def test_static_conditions_narrow_and_sponsor_filters_apply_per_project() -> None:
    f = _filter(
        _rule(
            "C",
            {"all": [{"fact": "org.country", "in": ["CN"]}, {"fact": "tie.ongoing", "eq": True}]},
            for_each="ties",
            applies_to={"sponsors": ["NIH"]},
        )
    )
    assert f is not None
    assert _kept(f, tie(country="CN"), sponsor="NIH")
    assert not _kept(f, tie(country="CN"), sponsor="DOD")  # the rule does not apply there
    assert not _kept(f, tie(country="GB"), sponsor="NIH")


def test_some_and_no_quantifiers_keep_only_ties_their_where_can_match() -> None:
    some = _rule(
        "S",
        {"some": "ties", "where": {"fact": "tie.kind", "eq": "talent_programme"}},
    )
    none = _rule("N", {"no": "key_ties", "where": {"fact": "tie.source", "eq": "publication"}})
    f = _filter(some, none)
    assert f is not None
    assert _kept(f, tie(kind="talent_programme"))
    assert _kept(f, tie(kind="coauthorship", source="publication"))
    assert not _kept(f, tie(kind="coauthorship"))


def test_a_rule_that_may_look_at_every_tie_disables_the_filter() -> None:
    every = _rule("E", {"every": "ties", "where": {"fact": "tie.kind", "eq": "funding"}})
    assert _filter(every) is None
    unguarded = _rule("U", {"fact": "tie.ongoing", "eq": True}, for_each="ties")
    assert _filter(unguarded) is None
    # a rule that binds no tie needs none
    project_only = _rule("P", {"fact": "project.sponsor", "eq": "DOD"})
    f = _filter(project_only)
    assert f is not None and not _kept(f, tie())
