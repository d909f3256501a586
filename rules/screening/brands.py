"""Brand short names of listed companies, with a guard against common words.

A company's brand comes from the lists' own data:

* the one-word short name a list prints in parentheses after the company's name
  ("Hangzhou Hikvision Digital Technology Co., Ltd. (Hikvision)", "BGI Genomics Co., Ltd.
  (BGI)");
* the core of a company's name: the name without places, legal forms and industry words
  ("Robosense Technology Co., Ltd." -> "Robosense"), when exactly one word is left.

Guard: a brand that is an English word ("Continental", "Phoenix", "Align", "Eve", "Origin",
"Solid"), a place or an academic word is no brand; a brand of three letters or fewer ("DJI",
"BYD") is accepted only when the query names a place in the company's country.

A query unit matches a brand when its first word is the brand and every other word is an
industry, legal-form or place word: "Yitu Technology", "BGI-Shenzhen", "Baidu Research,
Sunnyvale", "DJI Innovations, Shenzhen". When several companies share a brand ("Dahua"), the
unit's industry words must also be in the company's name. A brand is not tried when the
whole-name index already accepted a company with that brand ("Autel Robotics" is not also
"Autel Intelligent Technology").

Scores: 0.93 for brands of five letters or more, 0.90 for four, 0.86 for three (+0.04 with a
place in the company's country). A place elsewhere costs 0.05 for brands of five letters or
more (companies have offices abroad: "Baidu Research, Sunnyvale, CA"), 0.15 otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rules.screening.dictionary import is_english_word
from rules.screening.normalize import all_tokens, content_tokens, place_countries, tokens_of
from rules.screening.units import parse_units
from rules.screening.vocab import ACADEMIC, GENERIC, PLACES, SAME_COUNTRY, wordset

INDUSTRY = wordset(
    """
    technology tech science information industry industries industrial network networks
    digital electronic communication communications wireless solution solutions system
    systems semiconductor intelligent intelligence innovation innovations software data
    security equipment manufacturing international global robotics research laboratory ai
    auto automotive energy solar microelectronic optoelectronic optical optics holding
    holdings group development inc limited company corporation telecom telecommunications
    mobile shipping construction aircraft aviation nuclear power oil chemical railway marine
    """
)
_COMPANY_WORDS = GENERIC | frozenset({"group", "holding", "holdings"})
_COUNTRY_WORDS = frozenset({"china", "chinese", "russia", "russian", "iran", "iranian", "korea"})
_WORD_RE = re.compile(r"[^\W\d_]+")
_PAREN_RE = re.compile(r"\(([^()]+)\)\s*\.?\s*$")
OFFSHORE = frozenset({"KY", "VG", "BM", "JE", "GG", "IM", "SC", "MH", "BS", "WS", "AI", "TC"})


@dataclass(frozen=True)
class BrandHit:
    entry: int
    brand: str
    score: float


def _is_brand(token: str) -> bool:
    return (
        len(token) >= 3
        and token.isalpha()
        and token not in PLACES
        and token not in ACADEMIC
        and token not in INDUSTRY
        and token not in GENERIC
        and not is_english_word(token)
    )


def brands_of(name: str) -> set[str]:
    """Brand words of a listed company name (see the module docstring)."""
    tokens = tokens_of(name)
    if not any(t in _COMPANY_WORDS for t in tokens):
        return set()
    out: set[str] = set()
    paren = _PAREN_RE.search(name)
    if paren:
        inner = content_tokens(tokens_of(paren.group(1)))
        if len(inner) == 1 and _is_brand(inner[0]):
            out.add(inner[0])
        name = name[: paren.start()]
    words = content_tokens(tokens_of(name))
    if words and words[0] in _COUNTRY_WORDS:
        return out  # "China Telecom", "China Unicom": the country is part of the brand
    core = [
        t
        for t in words
        if t not in PLACES and t not in INDUSTRY and t not in GENERIC and len(t) > 2
    ]
    if len(core) == 1 and _is_brand(core[0]):
        out.add(core[0])
    return out


def _same_country(a: str, b: str) -> bool:
    return a == b or b in SAME_COUNTRY.get(a, frozenset())


class BrandMatcher:
    """Brand words of every listed company, and the units of a query that name one."""

    def __init__(self, entries: list[tuple[int, str, str, tuple[str, ...]]]) -> None:
        """``entries``: (entry id, country, primary name, aliases)."""
        self._owners: dict[str, list[int]] = {}
        self._words: dict[int, frozenset[str]] = {}
        self._country: dict[int, str] = {}
        for entry_id, country, name, aliases in entries:
            found = brands_of(name)
            for alias in aliases:
                found |= brands_of(alias)
            if not found:
                continue
            self._country[entry_id] = country
            words = set(tokens_of(name))
            for alias in aliases:
                words.update(tokens_of(alias))
            self._words[entry_id] = frozenset(words)
            for brand in found:
                self._owners.setdefault(brand, []).append(entry_id)

    def owners(self, brand: str) -> list[int]:
        return self._owners.get(brand, [])

    def match(self, query: str, accepted: set[int]) -> list[BrandHit]:
        """Brand hits in ``query``; ``accepted``: entries the whole-name index accepted."""
        if not self._owners or self._owners.keys().isdisjoint(_WORD_RE.findall(query.lower())):
            return []
        places: set[str] | None = None
        out: list[BrandHit] = []
        for units in parse_units(query):
            for unit in units:
                content = content_tokens(unit.tokens)
                if not content or content[0] not in self._owners:
                    continue
                brand, rest = content[0], content[1:]
                if not all(t in INDUSTRY or t in GENERIC or t in PLACES for t in rest):
                    continue
                owners = self._owners[brand]
                if any(o in accepted for o in owners):
                    continue
                industry = [t for t in rest if t in INDUSTRY and t not in _COMPANY_WORDS]
                if places is None:
                    places = place_countries(all_tokens(query))
                for owner in owners:
                    if len(owners) > 1 and not all(t in self._words[owner] for t in industry):
                        continue
                    out.append(BrandHit(owner, brand, self._score(brand, owner, places)))
        return out

    def _score(self, brand: str, owner: int, places: set[str]) -> float:
        score = 0.93 if len(brand) >= 5 else 0.90 if len(brand) == 4 else 0.86
        country = self._country.get(owner, "")
        if not places or not country or country in OFFSHORE:
            return score
        if any(_same_country(country, p) for p in places):
            return score + 0.04 if len(brand) <= 3 else score
        return score - (0.05 if len(brand) >= 5 else 0.15)
