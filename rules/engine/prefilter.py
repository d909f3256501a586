"""Which ties can the rules of some scenarios look at? Facts are built for those only.

Most ties of a portfolio (co-authorships with unlisted universities, say) cannot satisfy any
rule: every rule that binds a tie requires a tie kind, a list match or an organisation
country. A tie is kept for a project when some rule that applies to the project may use it;
dropping the others changes no finding (`some`/`no` quantifiers and subject loops only ask
whether a tie satisfies a condition; `every` keeps all ties).
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from rules.engine.analysis import TieNeed, required_tie_kinds
from rules.engine.conditions import Compiler, ConditionError, Pred
from rules.engine.env import Env
from rules.engine.evaluate import CompiledRule, CompiledScenario
from rules.engine.types import Scope


@dataclass(frozen=True)
class TieGuard:
    sponsors: frozenset[str] | None
    statuses: frozenset[str] | None
    kinds: frozenset[str] | None
    lists: frozenset[str] | None
    test: Pred | None
    facts: frozenset[str] = frozenset()  # the facts `test` reads

    def applies(self, project: Mapping[str, Any]) -> bool:
        if self.sponsors is not None and project.get("sponsor") not in self.sponsors:
            return False
        return self.statuses is None or project.get("status") in self.statuses


@dataclass(frozen=True)
class TieNarrowing:
    """The ties worth fetching: of one of these kinds, or to an organisation matched on one of
    these lists. Coarser than TieFilter.may_keep (every tie it keeps is kept here), and simple
    enough for SQL: in a full re-check three ties in four are co-authorships, consultancies
    and the like with unlisted organisations, which no rule can use."""

    kinds: frozenset[str]
    lists: frozenset[str]


class _Probe:
    """Just enough of an Env for conditions on static tie facts."""

    __slots__ = ("ns", "today", "trace", "values")

    def __init__(self) -> None:
        self.ns: dict[str, Any] = {}
        self.trace: list[str] = []
        self.values: dict[str, str] = {}
        self.today = None


class TieFilter:
    """Bit masks: a tie's guards (which rules may use it) against a project's guards (which
    rules apply to it); the tie is kept when they share a bit."""

    def __init__(self, guards: list[TieGuard]) -> None:
        self.guards = guards
        self._by_kind: dict[str, list[tuple[int, TieGuard]]] = {}
        self._project_masks: dict[tuple[Any, Any], int] = {}
        self._probe = _Probe()
        # A tie's mask depends only on its kind, its lists and the facts the tests read.
        self._readers: dict[tuple[str, frozenset[str]], tuple[Any, ...]] = {}
        self._masks: dict[tuple[Any, ...], int] = {}
        self._may_keep: dict[tuple[str, frozenset[str]], bool] = {}
        self._row_maskers: dict[tuple[str, ...], RowMasker] = {}

    @classmethod
    def for_scenarios(cls, scenarios: Iterable[CompiledScenario]) -> TieFilter | None:
        """None when some rule may look at every tie (nothing can be dropped)."""
        found: dict[str, TieGuard] = {}
        for scenario in scenarios:
            for rule in [*scenario.rules, *scenario.modifiers]:
                for need in rule.tie_needs:
                    if need.everything and rule.sponsors is None and rule.statuses is None:
                        return None
                    key = _guard_key(rule, need)
                    if key not in found:
                        found[key] = _guard(rule, need)
        return cls(list(found.values()))

    @property
    def narrowing(self) -> TieNarrowing | None:
        """What the database can drop before any tie is fetched: a tie no guard can admit on
        its kind and list matches alone (may_keep). None when some guard admits ties of any
        kind without a list match (nothing can be dropped on kind and lists)."""
        if not self.guards:
            return None
        kinds: set[str] = set()
        lists: set[str] = set()
        for guard in self.guards:
            if guard.lists is not None:
                lists |= guard.lists
            elif guard.kinds is not None:
                kinds |= guard.kinds
            else:
                return None
        return TieNarrowing(frozenset(kinds), frozenset(lists))

    def _candidates(self, kind: str) -> list[tuple[int, TieGuard]]:
        found = self._by_kind.get(kind)
        if found is None:
            found = [
                (1 << i, g) for i, g in enumerate(self.guards) if g.kinds is None or kind in g.kinds
            ]
            self._by_kind[kind] = found
        return found

    def may_keep(self, kind: str, lists: frozenset[str]) -> bool:
        """False when no guard can admit a tie of this kind with these list matches (the
        guards' other tests aside): a cheap first cut."""
        key = (kind, lists)
        found = self._may_keep.get(key)
        if found is None:
            found = self._may_keep[key] = any(
                g.lists is None or bool(g.lists & lists) for _bit, g in self._candidates(kind)
            )
        return found

    def tie_mask(self, tie: dict[str, Any], org: dict[str, Any], lists: frozenset[str]) -> int:
        kind = tie["kind"]
        readers = self._readers.get((kind, lists))
        if readers is None:
            names = self.facts_read(kind, lists)
            readers = self._readers[(kind, lists)] = tuple(_reader(name) for name in names)
        key = (kind, lists, *[read(tie, org) for read in readers])
        mask = self._masks.get(key)
        if mask is None:
            mask = self._masks[key] = self._tie_mask(tie, org, lists)
        return mask

    def facts_read(self, kind: str, lists: frozenset[str]) -> list[str]:
        """The facts read by the tests of the guards that may admit a tie of this kind with
        these list matches (its kind aside): a tie's mask depends on nothing else."""
        return sorted(
            {
                name
                for _bit, g in self._candidates(kind)
                if g.test is not None and (g.lists is None or g.lists & lists)
                for name in g.facts
            }
            - {"tie.kind"}
        )

    def row_masker(self, columns: Sequence[str]) -> RowMasker:
        """tie_mask for ties still database rows with these columns (see RowMasker)."""
        masker = self._row_maskers.get(tuple(columns))
        if masker is None:
            masker = self._row_maskers[tuple(columns)] = RowMasker(self, columns)
        return masker

    def _tie_mask(
        self, tie: dict[str, Any], org: dict[str, Any], lists: frozenset[str] | set[str]
    ) -> int:
        mask = 0
        probe = self._probe
        for bit, guard in self._candidates(tie["kind"]):
            if guard.lists is not None and not guard.lists & lists:
                continue
            if guard.test is not None:
                probe.ns = {"tie": tie, "org": org}
                try:
                    ok = guard.test(cast(Env, probe))
                except Exception:  # let the rule itself report the error
                    ok = True
                probe.trace.clear()
                if not ok:
                    continue
            mask |= bit
        return mask

    def project_mask(self, project: Mapping[str, Any]) -> int:
        key = (project.get("sponsor"), project.get("status"))
        mask = self._project_masks.get(key)
        if mask is None:
            mask = sum(1 << i for i, g in enumerate(self.guards) if g.applies(project))
            self._project_masks[key] = mask
        return mask


class RowMasker:
    """Tie masks from database rows (`columns` name a row's values: a tie's field names with
    "person_id" and "organisation_id"), before the ties' dicts are built: a full re-check
    drops more than half of the ties it fetches, and building their dicts first cost more
    than the test.

    A mask depends on the tie's kind, its organisation's list matches and the values the
    guards' tests read. A mask's key is (kind, org_part(), getter(kind, lists)(row)): the
    caller keeps each organisation's part as long as it keeps the organisation's facts,
    looks masks up in `masks` and calls learn() for a key not seen yet."""

    def __init__(self, tie_filter: TieFilter, columns: Sequence[str]) -> None:
        self.filter = tie_filter
        self.columns = {name: i for i, name in enumerate(columns)}
        self.masks: dict[tuple[Any, ...], int] = {}
        self.getters: dict[tuple[str, frozenset[str]], Callable[..., tuple[Any, ...]]] = {}
        # Organisation facts any guard reads (a key may hold more than a kind's guards read).
        self.org_keys = sorted(
            {
                name.split(".", 1)[1]
                for g in tie_filter.guards
                for name in g.facts
                if name.startswith("org.")
            }
        )

    def org_part(self, org: dict[str, Any], lists: frozenset[str]) -> tuple[Any, ...]:
        return (lists, *[_hashable(org.get(k)) for k in self.org_keys])

    def getter(self, kind: str, lists: frozenset[str]) -> Callable[..., tuple[Any, ...]]:
        """row -> the row values the guards that may admit this tie read (a tie fact that is
        no column, like kind_label, follows from the kind, already in the key)."""
        found = self.getters.get((kind, lists))
        if found is not None:
            return found
        tie_at: list[int] = []
        for name in self.filter.facts_read(kind, lists):
            space, key = _fact_key(name)
            if space == "tie" and (at := self.columns.get(key)) is not None:
                tie_at.append(at)
        kind_at = self.columns["kind"]  # twice: a tuple however few values are read
        found = self.getters[(kind, lists)] = operator.itemgetter(kind_at, kind_at, *tie_at)
        return found

    def learn(
        self, key: tuple[Any, ...], tie: dict[str, Any], org: dict[str, Any], lists: frozenset[str]
    ) -> int:
        mask = self.masks[key] = self.filter._tie_mask(tie, org, lists)
        return mask


def _fact_key(name: str) -> tuple[str, str]:
    """A guard's fact as (tie or org, the key of its value in the tie's or organisation's
    facts, which is also the tie's column)."""
    space, key = name.split(".", 1)
    if space not in ("tie", "org"):
        raise KeyError(f"a tie guard reads {name}: only tie and org facts are known here")
    if name == "tie.disclosed":  # a tie fact named otherwise than its column
        key = "disclosed_in"
    return space, key


def _hashable(value: Any) -> Any:
    """A value as a key part: a list (a JSON value not read as text) made a set."""
    return frozenset(value) if isinstance(value, list | tuple | set) else value


def hashable_row(values: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(_hashable(v) for v in values)


def _guard_key(rule: CompiledRule, need: TieNeed) -> str:
    return json.dumps(
        [
            sorted(rule.sponsors) if rule.sponsors is not None else None,
            sorted(rule.statuses) if rule.statuses is not None else None,
            sorted(need.lists) if need.lists is not None else None,
            need.tests,
        ],
        sort_keys=True,
        default=str,
    )


def _guard(rule: CompiledRule, need: TieNeed) -> TieGuard:
    test = None
    kinds = None
    if need.tests:
        condition = {"all": list(need.tests)}
        try:
            test = Compiler({}).compile(condition, f"{rule.key} prefilter", Scope.TIE)
        except ConditionError:  # a weaker guard is still a safe one
            test = None
        kinds = required_tie_kinds(condition, {})
    facts = frozenset(_fact_names(need.tests))
    return TieGuard(rule.sponsors, rule.statuses, kinds, need.lists, test, facts)


def _fact_names(node: Any) -> set[str]:
    if isinstance(node, Mapping):
        own = {node["fact"]} if isinstance(node.get("fact"), str) else set()
        return own.union(*(_fact_names(v) for v in node.values()))
    if isinstance(node, list | tuple):
        return set().union(*(_fact_names(v) for v in node))
    return set()


def _reader(name: str) -> Any:
    """A function (tie, org) -> the fact's value, hashable (a mask cache key part)."""
    space, key = _fact_key(name)

    def read(tie: dict[str, Any], org: dict[str, Any]) -> Any:
        value = (tie if space == "tie" else org).get(key)
        return frozenset(value) if isinstance(value, set | list) else value

    return read
