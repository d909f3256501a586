"""Compiled scenarios for re-check chunks, kept per worker process.

Compiling every scenario again for every chunk cost more than evaluating some chunks. The
cache key is everything compilation reads (scenario packs, published versions, parameters),
fetched with three small queries per chunk, so a change is picked up by the next chunk.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from rules.engine import CompiledScenario
from rules.engine.prefilter import TieFilter
from rules.models import PackParameter, RuleVersion, Scenario, ScenarioPack
from rules.services.rulepacks import scenario_compile

# Compiled scenarios of this worker process, by everything compilation reads (see rules_state).
Compiled = tuple[list[Scenario], list[tuple[CompiledScenario, Any]], TieFilter | None]
_cache: dict[Any, Compiled] = {}


def rules_state(codes: Sequence[str]) -> tuple[Any, ...]:
    """Scenarios, their packs, the published versions and the parameters: three small queries
    instead of compiling every scenario again for every chunk."""
    packs = tuple(
        ScenarioPack.objects.filter(scenario__code__in=codes)
        .order_by("scenario__code", "position")
        .values_list("scenario__code", "scenario_id", "pack_id", "position")
    )
    versions = tuple(
        RuleVersion.objects.filter(status=RuleVersion.Status.PUBLISHED)
        .order_by("pk")
        .values_list("pk", "rule_id", "rule__key", "rule__pack_id")
    )
    params = tuple(
        (pack_id, name, json.dumps(value, sort_keys=True, default=str))
        for pack_id, name, value in PackParameter.objects.order_by("pk").values_list(
            "pack_id", "name", "value"
        )
    )
    return (tuple(sorted(codes)), packs, versions, params)


def scenarios_compiled(codes: Sequence[str], rule_keys: Sequence[str] | None = None) -> Compiled:
    """The run's scenarios compiled, once per worker process while rules and parameters stay
    the same (a parameter change mid-run is picked up by the next chunk).

    With rule_keys, each scenario keeps only those rules (plus its modifiers, which change
    their severities; a changed modifier keeps the whole scenario), and the tie prefilter is
    built from the kept rules alone.
    """
    state = rules_state(codes)
    key = (state, None if rule_keys is None else tuple(sorted(set(rule_keys))))
    found = _cache.get(key)
    if found is None:
        if any(k[0] != state for k in _cache):
            _cache.clear()
        scenarios = list(Scenario.objects.filter(code__in=codes).order_by("code"))
        compiled = [scenario_compile(scenario=s) for s in scenarios]
        if rule_keys is not None:
            compiled = [(_only(c, set(rule_keys)), v) for c, v in compiled]
        found = (scenarios, compiled, TieFilter.for_scenarios(c for c, _v in compiled))
        _cache[key] = found
    return found


def _only(compiled: CompiledScenario, keys: set[str]) -> CompiledScenario:
    if any(m.key in keys for m in compiled.modifiers):
        return compiled
    return replace(compiled, rules=[r for r in compiled.rules if r.key in keys])
