"""Static analysis of rule conditions: what a rule needs before it can produce a finding.

Used to narrow re-checks (which projects can a rule change affect?) and to skip ties that
cannot satisfy a rule before building an evaluation environment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rules.engine.types import ITEM_DOMAINS


def _param(value: Any, params: Mapping[str, Any]) -> Any:
    if isinstance(value, Mapping) and set(value) == {"param"}:
        return params.get(value["param"])
    return value


def required_lists(
    node: Any, params: Mapping[str, Any], *, through_quantifiers: bool = True
) -> frozenset[str] | None:
    """List codes one of which must match for the condition to hold; None if not required.

    With through_quantifiers=False only the tie in scope is considered (a nested `some`
    talks about other ties).
    """
    if not isinstance(node, Mapping):
        return None
    if "listed" in node and isinstance(node["listed"], Mapping):
        lists = _param(node["listed"].get("lists"), params)
        return frozenset(lists) if isinstance(lists, list | tuple) else None
    if "all" in node and isinstance(node["all"], list):
        found = [
            required_lists(c, params, through_quantifiers=through_quantifiers) for c in node["all"]
        ]
        known = [f for f in found if f is not None]
        if not known:
            return None
        result = known[0]
        for other in known[1:]:
            result &= other
        return result
    if "any" in node and isinstance(node["any"], list):
        found = [
            required_lists(c, params, through_quantifiers=through_quantifiers) for c in node["any"]
        ]
        if not found or any(f is None for f in found):
            return None
        return frozenset().union(*[f for f in found if f is not None])
    if "some" in node and through_quantifiers and node["some"] not in ITEM_DOMAINS:
        # (an item's organisation is no tie's: a list match on it says nothing about ties)
        return required_lists(node.get("where"), params)
    return None


def required_tie_kinds(node: Any, params: Mapping[str, Any]) -> frozenset[str] | None:
    """Tie kinds the bound tie must have for the condition to hold; None if any kind may."""
    if not isinstance(node, Mapping):
        return None
    if node.get("fact") == "tie.kind":
        if "eq" in node and isinstance(_param(node["eq"], params), str):
            return frozenset({_param(node["eq"], params)})
        if "in" in node:
            kinds = _param(node["in"], params)
            return frozenset(kinds) if isinstance(kinds, list | tuple) else None
        return None
    if "all" in node and isinstance(node["all"], list):
        known = [k for k in (required_tie_kinds(c, params) for c in node["all"]) if k is not None]
        if not known:
            return None
        result = known[0]
        for other in known[1:]:
            result &= other
        return result
    if "any" in node and isinstance(node["any"], list):
        found = [required_tie_kinds(c, params) for c in node["any"]]
        if not found or any(f is None for f in found):
            return None
        return frozenset().union(*[f for f in found if f is not None])
    return None


# -- which ties can a condition look at? ------------------------------------------------------

TIE_DOMAINS = frozenset({"ties", "key_ties", "project_ties", "person_ties"})
# Facts of a tie and its organisation that depend neither on the project nor on the date.
STATIC_TIE_FACTS = frozenset(
    {
        "tie.id",
        "tie.kind",
        "tie.source",
        "tie.compensated",
        "tie.disclosed",
        "tie.disclosed_in",
        "org.id",
        "org.name",
        "org.country",
        "org.type",
    }
)


@dataclass(frozen=True)
class TieNeed:
    """The ties one binding site may use: those passing every test in `tests` (conditions on
    static tie facts, parameters resolved) and, when `lists` is set, matched on one of them."""

    tests: tuple[Mapping[str, Any], ...] = ()
    lists: frozenset[str] | None = None

    @property
    def everything(self) -> bool:
        return not self.tests and self.lists is None


def resolve_params(node: Any, params: Mapping[str, Any]) -> Any:
    """The condition with every {param: NAME} replaced by its value."""
    if isinstance(node, Mapping):
        if set(node) == {"param"} and node["param"] in params:
            return params[node["param"]]
        return {k: resolve_params(v, params) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve_params(v, params) for v in node]
    return node


def static_tie_conjuncts(node: Any) -> list[Mapping[str, Any]]:
    """Conjuncts of the condition (through nested `all`) that test only static tie facts:
    a tie failing one of them cannot satisfy the condition."""
    if not isinstance(node, Mapping):
        return []
    if node.get("fact") in STATIC_TIE_FACTS:
        return [node]
    if set(node) == {"all"} and isinstance(node["all"], list):
        return [c for child in node["all"] for c in static_tie_conjuncts(child)]
    return []


def tie_need(condition: Any, params: Mapping[str, Any]) -> TieNeed:
    """What a tie bound to evaluate `condition` must satisfy for the condition to hold."""
    return TieNeed(
        tests=tuple(resolve_params(c, params) for c in static_tie_conjuncts(condition)),
        lists=required_lists(condition, params, through_quantifiers=False),
    )


def quantifier_tie_needs(node: Any, params: Mapping[str, Any]) -> list[TieNeed]:
    """Needs of every quantifier over ties inside a condition, nested ones included.

    `some` and `no` only ask whether a tie satisfies `where`, so ties that cannot satisfy it
    change nothing; `every` looks at all of them.
    """
    out: list[TieNeed] = []
    if isinstance(node, Mapping):
        for head in ("some", "no", "every"):
            if node.get(head) in TIE_DOMAINS:
                where = node.get("where")
                out.append(TieNeed() if head == "every" else tie_need(where, params))
        for value in node.values():
            out += quantifier_tie_needs(value, params)
    elif isinstance(node, list):
        for value in node:
            out += quantifier_tie_needs(value, params)
    return out


def referenced_lists(node: Any, params: Mapping[str, Any]) -> frozenset[str]:
    """Every list code a condition reads anywhere (any branch, any quantifier, parameters
    resolved): what the rules page shows as "reads"."""
    found: set[str] = set()
    if isinstance(node, Mapping):
        spec = node.get("listed")
        if isinstance(spec, Mapping):
            lists = _param(spec.get("lists"), params)
            if isinstance(lists, list | tuple):
                found.update(x for x in lists if isinstance(x, str))
        for value in node.values():
            found |= referenced_lists(value, params)
    elif isinstance(node, list):
        for value in node:
            found |= referenced_lists(value, params)
    return frozenset(found)
