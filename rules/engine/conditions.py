"""The condition language: validation and compilation to closures.

A condition is a JSON/YAML tree. Nothing in it is executed as code: every node is
looked up in the tables below, every fact in FACTS, and values are literals,
``{param: NAME}``, ``{date: today|YYYY-MM-DD, minus_years: N, minus_days: N}`` or
``{fact: NAME}``. Validation reports the path inside the rule and a readable message.

Node forms (see docs/rules.md):
    {all: [c, ...]}  {any: [c, ...]}  {not: c}  {always: true}
    {fact: NAME, OP: VALUE}                       OP in OPERATORS
    {some|no|every: DOMAIN, where: c}             DOMAIN in DOMAINS
    {tie_within: {years: N}}                      tie period overlaps the look-back window
    {listed: {lists: [CODE, ...], when: during_tie|now|either}}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from rules.engine.env import Env
from rules.engine.items import binds_organisation, in_force, item_scope_problem
from rules.engine.types import (
    DOMAINS,
    FACTS,
    ITEM_DOMAINS,
    MEMBERSHIP_WHEN,
    NAMESPACE_SCOPE,
    Scope,
    T,
)

Pred = Callable[[Env], bool]

# Trip scope branches off person scope: project and person facts are available in it, tie
# facts are not, and trip facts only there (see _available). Item scope (rules.engine.items)
# is checked by item_scope_problem.
SCOPE_ORDER = {
    Scope.PROJECT: 0,
    Scope.PERSON: 1,
    Scope.TIE: 2,
    Scope.MATCH: 3,
    Scope.TRIP: 1,
    Scope.ITEM: 1,
}


def _available(needed: Scope, scope: Scope) -> bool:
    if needed == Scope.TRIP:
        return scope == Scope.TRIP
    return SCOPE_ORDER[needed] <= SCOPE_ORDER[scope]


# operator -> fact types it accepts
OPERATORS: dict[str, frozenset[T]] = {
    "eq": frozenset({T.STR, T.NUM, T.BOOL, T.DATE}),
    "ne": frozenset({T.STR, T.NUM, T.BOOL, T.DATE}),
    "lt": frozenset({T.NUM, T.DATE}),
    "le": frozenset({T.NUM, T.DATE}),
    "gt": frozenset({T.NUM, T.DATE}),
    "ge": frozenset({T.NUM, T.DATE}),
    "before": frozenset({T.DATE}),
    "after": frozenset({T.DATE}),
    "on_or_before": frozenset({T.DATE}),
    "on_or_after": frozenset({T.DATE}),
    "in": frozenset({T.STR, T.NUM}),
    "not_in": frozenset({T.STR, T.NUM}),
    "contains": frozenset({T.SET}),
    "contains_any": frozenset({T.SET}),
    "contains_all": frozenset({T.SET}),
    "is_empty": frozenset({T.SET, T.STR, T.DATE}),
}
_CMP: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
}
_CMP["before"], _CMP["after"] = _CMP["lt"], _CMP["gt"]
_CMP["on_or_before"], _CMP["on_or_after"] = _CMP["le"], _CMP["ge"]

STRUCTURAL = {"all", "any", "not", "always", "some", "no", "every", "tie_within", "listed"}


class ConditionError(ValueError):
    """Invalid rule content: `path` says where inside the rule."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def _years_ago(today: date, years: float) -> date:
    whole = int(years)
    try:
        shifted = today.replace(year=today.year - whole)
    except ValueError:  # 29 February
        shifted = today.replace(year=today.year - whole, day=28)
    extra_days = round((years - whole) * 365.25)
    return date.fromordinal(shifted.toordinal() - extra_days)


