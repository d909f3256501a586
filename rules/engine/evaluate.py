"""Compile rules into a scenario and evaluate many projects at once. Pure Python."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rules.engine.analysis import (
    TieNeed,
    quantifier_tie_needs,
    required_lists,
    required_tie_kinds,
    tie_need,
)
from rules.engine.conditions import Compiler, ConditionError, Pred
from rules.engine.env import Env, ProjectFacts, TieFacts
from rules.engine.types import ERROR_SEVERITY, ITEM_DOMAINS, SEVERITIES, SUBJECTS, Scope

RULE_KEYS = {
    "id",
    "title",
    "legal_basis",
    "status",
    "severity",
    "applies_to",
    "for_each",
    "condition",
    "severity_when",
    "remediation",
    "explanation",
    "kind",
    "effect",
    "lookback",
    "notes",
}
RULE_STATUSES = ("enacted", "guidance", "policy", "proposed", "advisory")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\.([a-z_]+)\}|\{today\}")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
TemplatePart = str | tuple[str, str]  # literal text, or a (namespace, key) placeholder
# How an explanation shows an empty date that means something.
EMPTY_TEXT = {
    ("tie", "end_date"): "ongoing",
    ("person", "training_on"): "none",
    ("role", "certified_on"): "none",
    ("trip", "returned_on"): "not known",
}


@dataclass
class CompiledRule:
    key: str
    version: str
    title: str
    legal_basis: dict[str, str]
    status: str
    severity: str
    kind: str
    for_each: str
    sponsors: frozenset[str] | None
    statuses: frozenset[str] | None
    predicate: Pred
    severity_when: list[tuple[Pred, str]]
    remediation: str
    explanation: str
    effect: dict[str, Any] = field(default_factory=dict)
    explanation_parts: list[TemplatePart] = field(default_factory=list)  # template_parts()
    content: Mapping[str, Any] = field(default_factory=dict)
    # Guards for tie subjects, from static analysis: a tie that fails them cannot match.
    tie_kinds: frozenset[str] | None = None
    needs_lists: frozenset[str] | None = None
    # Every tie the rule may look at passes one of these (subject ties and quantifiers).
    tie_needs: list[TieNeed] = field(default_factory=list)

    @property
    def tie_subjects(self) -> bool:
        """True when the rule's subjects are ties (it finds nothing on a project without)."""
        return SUBJECTS[self.for_each] == Scope.TIE

    def tie_may_match(self, tie: TieFacts) -> bool:
        if self.tie_kinds is not None and tie.tie["kind"] not in self.tie_kinds:
            return False
        if self.needs_lists is not None:
            return any(m["list"] in self.needs_lists for m in tie.matches)
        return True

    def applies(self, project: Mapping[str, Any]) -> bool:
        if self.sponsors is not None and project.get("sponsor") not in self.sponsors:
            return False
        return not (self.statuses is not None and project.get("status") not in self.statuses)


@dataclass
class CompiledScenario:
    name: str
    params: dict[str, Any]
    rules: list[CompiledRule]
    modifiers: list[CompiledRule]


@dataclass
class FindingResult:
    rule_key: str
    rule_version: str
    project_id: int
    subject: str
    severity: str
    trace: list[str]
    explanation: str
    remediation: str
    amount_usd: Any
    person_id: int | None = None
    tie_id: int | None = None
    list_entry_id: int | None = None
    match_score: float | None = None
    held_for_review: bool = False

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.rule_key, self.project_id, self.subject)

    def copy(self) -> FindingResult:
        """A copy with its own trace (modifiers append to it); cheaper than replace()."""
        clone = object.__new__(FindingResult)
        clone.__dict__.update(self.__dict__)
        clone.trace = list(self.trace)
        return clone


