"""The rules engine: pure Python, no Django. Facts in, findings out."""

from rules.engine.conditions import OPERATORS, Compiler, ConditionError
from rules.engine.env import Env, ItemFacts, ProjectFacts, TieFacts
from rules.engine.evaluate import (
    CompiledRule,
    CompiledScenario,
    FindingResult,
    compile_rule,
    compile_scenario,
    evaluate,
    evaluate_project,
    evaluate_scenarios,
)
from rules.engine.types import DOMAINS, FACTS, SEVERITIES, SUBJECTS

__all__ = [
    "DOMAINS",
    "FACTS",
    "OPERATORS",
    "SEVERITIES",
    "SUBJECTS",
    "CompiledRule",
    "CompiledScenario",
    "Compiler",
    "ConditionError",
    "Env",
    "FindingResult",
    "ItemFacts",
    "ProjectFacts",
    "TieFacts",
    "compile_rule",
    "compile_scenario",
    "evaluate",
    "evaluate_project",
    "evaluate_scenarios",
]