class Compiler:
    """Compile a condition tree against scenario parameters into a predicate."""

    def __init__(self, params: Mapping[str, Any], item_domain: str | None = None) -> None:
        self.params = params
        self.item_domain = item_domain  # the item domain bound in item scope

    # -- values ---------------------------------------------------------------------

    def param(self, path: str, name: Any) -> Any:
        if not isinstance(name, str) or name not in self.params:
            known = ", ".join(sorted(self.params)) or "none"
            raise ConditionError(path, f"unknown parameter {name!r} (parameters: {known})")
        return self.params[name]

    def number(self, path: str, value: Any) -> float:
        if isinstance(value, Mapping) and set(value) == {"param"}:
            value = self.param(f"{path}.param", value["param"])
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConditionError(path, f"expected a number, got {value!r}")
        return float(value)

    def date_value(self, path: str, value: Any) -> Callable[[Env], date]:
        if isinstance(value, Mapping) and set(value) == {"param"}:
            value = self.param(f"{path}.param", value["param"])
        if isinstance(value, date):
            fixed = value
            return lambda env: fixed
        if isinstance(value, str):
            try:
                fixed = date.fromisoformat(value)
            except ValueError:
                raise ConditionError(path, f"expected a date YYYY-MM-DD, got {value!r}") from None
            return lambda env: fixed
        if isinstance(value, Mapping) and "date" in value:
            unknown = set(value) - {"date", "minus_years", "minus_days"}
            if unknown:
                raise ConditionError(path, f"unknown date option(s) {sorted(unknown)}")
            base = value["date"]
            years = self.number(f"{path}.minus_years", value.get("minus_years", 0))
            days = self.number(f"{path}.minus_days", value.get("minus_days", 0))
            if base == "today":
                return lambda env: date.fromordinal(
                    _years_ago(env.today, years).toordinal() - int(days)
                )
            start = self.date_value(f"{path}.date", base)
            return lambda env: date.fromordinal(
                _years_ago(start(env), years).toordinal() - int(days)
            )
        raise ConditionError(path, f"expected a date or a date expression, got {value!r}")

    def typed_value(self, path: str, kind: T, op: str, value: Any) -> Callable[[Env], Any]:
        if isinstance(value, Mapping) and set(value) == {"fact"}:
            other = self.fact_type(f"{path}.fact", value["fact"])
            if other != kind:
                raise ConditionError(path, f"cannot compare {kind.value} with {other.value}")
            return getter(value["fact"])
        if kind == T.DATE and op != "is_empty":
            return self.date_value(path, value)
        if isinstance(value, Mapping) and set(value) == {"param"}:
            value = self.param(f"{path}.param", value["param"])
        if op in ("in", "not_in", "contains_any", "contains_all"):
            if not isinstance(value, list | tuple | set | frozenset):
                raise ConditionError(path, f"{op} needs a list, got {value!r}")
            item_type = T.STR if kind == T.SET else kind
            for i, item in enumerate(value):
                self.check_literal(f"{path}[{i}]", item_type, item)
            frozen = frozenset(value)
            return lambda env: frozen
        if op == "is_empty":
            if not isinstance(value, bool):
                raise ConditionError(path, "is_empty takes true or false")
            return lambda env: value
        self.check_literal(path, T.STR if kind == T.SET else kind, value)
        return lambda env: value

    @staticmethod
    def check_literal(path: str, kind: T, value: Any) -> None:
        ok = {
            T.STR: isinstance(value, str),
            T.NUM: isinstance(value, int | float) and not isinstance(value, bool),
            T.BOOL: isinstance(value, bool),
        }.get(kind, False)
        if not ok:
            raise ConditionError(path, f"expected {kind.value}, got {value!r}")

    @staticmethod
    def fact_type(path: str, name: Any) -> T:
        if not isinstance(name, str) or name not in FACTS:
            raise ConditionError(
                path, f"unknown fact {name!r}; see docs/rules.md for the vocabulary"
            )
        return FACTS[name][0]

    # -- nodes --------------------------------------------------------------------------

    def compile(self, node: Any, path: str = "condition", scope: Scope = Scope.PROJECT) -> Pred:
        if not isinstance(node, Mapping) or not node:
            raise ConditionError(path, f"expected a condition (a mapping), got {node!r}")
        if "fact" in node:
            return self.leaf(node, path, scope)
        keys = set(node)
        if len(keys & STRUCTURAL) != 1:
            raise ConditionError(path, f"unknown operator(s) {sorted(keys)}")
        [head] = keys & STRUCTURAL
        if head in ("all", "any"):
            if keys != {head} or not isinstance(node[head], list) or not node[head]:
                raise ConditionError(path, f"{head} takes a non-empty list of conditions")
            parts = [
                self.compile(c, f"{path}.{head}[{i}]", scope) for i, c in enumerate(node[head])
            ]
            return _all(parts) if head == "all" else _any(parts)
        if head == "not":
            inner = self.compile(node["not"], f"{path}.not", scope)
            return _not(inner)
        if head == "always":
            if node["always"] is not True:
                raise ConditionError(path, "always takes true")
            return lambda env: True
        if head in ("some", "no", "every"):
            return self.quantifier(head, node, path, scope)
        if head == "tie_within":
            return self.tie_within(node, path, scope)
        return self.listed(node, path, scope)

    def leaf(self, node: Mapping[str, Any], path: str, scope: Scope) -> Pred:
        name = node["fact"]
        kind = self.fact_type(f"{path}.fact", name)
        namespace = name.split(".")[0]
        needed = NAMESPACE_SCOPE[namespace]
        if scope == Scope.ITEM or needed == Scope.ITEM:
            problem = item_scope_problem(namespace, scope, self.item_domain)
            if problem is not None:
                raise ConditionError(f"{path}.fact", problem)
        elif not _available(needed, scope):
            raise ConditionError(
                f"{path}.fact",
                f"{name} is only available inside a quantifier over "
                f"{'ties' if needed == Scope.TIE else needed.value + 's'}",
            )
        ops = set(node) - {"fact"}
        if len(ops) != 1:
            raise ConditionError(path, f"a fact test takes exactly one operator, got {sorted(ops)}")
        [op] = ops
        if op not in OPERATORS:
            raise ConditionError(path, f"unknown operator {op!r}; known: {', '.join(OPERATORS)}")
        if kind not in OPERATORS[op]:
            raise ConditionError(path, f"operator {op} does not apply to {name} ({kind.value})")
        value = self.typed_value(f"{path}.{op}", kind, op, node[op])
        get = getter(name)
        label = f"{name} {op}"
        return _leaf(op, get, value, label)

    def quantifier(self, head: str, node: Mapping[str, Any], path: str, scope: Scope) -> Pred:
        if set(node) != {head, "where"}:
            raise ConditionError(path, f"{head} takes a domain and where")
        domain = node[head]
        if domain not in DOMAINS:
            raise ConditionError(
                f"{path}.{head}", f"unknown domain {domain!r}; known: {', '.join(DOMAINS)}"
            )
        needs, inner_scope, _doc = DOMAINS[domain]
        if scope == Scope.ITEM:
            raise ConditionError(f"{path}.{head}", "no quantifier inside an item domain")
        if SCOPE_ORDER[needs] > SCOPE_ORDER[scope]:
            raise ConditionError(f"{path}.{head}", f"{domain} needs {needs.value} scope")
        if domain not in ITEM_DOMAINS:
            where = self.compile(node["where"], f"{path}.where", inner_scope)
            return _quantifier(head, domain, where)
        outer, self.item_domain = self.item_domain, domain
        try:
            where = self.compile(node["where"], f"{path}.where", inner_scope)
        finally:
            self.item_domain = outer
        return _quantifier(head, domain, where)

    def tie_within(self, node: Mapping[str, Any], path: str, scope: Scope) -> Pred:
        if scope == Scope.ITEM or SCOPE_ORDER[scope] < SCOPE_ORDER[Scope.TIE]:
            raise ConditionError(path, "tie_within is only available in tie scope")
        spec = node["tie_within"]
        if not isinstance(spec, Mapping) or set(spec) != {"years"}:
            raise ConditionError(f"{path}.tie_within", "takes {years: N}")
        years = self.number(f"{path}.tie_within.years", spec["years"])

        def within(env: Env) -> bool:
            window_start = _years_ago(env.today, years)
            tie = env.ns["tie"]
            end = tie.get("end_date")
            start = tie.get("start_date")
            ok = (end is None or end >= window_start) and (start is None or start <= env.today)
            if ok:
                env.trace.append(
                    f"tie period {_period(start, end)} is within the {years:g}-year look-back "
                    f"ending {env.today.isoformat()}"
                )
                env.values["lookback_years"] = f"{years:g}"
                env.values["lookback_start"] = window_start.isoformat()
            return ok

        return within

    def listed(self, node: Mapping[str, Any], path: str, scope: Scope) -> Pred:
        if scope == Scope.ITEM:
            if not binds_organisation(self.item_domain):
                raise ConditionError(path, f"listed is not available inside {self.item_domain}")
        elif SCOPE_ORDER[scope] < SCOPE_ORDER[Scope.TIE]:
            raise ConditionError(
                path, "listed is only available in tie scope (or over an item with an organisation)"
            )
        spec = node["listed"]
        if not isinstance(spec, Mapping) or "lists" not in spec:
            raise ConditionError(f"{path}.listed", "takes {lists: [...], when: ...}")
        unknown = set(spec) - {"lists", "when", "min_score"}
        if unknown:
            raise ConditionError(f"{path}.listed", f"unknown option(s) {sorted(unknown)}")
        lists = spec["lists"]
        if isinstance(lists, Mapping) and set(lists) == {"param"}:
            lists = self.param(f"{path}.listed.lists.param", lists["param"])
        if not isinstance(lists, list | tuple) or not all(isinstance(x, str) for x in lists):
            raise ConditionError(f"{path}.listed.lists", "expected a list of list codes")
        when = spec.get("when", "either")
        if when not in MEMBERSHIP_WHEN:
            raise ConditionError(
                f"{path}.listed.when", f"expected one of {', '.join(MEMBERSHIP_WHEN)}"
            )
        min_score = self.number(f"{path}.listed.min_score", spec.get("min_score", 0))
        return _listed(frozenset(lists), when, min_score)