def _str(path: str, data: Mapping[str, Any], key: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise ConditionError(f"{path}.{key}", "is required text")
    return value


def _codes(path: str, value: Any) -> frozenset[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConditionError(path, "expected a list of codes")
    return frozenset(value)


def compile_rule(
    data: Mapping[str, Any], params: Mapping[str, Any], version: str = ""
) -> CompiledRule:
    """Validate one rule and compile it. Raises ConditionError with the path inside the rule."""
    if not isinstance(data, Mapping):
        raise ConditionError("rule", "expected a mapping")
    unknown = set(data) - RULE_KEYS
    if unknown:
        raise ConditionError("rule", f"unknown key(s) {sorted(unknown)}")
    key = _str("rule", data, "id")
    path = f"rule {key}"
    kind = data.get("kind", "finding")
    if kind not in ("finding", "modifier"):
        raise ConditionError(f"{path}.kind", "expected finding or modifier")
    status = data.get("status", "enacted")
    if status not in RULE_STATUSES:
        raise ConditionError(f"{path}.status", f"expected one of {', '.join(RULE_STATUSES)}")
    severity = data.get("severity", "info")
    if severity not in SEVERITIES:
        raise ConditionError(f"{path}.severity", f"expected one of {', '.join(SEVERITIES)}")
    legal = data.get("legal_basis", {})
    if not isinstance(legal, Mapping) or not isinstance(legal.get("citation"), str):
        raise ConditionError(f"{path}.legal_basis", "needs a citation (and a url)")
    for_each = data.get("for_each", "project")
    if for_each not in SUBJECTS:
        raise ConditionError(f"{path}.for_each", f"expected one of {', '.join(SUBJECTS)}")
    scope = SUBJECTS[for_each] if kind == "finding" else Scope.PROJECT
    applies = data.get("applies_to", {}) or {}
    if not isinstance(applies, Mapping) or set(applies) - {"sponsors", "statuses"}:
        raise ConditionError(f"{path}.applies_to", "takes sponsors and statuses")
    compiler = Compiler(params, for_each if scope == Scope.ITEM else None)
    predicate = compiler.compile(data.get("condition"), f"{path}.condition", scope)
    severity_when: list[tuple[Pred, str]] = []
    for i, item in enumerate(data.get("severity_when", []) or []):
        item_path = f"{path}.severity_when[{i}]"
        if not isinstance(item, Mapping) or set(item) != {"when", "severity"}:
            raise ConditionError(item_path, "takes when and severity")
        if item["severity"] not in SEVERITIES:
            raise ConditionError(
                f"{item_path}.severity", f"expected one of {', '.join(SEVERITIES)}"
            )
        severity_when.append(
            (compiler.compile(item["when"], f"{item_path}.when", scope), item["severity"])
        )
    effect: dict[str, Any] = {}
    if kind == "modifier":
        effect = dict(data.get("effect") or {})
        if not isinstance(effect.get("raise"), int) or effect.get("raise", 0) < 1:
            raise ConditionError(f"{path}.effect.raise", "a modifier raises by a whole number ≥ 1")
        effect.setdefault("max", "high")
        effect.setdefault("subjects", ["tie"])
        if effect["max"] not in SEVERITIES:
            raise ConditionError(f"{path}.effect.max", f"expected one of {', '.join(SEVERITIES)}")
    explanation = data.get("explanation", "")
    if not isinstance(explanation, str):
        raise ConditionError(f"{path}.explanation", "expected text")
    for m in _PLACEHOLDER.finditer(explanation):
        if m.group(0) != "{today}" and m.group(1) not in {
            "project",
            "field",
            "records",
            "person",
            "role",
            "tie",
            "org",
            "match",
            "trip",
            "param",
            "value",
            "institution",
            *(own for own, _o, _d in ITEM_DOMAINS.values()),
        }:
            raise ConditionError(f"{path}.explanation", f"unknown placeholder {m.group(0)}")
        if m.group(1) == "param" and m.group(2) not in params:
            raise ConditionError(f"{path}.explanation", f"unknown parameter {m.group(2)}")
    condition = data.get("condition")
    tie_scope = kind == "finding" and SUBJECTS[for_each] == Scope.TIE
    needs = [tie_need(condition, params)] if tie_scope else []
    needs += quantifier_tie_needs(condition, params)
    for item in data.get("severity_when", []) or []:
        needs += quantifier_tie_needs(item["when"], params)
    return CompiledRule(
        content=data,
        explanation_parts=template_parts(explanation),
        tie_needs=needs,
        tie_kinds=required_tie_kinds(condition, params) if tie_scope else None,
        needs_lists=(
            required_lists(condition, params, through_quantifiers=False) if tie_scope else None
        ),
        key=key,
        version=version,
        title=_str(path, data, "title"),
        legal_basis={"citation": legal["citation"], "url": str(legal.get("url", ""))},
        status=status,
        severity=severity,
        kind=kind,
        for_each=for_each,
        sponsors=_codes(f"{path}.applies_to.sponsors", applies.get("sponsors")),
        statuses=_codes(f"{path}.applies_to.statuses", applies.get("statuses")),
        predicate=predicate,
        severity_when=severity_when,
        remediation=str(data.get("remediation", "")),
        explanation=explanation,
        effect=effect,
    )


def compile_scenario(
    name: str, rules: Sequence[tuple[Mapping[str, Any], str]], params: Mapping[str, Any]
) -> CompiledScenario:
    """rules: (rule content, version label) pairs, in pack order."""
    compiled = [compile_rule(data, params, version) for data, version in rules]
    return CompiledScenario(
        name=name,
        params=dict(params),
        rules=[r for r in compiled if r.kind == "finding"],
        modifiers=[r for r in compiled if r.kind == "modifier"],
    )


def _render(parts: Sequence[TemplatePart], env: Env, params: Mapping[str, Any]) -> str:
    return "".join([p if isinstance(p, str) else _placeholder(p, env, params) for p in parts])


def template_parts(template: str) -> list[TemplatePart]:
    """A template as literal text and (namespace, key) placeholders ("{today}" is
    ("", "today")), split when the rule is compiled: a chunk renders thousands of
    explanations from a few templates."""
    parts: list[TemplatePart] = []
    at = 0
    for m in _PLACEHOLDER.finditer(template):
        parts.append(template[at : m.start()])
        parts.append(("", "today") if m.group(0) == "{today}" else (m.group(1), m.group(2)))
        at = m.end()
    parts.append(template[at:])
    return [p for p in parts if p != ""]


def _placeholder(part: tuple[str, str], env: Env, params: Mapping[str, Any]) -> str:
    ns, key = part
    if ns == "":
        return env.today.isoformat()
    if ns == "param":
        found: Any = params.get(key)
    elif ns == "value":
        found = env.values.get(key)
    else:
        found = (env.ns.get(ns) or {}).get(key)
    if found is None:
        return EMPTY_TEXT.get((ns, key), "?")
    if isinstance(found, date):
        return found.isoformat()
    if isinstance(found, float):
        return f"{found:.2f}"
    if isinstance(found, list | tuple | set | frozenset):
        return ", ".join(sorted(map(str, found)))
    return str(found)


def _shift(severity: str, steps: int, cap: str = "block") -> str:
    rank = min(SEVERITY_RANK[severity] + steps, SEVERITY_RANK[cap])
    return SEVERITIES[max(rank, 0)]


def _subjects(rule: CompiledRule, env: Env) -> Iterable[Any]:
    if rule.for_each == "project":
        return [None]
    if SUBJECTS[rule.for_each] == Scope.TIE:
        return [
            t
            for t in env.domain(rule.for_each)
            if isinstance(t, TieFacts) and rule.tie_may_match(t)
        ]
    return list(env.domain(rule.for_each))


def _finding(
    rule: CompiledRule, env: Env, facts: ProjectFacts, params: Mapping[str, Any]
) -> FindingResult:
    severity = rule.severity
    for when, sev in rule.severity_when:
        mark = len(env.trace)
        if when(env):
            severity = sev
            break
        del env.trace[mark:]
    tie, person, match = env.ns.get("tie"), env.ns.get("person"), env.ns.get("match")
    held = False
    if match is not None:
        if match["decision"] != "accept" and not match.get("confirmed"):
            held = True
            severity = "info"
            env.trace.append(
                "name match awaiting a reviewer's confirmation: held at info, never auto-blocked"
            )
        elif not match.get("listed_now", True):
            lowered = _shift(severity, -1)
            env.trace.append(
                f"entry delisted on {match.get('delisted_on')}: historical exposure, "
                f"{severity} lowered to {lowered}"
            )
            severity = lowered
    if rule.for_each == "project":
        subject = "project"
    elif rule.for_each in ITEM_DOMAINS:
        namespace = ITEM_DOMAINS[rule.for_each][0]
        subject = f"{namespace}:{env.ns[namespace]['id']}"
    elif tie is not None and SUBJECTS[rule.for_each] == Scope.TIE:
        subject = f"tie:{tie['id']}"
    else:
        subject = f"person:{person['id']}" if person else "project"
    explanation = (
        _render(rule.explanation_parts, env, params) if rule.explanation else "; ".join(env.trace)
    )
    return FindingResult(
        rule_key=rule.key,
        rule_version=rule.version,
        project_id=facts.project["id"],
        subject=subject,
        severity=severity,
        trace=list(env.trace),
        explanation=explanation,
        remediation=rule.remediation,
        amount_usd=facts.project.get("amount_usd"),
        person_id=person["id"] if person else None,
        tie_id=tie["id"] if tie else None,
        list_entry_id=match.get("entry_id") if match else None,
        match_score=match.get("score") if match else None,
        held_for_review=held,
    )


def _error_result(rule: CompiledRule, facts: ProjectFacts, exc: Exception) -> FindingResult:
    message = f"{type(exc).__name__}: {exc}"
    return FindingResult(
        rule_key=rule.key,
        rule_version=rule.version,
        project_id=facts.project["id"],
        subject="project",
        severity=ERROR_SEVERITY,
        trace=[message],
        explanation=f"Rule {rule.key} could not be evaluated: {message}",
        remediation="Fix the rule or the project data, then re-check.",
        amount_usd=facts.project.get("amount_usd"),
    )


def _rule_results(
    rule: CompiledRule, facts: ProjectFacts, today: date, params: Mapping[str, Any]
) -> list[FindingResult]:
    """The findings of one rule on one project (before modifiers); an exception is an ERROR."""
    results: list[FindingResult] = []
    if not facts.ties and rule.tie_subjects:  # no tie to bind: nothing to find
        return results
    if rule.for_each in ITEM_DOMAINS and not facts.items.get(rule.for_each):
        return results
    if not rule.applies(facts.project):
        return results
    try:
        base = Env(facts, today, params)
        for binding in _subjects(rule, base):
            env = Env(facts, today, params)
            if binding is not None:
                env.bind(binding)
            if rule.predicate(env):
                results.append(_finding(rule, env, facts, params))
    except Exception as exc:  # one failing rule must not stop the others
        return [_error_result(rule, facts, exc)]
    return results


def _apply_modifiers(
    scenario: CompiledScenario,
    facts: ProjectFacts,
    today: date,
    results: list[FindingResult],
) -> list[FindingResult]:
    for modifier in scenario.modifiers:
        if not modifier.applies(facts.project):
            continue
        env = Env(facts, today, scenario.params)
        try:
            if not modifier.predicate(env):
                continue
        except Exception as exc:
            results.append(_error_result(modifier, facts, exc))
            continue
        subjects = set(modifier.effect["subjects"])
        for result in results:
            kind = result.subject.split(":")[0]
            if result.severity == ERROR_SEVERITY or result.held_for_review or kind not in subjects:
                continue
            if SEVERITY_RANK[result.severity] >= SEVERITY_RANK[modifier.effect["max"]]:
                continue
            raised = _shift(result.severity, modifier.effect["raise"], modifier.effect["max"])
            result.trace.append(
                f"{modifier.key} {modifier.title}: {'; '.join(env.trace)} — "
                f"{result.severity} raised to {raised}"
            )
            result.severity = raised
    return results


def evaluate_project(
    scenario: CompiledScenario, facts: ProjectFacts, today: date
) -> list[FindingResult]:
    results: list[FindingResult] = []
    for rule in scenario.rules:
        results.extend(_rule_results(rule, facts, today, scenario.params))
    return _apply_modifiers(scenario, facts, today, results)


def evaluate(
    scenario: CompiledScenario, projects: Iterable[ProjectFacts], today: date
) -> list[FindingResult]:
    out: list[FindingResult] = []
    for facts in projects:
        out.extend(evaluate_project(scenario, facts, today))
    return out


def evaluate_scenarios(
    scenarios: Sequence[CompiledScenario], projects: Iterable[ProjectFacts], today: date
) -> list[list[FindingResult]]:
    """Evaluate several scenarios over the same facts, once per distinct rule version.

    Scenarios share packs ("Current obligations" is in every one), and a rule version reads
    only its own pack's parameters, so its findings on a project are the same in every
    scenario; each scenario gets its own copies, then its own modifiers.
    """
    out: list[list[FindingResult]] = [[] for _ in scenarios]
    # Each distinct rule version gets a slot in a per-project memo. Modifiers change a
    # scenario's results in place: each scenario but the last one to use a rule version gets
    # copies, the last one the originals.
    versions = dict.fromkeys((r.key, r.version) for sc in scenarios for r in sc.rules)
    slots = {version: n for n, version in enumerate(versions)}
    last_use = {(r.key, r.version): i for i, sc in enumerate(scenarios) for r in sc.rules}
    steps = [
        [
            (rule, slots[(rule.key, rule.version)], last_use[(rule.key, rule.version)] == i)
            for rule in scenario.rules
        ]
        for i, scenario in enumerate(scenarios)
    ]
    for facts in projects:
        memo: list[list[FindingResult] | None] = [None] * len(slots)
        for i, scenario in enumerate(scenarios):
            results: list[FindingResult] = []
            for rule, slot, last in steps[i]:
                found = memo[slot]
                if found is None:
                    found = memo[slot] = _rule_results(rule, facts, today, scenario.params)
                if not found:  # most rules find nothing on most projects
                    continue
                results += found if last else [r.copy() for r in found]
            out[i].extend(_apply_modifiers(scenario, facts, today, results))
    return out
