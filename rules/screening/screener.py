"""The screener the product uses: the whole-name index plus unit and brand rules.

:class:`Screener` is a :class:`~rules.screening.index.ScreeningIndex` whose ``screen`` (and
``screen_naive``, so that the two stay comparable) also returns:

* listed laboratories named with their host in an affiliation, and the parent group a unit
  names after "of" (:mod:`rules.screening.units`);
* companies named by their brand short name (:mod:`rules.screening.brands`).

Each extra match is a :class:`~rules.screening.index.Match` like the index's; an entry keeps
its best-scoring match.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import replace

from rules.screening.brands import BrandMatcher
from rules.screening.index import IndexEntry, Match, ScreeningIndex, Thresholds
from rules.screening.normalize import normalize
from rules.screening.units import UnitMatcher, dash_parts, institution_reorders
from rules.screening.vocab import GENERIC

REORDER_PENALTY = 0.04
TYPO_MEMO_SIZE = 50_000
_COMPANY = GENERIC | {"group", "holding", "holdings"}

_METHOD_RANK = {"exact": 0, "alias": 1, "fuzzy": 2}


class Screener(ScreeningIndex):
    """Whole-name index plus unit and brand rules (see the module docstring)."""

    def __init__(self, entries: Iterable[IndexEntry]) -> None:
        self._typo_memo: dict[str, dict[str, float]] = {}
        super().__init__(entries)
        self._entry_of: dict[Hashable, int] = {e.key: i for i, e in enumerate(self.entries)}
        self._units = UnitMatcher(
            [(i, n) for i, e in enumerate(self.entries) for n in (e.name, *e.aliases)]
        )
        self._brands = BrandMatcher(
            [(i, e.country, e.name, e.aliases) for i, e in enumerate(self.entries)]
        )

    def _typos(self, token: str) -> dict[str, float]:
        """The index's typo candidates of a query word, remembered across queries (the same
        words recur in affiliations: "university", "engineering", "laboratory")."""
        memo = self._typo_memo
        found = memo.get(token)
        if found is None:
            if len(memo) >= TYPO_MEMO_SIZE:
                memo.clear()
            found = memo[token] = super()._typos(token)
        return found

    def screen(
        self, query: str, *, thresholds: Thresholds | None = None, limit: int = 10
    ) -> list[Match]:
        base = super().screen(query, thresholds=thresholds, limit=50)
        return self._extend(query, base, thresholds or Thresholds(), limit)

    def screen_naive(
        self, query: str, *, thresholds: Thresholds | None = None, limit: int = 10
    ) -> list[Match]:
        base = super().screen_naive(query, thresholds=thresholds, limit=50)
        return self._extend(query, base, thresholds or Thresholds(), limit)

    def _extend(self, query: str, base: list[Match], limits: Thresholds, limit: int) -> list[Match]:
        found: dict[Hashable, Match] = {m.key: m for m in base}

        def offer(match: Match) -> None:
            if match.score < limits.review:
                return
            prev = found.get(match.key)
            if prev is None or match.score > prev.score:
                found[match.key] = match

        for tail in [*self._units.parent_tails(query), *dash_parts(query)]:
            for match in ScreeningIndex.screen(self, tail, thresholds=limits, limit=20):
                offer(match)
        for text in institution_reorders(query):
            for match in ScreeningIndex.screen(self, text, thresholds=limits, limit=20):
                if _COMPANY.isdisjoint(normalize(match.name).split()):
                    score = round(match.score - REORDER_PENALTY, 4)
                    decision = "accept" if score >= limits.accept else "review"
                    offer(replace(match, score=score, decision=decision, method="fuzzy"))
        for entry_id, name, score in self._units.labs(query):
            offer(self._match(entry_id, name, "fuzzy", score, limits))
        accepted = {self._entry_of[m.key] for m in found.values() if m.decision == "accept"}
        for hit in self._brands.match(query, accepted):
            offer(self._match(hit.entry, hit.brand, "alias", hit.score, limits))
        ranked = sorted(
            found.values(),
            key=lambda m: (-m.score, _METHOD_RANK.get(m.method, 3), m.list_code, m.name),
        )
        return ranked[: max(limit, 0)]

    def _match(
        self, entry_id: int, matched: str, method: str, score: float, limits: Thresholds
    ) -> Match:
        entry = self.entries[entry_id]
        score = round(max(0.0, min(1.0, score)), 4)
        return Match(
            key=entry.key,
            list_code=entry.list_code,
            name=entry.name,
            alias=None if matched == entry.name else matched,
            method=method,
            score=score,
            decision="accept" if score >= limits.accept else "review",
        )