# -- runtime pieces (closures) ---------------------------------------------------------


def getter(name: str) -> Callable[[Env], Any]:
    ns, key = name.split(".", 1)
    if name == "tie.ongoing":
        return lambda env: _ongoing(env.ns["tie"], env.today)
    if name == "tie.project_scoped":
        return lambda env: env.ns["tie"].get("project_id") == env.ns["project"]["id"]
    if name == "tie.disclosed":
        return lambda env: bool(env.ns["tie"].get("disclosed_in"))
    if name == "trip.preauthorised":
        return lambda env: env.ns["trip"].get("preauthorised_on") is not None
    if name == "agreement.in_force":
        return lambda env: in_force(env.ns["agreement"], env.today)
    return lambda env: env.ns[ns].get(key)


def _ongoing(tie: Mapping[str, Any], today: date) -> bool:
    """A tie ended on its end date: ending it today (the portal's default) ends it now."""
    end = tie.get("end_date")
    return end is None or end > today


def _period(start: date | None, end: date | None) -> str:
    return f"{start.isoformat() if start else '?'} to {end.isoformat() if end else 'ongoing'}"


def _show(value: Any) -> str:
    if isinstance(value, frozenset):  # mostly the same few objects (a rule's kinds or lists)
        seen = _SHOWN.get(id(value))
        if seen is not None and seen[0] is value:
            return seen[1]
        if len(_SHOWN) > 10_000:
            _SHOWN.clear()
        shown = _set_text(value)
        _SHOWN[id(value)] = (value, shown)  # the set held: its id is not reused meanwhile
        return shown
    if isinstance(value, set):
        return _set_text(value)
    if isinstance(value, date):
        return value.isoformat()
    return repr(value)


