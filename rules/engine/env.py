"""Facts handed to the engine, and the evaluation environment conditions run in."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rules.engine.types import ITEM_DOMAINS


@dataclass(slots=True)
class TieFacts:
    tie: dict[str, Any]
    org: dict[str, Any]
    person: dict[str, Any]
    role: dict[str, Any]  # the person's role on the project being evaluated
    matches: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class ItemFacts:
    """One item of a project other than a tie (types.ITEM_DOMAINS): its namespaces (its own,
    and `org` / `person` where the domain binds them), the list matches of its organisation,
    and its period (for `listed`: membership during the item's period)."""

    ns: dict[str, dict[str, Any]]
    matches: list[dict[str, Any]] = field(default_factory=list)
    start: date | None = None
    end: date | None = None


@dataclass(slots=True)
class ProjectFacts:
    project: dict[str, Any]
    field: dict[str, Any]
    people: list[tuple[dict[str, Any], dict[str, Any]]]  # (person, role)
    ties: list[TieFacts]
    # Which kinds of person records the portfolio holds at all (records.training, ...): a
    # missing record only counts as a gap where the institution keeps such records.
    records: dict[str, bool] = dataclasses.field(default_factory=dict)
    # Items by domain (equipment, components, patents, agreements); empty when none.
    items: dict[str, list[ItemFacts]] = dataclasses.field(default_factory=dict)
    institution: dict[str, Any] = dataclasses.field(default_factory=dict)


Binding = dict[str, Any] | TieFacts | ItemFacts


class Env:
    """Mutable state of one evaluation: bound namespaces, the trace, template values."""

    __slots__ = ("current_item", "current_tie", "facts", "ns", "today", "trace", "values")

    def __init__(self, facts: ProjectFacts, today: date, params: Mapping[str, Any]) -> None:
        self.facts = facts
        self.today = today
        self.ns: dict[str, Any] = {
            "project": facts.project,
            "field": facts.field,
            "records": facts.records,
            "institution": facts.institution,
        }
        self.trace: list[str] = []
        self.values: dict[str, str] = {}
        self.current_tie: TieFacts | None = None
        self.current_item: ItemFacts | None = None

    def save(self) -> tuple[dict[str, Any], TieFacts | None, ItemFacts | None]:
        return dict(self.ns), self.current_tie, self.current_item

    def restore(self, saved: tuple[dict[str, Any], TieFacts | None, ItemFacts | None]) -> None:
        self.ns, self.current_tie, self.current_item = dict(saved[0]), saved[1], saved[2]

    def bind(self, binding: Binding) -> None:
        if isinstance(binding, TieFacts):
            self.ns["tie"], self.ns["org"] = binding.tie, binding.org
            self.ns["person"], self.ns["role"] = binding.person, binding.role
            self.ns.pop("match", None)
            self.current_tie = binding
        elif isinstance(binding, ItemFacts):
            self.ns.update(binding.ns)
            self.ns.pop("match", None)
            self.current_item = binding
        else:
            self.ns.update(binding)

    def matches(self) -> list[dict[str, Any]]:
        if self.current_item is not None:
            return self.current_item.matches
        return self.current_tie.matches if self.current_tie is not None else []

    def period(self) -> tuple[date | None, date | None]:
        """The bound tie's or item's period (list membership "during" it)."""
        if self.current_item is not None:
            return self.current_item.start, self.current_item.end
        tie = self.ns["tie"]
        return tie.get("start_date"), tie.get("end_date")

    def domain(self, name: str) -> Iterator[Binding]:
        facts = self.facts
        project_id = facts.project["id"]
        if name in ("people", "key_people"):
            for person, role in facts.people:
                if name == "people" or role.get("is_key"):
                    yield {"person": person, "role": role}
        elif name == "ties":
            yield from facts.ties
        elif name == "key_ties":
            for t in facts.ties:
                if t.role.get("is_key") or t.tie.get("project_id") == project_id:
                    yield t
        elif name == "project_ties":
            for t in facts.ties:
                if t.tie.get("project_id") == project_id:
                    yield t
        elif name == "person_ties":
            person_id = self.ns["person"]["id"]
            for t in facts.ties:
                if t.person["id"] == person_id:
                    yield t
        elif name == "person_trips":
            for trip in self.ns["person"].get("trips", ()):
                yield {"trip": trip}
        elif name == "matches":
            for m in self.matches():
                yield {"match": m}
        elif name in facts.items or name in ITEM_DOMAINS:
            yield from facts.items.get(name, ())
        else:  # validated at compile time
            raise KeyError(name)
