"""The tie part of the facts: tie rows → kept ties with their organisation, person, list
matches and prefilter mask; and the cache that keeps them across the chunks of one run.

A busy person is on projects in many chunks of a run. Without a cache every chunk fetches and
builds that person's ties again (at 100,000 projects, 8 million tie rows per run for 1 million
ties). A TieCache keeps the built ties of every person a worker has seen, for one run and one
tie filter, so each worker fetches and builds each person's ties once. The caller decides
when the cache is still valid (compliance.services.recheck drops it as soon as any newer
re-check has been requested: every change that can alter facts requests one).
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from projects.vocabulary import TIE_KINDS
from rules.engine.prefilter import TieFilter, hashable_row
from rules.models import OrganisationMatch

# A tie row as rules.facts fetches it: the columns, in order.
TIE_COLUMNS = (
    "id",
    "person_id",
    "kind",
    "start_date",
    "end_date",
    "compensated",
    "source",
    "disclosed_in",
    "project_id",
    "organisation_id",
)
KIND, ORG = TIE_COLUMNS.index("kind"), TIE_COLUMNS.index("organisation_id")
PERSON = TIE_COLUMNS.index("person_id")

# (tie, organisation, person, list matches of the organisation, prefilter mask: -1 unfiltered)
Entry = tuple[dict[str, Any], dict[str, Any], dict[str, Any], list[dict[str, Any]], int]
EMPTY: frozenset[str] = frozenset()


@dataclass
class TieCache:
    """Built ties by person (every kept tie of each cached person), organisations and list
    matches, for one key (a run and its tie filter); `limit` bounds the cached people plus ties."""

    key: Any = None
    limit: int = 0
    by_person: dict[int, list[Entry]] = field(default_factory=dict)
    orgs: dict[int, dict[str, Any]] = field(default_factory=dict)
    matches: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    match_lists: dict[int, frozenset[str]] = field(default_factory=dict)
    people: dict[int, dict[str, Any]] = field(default_factory=dict)
    # A cached person's ties that rules applying to a project may use, by (person, the
    # project's prefilter mask): sponsor and status take few values, people recur.
    usable: dict[tuple[int, int], list[Entry]] = field(default_factory=dict)
    # Each organisation's part of its ties' mask keys (TieFilter.row_masker), made from the
    # organisation's facts above: kept as long as they are.
    org_parts: dict[int, tuple[Any, ...]] = field(default_factory=dict)
    # Facts other than ties the run reads once (rules.facts_items: the institution's).
    extras: dict[str, Any] = field(default_factory=dict)
    size: int = 0
    rows_fetched: int = 0  # tie rows the facts builds using this cache asked the database for

    def use(self, key: Any, limit: int) -> TieCache:
        """This cache for `key`, emptied first when it held another key."""
        if key != self.key:
            self.clear()
            self.key = key
        self.limit = limit
        return self

    def clear(self) -> None:
        self.key = None
        self.by_person.clear()
        self.orgs.clear()
        self.matches.clear()
        self.match_lists.clear()
        self.people.clear()
        self.usable.clear()
        self.org_parts.clear()
        self.extras.clear()
        self.size = self.rows_fetched = 0

    def keep(self, person_id: int, entries: list[Entry]) -> None:
        cost = 1 + len(entries)
        if self.size + cost > self.limit:
            return  # full (or no cache): this person's ties are built again when needed
        self.by_person[person_id] = entries
        self.size += cost


def kind_label(kind: str) -> str:
    return TIE_KINDS[kind].label.lower() if kind in TIE_KINDS else kind.replace("_", " ")


@functools.lru_cache(maxsize=4096)
def _parsed(text: str) -> frozenset[str]:
    return frozenset(json.loads(text) or ())


def documents(disclosed: Any) -> frozenset[str]:
    """disclosed_in as a set: jsonb arrives as text on a raw cursor (a handful of distinct
    values, parsed once each)."""
    if isinstance(disclosed, str):
        return _parsed(disclosed)
    return frozenset(disclosed or ())


def tie_order(tie: dict[str, Any]) -> tuple[Any, ...]:
    """Most recent first (no start date first, as PostgreSQL sorts NULLs in DESC), then id."""
    start = tie["start_date"]
    return (start is not None, -start.toordinal() if start is not None else 0, tie["id"])


def matches_index(rows: Iterable[dict[str, Any]], org_ids: Iterable[int], cache: TieCache) -> None:
    """List matches of these organisations into the cache (an empty list for the unmatched)."""
    found: dict[int, list[dict[str, Any]]] = {org_id: [] for org_id in org_ids}
    for m in rows:
        found[m["organisation_id"]].append(
            {
                "list": m["reference_list__code"],
                "score": m["score"],
                "decision": m["decision"],
                "confirmed": m["review_status"] == OrganisationMatch.Review.CONFIRMED,
                "method": m["method"],
                "alias": m["alias"],
                "entry_id": m["entry_id"],
                "entry_name": m["entry__primary_name"],
                "listed_on": m["entry__listed_on"],
                "delisted_on": m["entry__delisted_on"],
                "rating": m.get("entry__raw__rating") or "",
            }
        )
    cache.matches.update(found)
    cache.match_lists.update(
        {org_id: frozenset(m["list"] for m in ms) for org_id, ms in found.items()}
    )


def entries_build(
    tie_rows: list[tuple[Any, ...]], tie_filter: TieFilter | None, cache: TieCache
) -> list[Entry]:
    """Kept ties of these rows (TIE_COLUMNS order), in row order. The rows' organisations,
    matches and people must be in the cache (see rules.facts). With a tie filter, a row's
    mask is worked out from the row itself (TieFilter.row_masker): the ties it drops are
    never built."""
    orgs, people, matches, lists = cache.orgs, cache.people, cache.matches, cache.match_lists
    out: list[Entry] = []
    if tie_filter is None:
        for row in tie_rows:
            org_id = row[ORG]
            entry = (tie_dict(row), orgs[org_id], people[row[PERSON]], matches.get(org_id, []), -1)
            out.append(entry)
        return out
    masker = tie_filter.row_masker(TIE_COLUMNS)
    masks, getters, org_parts = masker.masks, masker.getters, cache.org_parts
    for row in tie_rows:
        org_id, kind = row[ORG], row[KIND]
        part = org_parts.get(org_id)
        if part is None:
            part = org_parts[org_id] = masker.org_part(orgs[org_id], lists.get(org_id, EMPTY))
        get = getters.get((kind, part[0])) or masker.getter(kind, part[0])
        key = (kind, part, get(row))
        try:
            mask = masks.get(key)
        except TypeError:  # a JSON value not read as text (a list)
            key = (kind, part, hashable_row(get(row)))
            mask = masks.get(key)
        tie = None
        if mask is None:
            tie = tie_dict(row)
            mask = masker.learn(key, tie, orgs[org_id], part[0])
        if mask:
            tie = tie or tie_dict(row)
            out.append((tie, orgs[org_id], people[row[PERSON]], matches.get(org_id, []), mask))
    return out


def tie_dict(row: Sequence[Any]) -> dict[str, Any]:
    """A tie's facts from its row (TIE_COLUMNS order)."""
    tie_id, _person, kind, start, end, compensated, source, disclosed, project, _org = row
    return {
        "id": tie_id,
        "kind": kind,
        "kind_label": kind_label(kind),
        "start_date": start,
        "end_date": end,
        "compensated": compensated,
        "source": source,
        "disclosed_in": documents(disclosed),
        "project_id": project,
    }


def by_person(entries: Iterable[Entry]) -> dict[int, list[Entry]]:
    found: dict[int, list[Entry]] = defaultdict(list)
    for entry in entries:
        found[entry[2]["id"]].append(entry)
    for ties in found.values():
        ties.sort(key=lambda e: tie_order(e[0]))
    return found


def by_project(entries: Iterable[Entry]) -> dict[int, list[Entry]]:
    """Project-scoped ties by project, by person name as a person's ties are."""
    found: dict[int, list[Entry]] = defaultdict(list)
    for entry in entries:
        if entry[0]["project_id"] is not None:
            found[entry[0]["project_id"]].append(entry)
    for ties in found.values():
        ties.sort(key=lambda e: (e[2]["name"], *tie_order(e[0])))
    return found