def _set_text(value: set[Any] | frozenset[Any]) -> str:
    return "[" + ", ".join(sorted(map(str, value))) + "]"


_SHOWN: dict[int, tuple[frozenset[Any], str]] = {}


def _leaf(op: str, get: Callable[[Env], Any], value: Callable[[Env], Any], label: str) -> Pred:
    if op in _CMP:
        cmp = _CMP[op]

        def compare(env: Env) -> bool:
            actual, expected = get(env), value(env)
            if actual is None or expected is None:
                return False
            if cmp(actual, expected):
                env.trace.append(f"{label} {_show(expected)}: {_show(actual)}")
                return True
            return False

        return compare

    def test(env: Env) -> bool:
        actual, expected = get(env), value(env)
        if op == "in":
            ok = actual in expected
        elif op == "not_in":
            ok = actual not in expected
        elif op == "contains":
            ok = expected in (actual or ())
        elif op == "contains_any":
            ok = bool(expected & frozenset(actual or ()))
        elif op == "contains_all":
            ok = expected <= frozenset(actual or ())
        else:  # is_empty
            ok = (not actual) == expected
        if ok:
            env.trace.append(f"{label} {_show(expected)}: {_show(actual)}")
        return ok

    return test


def _all(parts: list[Pred]) -> Pred:
    def all_(env: Env) -> bool:
        mark = len(env.trace)
        for part in parts:
            if not part(env):
                del env.trace[mark:]
                return False
        return True

    return all_


