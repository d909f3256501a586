"""Static analysis of rule conditions: what a rule needs before it can produce a finding.

Used to narrow re-checks (which projects can a rule change affect?) and to skip ties that
cannot satisfy a rule before building an evaluation environment.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


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
    if "some" in node and through_quantifiers:
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
