"""Items of a project other than ties (types.ITEM_DOMAINS): equipment, foreign components,
patent filings, our institution's agreements. Which namespaces a condition may read in item
scope, and the facts worked out at evaluation time."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from rules.engine.types import ITEM_DOMAINS, NAMESPACE_SCOPE, Scope

# Namespaces readable everywhere (project scope).
PROJECT_NAMESPACES = frozenset(ns for ns, s in NAMESPACE_SCOPE.items() if s == Scope.PROJECT)


def item_namespaces(domain: str) -> frozenset[str]:
    own, others, _doc = ITEM_DOMAINS[domain]
    return PROJECT_NAMESPACES | {own} | others


def item_scope_problem(namespace: str, scope: Scope, domain: str | None) -> str | None:
    """Why `namespace` cannot be read in this scope (None: it can). Item namespaces only
    inside a quantifier (or a for_each) over their domain; there, only project facts and the
    namespaces that domain binds."""
    needed = NAMESPACE_SCOPE[namespace]
    if scope == Scope.ITEM and domain is not None:
        if namespace in item_namespaces(domain):
            return None
        return f"{namespace}.* is not available inside {domain}"
    if needed == Scope.ITEM:
        domains = [d for d, (own, _o, _d) in ITEM_DOMAINS.items() if own == namespace]
        return f"{namespace}.* is only available inside a quantifier over {', '.join(domains)}"
    return None


def binds_organisation(domain: str | None) -> bool:
    return domain is not None and "org" in ITEM_DOMAINS[domain][1]


def in_force(item: Mapping[str, Any], today: date) -> bool:
    """Started (or no start recorded) and not ended on `today` (ended on its end date)."""
    start, end = item.get("start_date"), item.get("end_date")
    return (start is None or start <= today) and (end is None or end > today)