def _any(parts: list[Pred]) -> Pred:
    def any_(env: Env) -> bool:
        mark = len(env.trace)
        for part in parts:
            if part(env):
                return True
            del env.trace[mark:]
        return False

    return any_


def _not(inner: Pred) -> Pred:
    def not_(env: Env) -> bool:
        mark = len(env.trace)
        saved = env.save()
        result = inner(env)
        del env.trace[mark:]
        env.restore(saved)
        return not result

    return not_


def _quantifier(head: str, domain: str, where: Pred) -> Pred:
    def quantify(env: Env) -> bool:
        mark = len(env.trace)
        saved = env.save()
        for binding in env.domain(domain):
            env.bind(binding)
            if where(env):
                if head == "some":
                    return True  # keep the satisfying binding for the explanation
                if head == "no":
                    del env.trace[mark:]
                    env.restore(saved)
                    return False
            elif head == "every":
                del env.trace[mark:]
                env.restore(saved)
                return False
            del env.trace[mark:]
        env.restore(saved)
        if head == "some":
            return False
        env.trace.append(f"{head} {domain} matched" if head == "every" else f"no {domain} matched")
        return True

    return quantify


def _listed(lists: frozenset[str], when: str, min_score: float) -> Pred:
    def listed(env: Env) -> bool:
        start, end = env.period()
        best: dict[str, Any] | None = None
        best_rank = (-1, -1.0)
        for match in env.matches():
            if match["list"] not in lists or match["score"] < min_score:
                continue
            listed_on, delisted_on = match.get("listed_on"), match.get("delisted_on")
            now = (listed_on is None or listed_on <= env.today) and (
                delisted_on is None or delisted_on > env.today
            )
            tie_end = end or env.today
            during = (listed_on is None or start is None or listed_on <= tie_end) and (
                delisted_on is None or start is None or delisted_on > start
            )
            ok = {"now": now, "during_tie": during, "either": now or during}[when]
            if not ok:
                continue
            rank = (
                1 if match.get("confirmed") or match["decision"] == "accept" else 0,
                match["score"],
            )
            if rank > best_rank:
                best, best_rank = dict(match, listed_now=now), rank
        if best is None:
            return False
        env.ns["match"] = best
        note = "" if best["listed_now"] else f", delisted {best['delisted_on']}"
        via = f" via alias '{best['alias']}'" if best.get("alias") else ""
        env.trace.append(
            f"{env.ns['org'].get('name')} matches {best['list']} entry "
            f"'{best['entry_name']}' (score {best['score']:.2f}{via}, {best['decision']}"
            f"{note}; membership {when})"
        )
        return True

    return listed
