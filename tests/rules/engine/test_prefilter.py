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


def test_masks_worked_out_from_rows_equal_those_of_built_ties() -> None:
    """entries_build masks ties from their rows and builds only the kept ones: the same
    masks as TieFilter.tie_mask on the built ties, whether disclosed_in comes as JSON text (a
    raw cursor) or as a list, and whichever organisation a row of the same values names."""
    from datetime import date

    from rules.facts_ties import TIE_COLUMNS, TieCache, entries_build, tie_dict

    f = _filter(
        _rule(
            "D",
            {
                "all": [
                    {"fact": "tie.kind", "in": ["funding", "appointment"]},
                    {"fact": "tie.compensated", "eq": True},
                    {"fact": "org.country", "in": ["CN", "RU"]},
                ]
            },
            for_each="key_ties",
        ),
        _rule(
            "L",
            {"all": [{"fact": "tie.kind", "eq": "coauthorship"}, {"listed": {"lists": ["EL"]}}]},
            for_each="key_ties",
        ),
        _rule(
            "U",
            {
                "all": [
                    {"fact": "tie.kind", "eq": "funding"},
                    {"fact": "tie.disclosed", "eq": False},
                ]
            },
            for_each="key_ties",
        ),
    )
    assert f is not None
    cache = TieCache()
    countries = {1: "CN", 2: "GB", 3: "RU", 4: "CN"}
    for org_id, country in countries.items():
        cache.orgs[org_id] = {"id": org_id, "name": f"O{org_id}", "country": country, "type": "u"}
        listed = [match("EL")] if org_id in (2, 4) else []
        cache.matches[org_id] = listed
        cache.match_lists[org_id] = frozenset(m["list"] for m in listed)
    cache.people[9] = {"id": 9, "name": "P", "department": "D"}
    rows = []
    for i, (kind, compensated, disclosed, org_id) in enumerate(
        (kind, compensated, disclosed, org_id)
        for kind in ("funding", "appointment", "coauthorship", "patent")
        for compensated in (True, False)
        for disclosed in ("[]", '["nih_biosketch"]', ["nih_biosketch"], [])
        for org_id in countries
    ):
        row = (i, 9, kind, date(2024, 1, 1), None, compensated, "self", disclosed, None, org_id)
        rows.append(row)
    assert len(rows[0]) == len(TIE_COLUMNS)

    kept = entries_build(rows, f, cache)

    expected = []
    for row in rows:
        tie_facts, org = tie_dict(row), cache.orgs[row[-1]]
        mask = f.tie_mask(tie_facts, org, cache.match_lists[row[-1]])
        if mask:
            expected.append((tie_facts["id"], mask))
    assert [(e[0]["id"], e[4]) for e in kept] == expected
    assert {e[0]["kind"] for e in kept} == {"funding", "appointment", "coauthorship"}
    assert len(kept) < len(rows)
    assert len(entries_build(rows, None, cache)) == len(rows)  # no filter: every tie, mask -1
