"""Facts handed to the engine, and the evaluation environment conditions run in."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(slots=True)
class TieFacts:
    tie: dict[str, Any]
    org: dict[str, Any]
    person: dict[str, Any]
    role: dict[str, Any]  # the person's role on the project being evaluated
    matches: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class ProjectFacts:
    project: dict[str, Any]
    field: dict[str, Any]
    people: list[tuple[dict[str, Any], dict[str, Any]]]  # (person, role)
    ties: list[TieFacts]
    # Which kinds of person records the portfolio holds at all (records.training, ...): a
    # missing record only counts as a gap where the institution keeps such records.
    records: dict[str, bool] = dataclasses.field(default_factory=dict)


Binding = dict[str, Any] | TieFacts


class Env:
    """Mutable state of one evaluation: bound namespaces, the trace, template values."""

    __slots__ = ("current_tie", "facts", "ns", "today", "trace", "values")

    def __init__(self, facts: ProjectFacts, today: date, params: Mapping[str, Any]) -> None:
        self.facts = facts
        self.today = today
        self.ns: dict[str, Any] = {
            "project": facts.project,
            "field": facts.field,
            "records": facts.records,
        }
        self.trace: list[str] = []
        self.values: dict[str, str] = {}
        self.current_tie: TieFacts | None = None

    def save(self) -> tuple[dict[str, Any], TieFacts | None]:
        return dict(self.ns), self.current_tie

    def restore(self, saved: tuple[dict[str, Any], TieFacts | None]) -> None:
        self.ns, self.current_tie = dict(saved[0]), saved[1]

    def bind(self, binding: Binding) -> None:
        if isinstance(binding, TieFacts):
            self.ns["tie"], self.ns["org"] = binding.tie, binding.org
            self.ns["person"], self.ns["role"] = binding.person, binding.role
            self.ns.pop("match", None)
            self.current_tie = binding
        else:
            self.ns.update(binding)

    def matches(self) -> list[dict[str, Any]]:
        return self.current_tie.matches if self.current_tie is not None else []

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
        else:  # validated at compile time
            raise KeyError(name)
