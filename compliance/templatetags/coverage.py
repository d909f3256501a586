"""{{ rule_lists|rule_lists_for:rule.key }}: the RuleLists of one rule (rules.coverage)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

register = template.Library()


@register.filter
def rule_lists_for(rule_lists: Mapping[str, Any], key: str) -> Any:
    return rule_lists.get(key) if isinstance(rule_lists, Mapping) else None
