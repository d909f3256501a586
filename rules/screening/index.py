"""Screening index: exact and alias lookup, blocked fuzzy candidates, calibrated scores.

How a query is screened (:meth:`ScreeningIndex.screen`):

1. :func:`~rules.screening.normalize.affiliation_candidates` splits it into organisation
   candidates ("School of Astronautics, Beihang Univ., Beijing 100191, China" ->
   "School of Astronautics", "Beihang Univ", both combined, ...).
2. Each candidate is looked up exactly (normalised text) among every name and alias, and
   the forms derived from them (a primary name without its parenthesised short name, the
   short name itself when it abbreviates the name, "a.k.a." parts).
3. Blocking: an inverted index maps each normalised word to the names holding it. A match
   must account for every *distinctive* query word, so the candidates are the names holding
   the rarest distinctive word or one of its forms: a word one typo away (SymSpell-style
   deletion index), its joined/split form ("Jiao Tong"/"Jiaotong"), or a reading of an
   ambiguous abbreviation ("Tech" -> Technology/Technical). A distinctive word found
   nowhere means no name can match.
4. Scoring, shared by :meth:`ScreeningIndex.screen` and the naive baseline
   :meth:`ScreeningIndex.screen_naive`: a rapidfuzz ``token_sort_ratio`` pre-filter, quick
   set guards, then a word alignment with rapidfuzz OSA edit distance for typos.

Guards (any of them means "not the same organisation", score 0):

* an unmatched distinctive word on either side ("Aeronautics", "Polytechnical", "Beijing"
  vs "of China"): a substring is never a match, in either direction;
* two different organisation nouns (Institute/University, State/Federal, University vs a
  company's Corporation/Group);
* typos only for words of six letters or more, one edit (two for words of eleven letters
  or more with the same first four); never between two places or known names
  (Hunan/Henan, Nanjing/Nanning, Northwestern/Northeastern), and a word that listed names
  use is taken as written unless it is rare and the other word ten times commoner;
  Chinese characters are never fuzzy;
* a name with no proper noun ("Army Medical University") may lose only legal-form words.

Score calibration (all scores in [0, 1]; the benchmark prints the share of correct matches
per score band):

* 1.00 exact primary name; 0.99 a form derived from it; 0.97 exact alias; 0.96 a form
  derived from an alias.
* Fuzzy matches start at 1.0 and lose: 0.02 + 0.6 x (1 - similarity) x (the word's share of
  the name's IDF weight) per typo; 0.02 per joined/split word or abbreviation reading;
  0.02 per legal-form word (at most 0.06); 0.06 per "National"/"Research"/"PLA"/"State"/
  "Program"; 0.10 per missing organisation noun (University, Group, ...); 0.06 for another
  word order, 0.15 when a name's trailing "of China" moves, 0.14 when a word crosses an
  organisation noun other than University ("Beijing Institute of Genomics" vs "Beijing
  Genomics Institute"); 0.08 for a company's leading city left out ("Hikvision Digital
  Technology"); 0.12 more when only a short acronym is in common ("SMIC" vs "SMIC
  Holdings"). Fuzzy scores are capped at 0.96.
* Names with no proper noun are capped at 0.90, one- to three-letter abbreviations at 0.86
  and four- or five-letter ones at 0.92; these gain 0.04 when the query names a place in
  the entry's country ("HIT, Harbin").
* Any match loses 0.15 when the query names places, none of them in the entry's country
  ("Northwestern Polytechnic University, Fremont, CA, USA"), unless the entry is registered
  offshore (KY, VG, ...).

With the default thresholds (accept 0.88, review 0.70): exact names, aliases, Chinese names,
former names, abbreviations of four letters or more, one typo, word-order and legal-form
differences are accepted; a bare two- or three-letter abbreviation, a moved "of China", a
word moved across "Institute", two typos in a short name or a place conflict go to review.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from math import log

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from rules.screening.normalize import (
    Candidate,
    affiliation_candidates,
    all_tokens,
    content_tokens,
    has_cjk,
    is_place_only,
    place_countries,
    token_class,
    tokens_of,
)
from rules.screening.vocab import (
    ACADEMIC,
    AMBIGUOUS,
    HEADS,
    KNOWN_DISTINCT,
    PLACES,
    SAME_COUNTRY,
    STOPWORDS,
    wordset,
)

PRIMARY, PRIMARY_VARIANT, ALIAS, ALIAS_VARIANT = 0, 1, 2, 3
EXACT_BASE: tuple[float, ...] = (1.0, 0.99, 0.97, 0.96)
FUZZY_CAP = 0.96
WEAK_CAP = 0.90
SHORT_CAP = 0.86
SHORT4_CAP = 0.92
CONTEXT_BOOST = 0.04
CONFLICT_PENALTY = 0.15
PREFILTER = 40.0  # rapidfuzz token_sort_ratio below this is never a match
#: Registration havens: a company listed there is not contradicted by an address elsewhere.
OFFSHORE = frozenset({"KY", "VG", "BM", "JE", "GG", "IM", "SC", "MH", "BS", "WS", "AI", "TC"})
PLA = "pla"  # "People's Liberation Army": a query may add it to a PLA institution's name
MIN_TYPO_LENGTH = 6  # shorter words must match exactly
KNOWN_RATIO = 10  # a listed word is read as a typo only of a word this many times commoner
KNOWN_MIN = 10
SHORT_MATCH = 5  # fewer letters than this in common, and something else differs: review

_PAREN_TAIL_RE = re.compile(r"^(?P<base>.*\S)\s*[(\[](?P<inner>[^()\[\]]+)[)\]]\s*\.?\s*$")
_AKA_RE = re.compile(r",?\s+(?:a\.k\.a\.|aka|also known as|f\.k\.a\.|formerly)\s+", re.I)
_SUCCESSOR_RE = re.compile(
    r"[,;]?\s*(?:and\s+)?(?:its|any)\s+(?:successors?|sub-?units?).*$", re.IGNORECASE
)
_PARENT_RE = re.compile(r"\s*\((?:parent organi[sz]ation|subordinate)[^)]*\)", re.IGNORECASE)
_PREFIX_RE = re.compile(r"^(?:formerly|also known as|a\.k\.a\.|aka)\s+", re.IGNORECASE)
_ORDINAL_RE = re.compile(r"^\d+(?:st|nd|rd|th)?$")


@dataclass(frozen=True)
class IndexEntry:
    """One listed party to screen against: its key, list, primary name and aliases."""

    key: Hashable
    list_code: str
    name: str
    aliases: tuple[str, ...]
    country: str = ""


@dataclass(frozen=True)
class Thresholds:
    """Scores at or above ``accept`` are accepted; at or above ``review`` go to a reviewer."""

    accept: float = 0.88
    review: float = 0.70

    def __post_init__(self) -> None:
        if not 0.0 <= self.review <= self.accept <= 1.0:
            raise ValueError("thresholds must satisfy 0 <= review <= accept <= 1")


@dataclass(frozen=True)
class Match:
    """A listed entry that matches a query, the name or alias that matched, and why."""

    key: Hashable
    list_code: str
    name: str
    alias: str | None
    method: str  # 'exact' | 'alias' | 'fuzzy'
    score: float
    decision: str  # 'accept' | 'review'


@dataclass
class _Names:
    """Parallel arrays, one slot per indexed name (primary names, aliases, variants)."""

    entry: list[int] = field(default_factory=list)
    kind: list[int] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    norm: list[str] = field(default_factory=list)
    content: list[tuple[str, ...]] = field(default_factory=list)
    joined: list[str] = field(default_factory=list)
    cap: list[float] = field(default_factory=list)
    boostable: list[bool] = field(default_factory=list)
    tail_place: list[str] = field(default_factory=list)
    token_set: list[frozenset[str]] = field(default_factory=list)
    required: list[tuple[str, ...]] = field(default_factory=list)


@dataclass
class _Query:
    """One organisation candidate prepared for scoring."""

    norm: str
    content: tuple[str, ...]
    joined: str
    needs: list[frozenset[str]]  # per distinctive token: the name tokens that can match it
    reach: frozenset[str]  # every name token some query token can match


@dataclass
class _Scored:
    score: float
    method: str
    name_id: int


def name_variants(name: str, *, primary: bool = True) -> list[str]:
    """A listed name and the forms derived from it: without a trailing parenthesised short
    name, the short name itself (primary names only: in an alias the parenthesis often
    abbreviates a parent, as in "10th Research Institute of ... Group Corp (CETC)"),
    'a.k.a.' parts, and without 'and its successors' riders."""
    out: list[str] = []

    def add(text: str) -> None:
        text = text.strip(" ,;.")
        if text and text not in out:
            out.append(text)

    add(name)
    base = _PARENT_RE.sub("", name)
    base = _SUCCESSOR_RE.sub("", base)
    add(base)
    for part in _AKA_RE.split(base):
        add(part)
    match = _PAREN_TAIL_RE.match(base)
    if match:
        add(match.group("base"))
        inner = _PREFIX_RE.sub("", match.group("inner"))
        if primary and _is_short_form(inner, match.group("base")):
            add(inner)
    return out


def _is_short_form(short: str, name: str) -> bool:
    """Whether ``short`` abbreviates ``name``: its words are in the name ("Hikvision"), or it
    is an acronym starting with the name's first initial ("BUAA", "NSCC-TJ"); not a phrase's
    own abbreviation at the end of a description ("... Atomic Energy Agency (IAEA)")."""
    short_words = content_tokens(tokens_of(short))
    name_words = content_tokens(tokens_of(name))
    if not short_words or not name_words:
        return False
    if set(short_words) <= set(name_words):
        return True
    letters = [ch for ch in "".join(short_words) if ch.isalpha()]
    initials = {w[0] for w in name_words}
    if not letters or letters[0] != name_words[0][0]:
        return False
    return sum(ch in initials for ch in letters) * 2 >= len(letters)


def _name_cap(content: tuple[str, ...]) -> tuple[float, bool]:
    """Highest score a name can reach by itself, and whether place context may raise it."""
    if len(content) == 1 and not has_cjk(content[0]):
        length = len(content[0])
        if length <= 3:
            return SHORT_CAP, True
        if length <= 5:
            return SHORT4_CAP, True
    specific = [
        t
        for t in content
        if t not in ACADEMIC and token_class(t) == "distinctive" and not _ORDINAL_RE.match(t)
    ]
    if not specific:
        return WEAK_CAP, True
    return 1.0, False


def _tail_place(tokens: list[str]) -> str:
    """The place in a trailing '... of <place>' (USTC's 'of China'), else ''."""
    if len(tokens) >= 3 and tokens[-2] == "of" and tokens[-1] in PLACES:
        return tokens[-1]
    return ""


def _same_country(a: str, b: str) -> bool:
    return a == b or b in SAME_COUNTRY.get(a, frozenset())


class ScreeningIndex:
    """In-memory index over listed names and aliases; see the module docstring."""

    def __init__(self, entries: Iterable[IndexEntry]) -> None:
        self.entries: list[IndexEntry] = list(entries)
        self._names = _Names()
        self._exact: dict[str, list[int]] = {}
        self._postings: dict[str, list[int]] = {}
        self._weight: dict[str, float] = {}
        self._deletes: dict[str, list[str]] = {}
        self._long: dict[str, list[str]] = {}
        for entry_id, entry in enumerate(self.entries):
            self._add_entry(entry_id, entry)
        self._finish()

    # ----------------------------------------------------------------------- building

    def _add_entry(self, entry_id: int, entry: IndexEntry) -> None:
        seen: set[str] = set()
        sources: list[tuple[str, bool]] = [(entry.name, True)]
        sources += [(alias, False) for alias in entry.aliases]
        for source, is_primary in sources:
            for n, variant in enumerate(name_variants(source, primary=is_primary)):
                tokens = tokens_of(variant)
                norm = " ".join(tokens)
                if not norm or norm in seen:
                    continue
                content = content_tokens(tokens)
                if not content or is_place_only(content):
                    continue
                if all(token_class(t) == "generic" for t in content):
                    continue
                seen.add(norm)
                kind = (PRIMARY if n == 0 else PRIMARY_VARIANT) if is_primary else ALIAS
                if not is_primary and n > 0:
                    kind = ALIAS_VARIANT
                cap, boostable = _name_cap(content)
                names = self._names
                name_id = len(names.entry)
                names.entry.append(entry_id)
                names.kind.append(kind)
                names.text.append(source if n == 0 else variant)
                names.norm.append(norm)
                names.content.append(content)
                names.joined.append(" ".join(content))
                names.cap.append(cap)
                names.boostable.append(boostable)
                names.tail_place.append(_tail_place(tokens))
                names.token_set.append(frozenset(content))
                names.required.append(_required(content))
                self._exact.setdefault(norm, []).append(name_id)
                for token in set(content):
                    self._postings.setdefault(token, []).append(name_id)

    def _finish(self) -> None:
        total = max(len(self._names.entry), 1)
        for token, ids in self._postings.items():
            self._weight[token] = 1.0 + log(total / len(ids))
            if len(token) >= MIN_TYPO_LENGTH and not token.isdigit() and not has_cjk(token):
                for variant in {token, *(token[:i] + token[i + 1 :] for i in range(len(token)))}:
                    self._deletes.setdefault(variant, []).append(token)
                if len(token) >= 11:
                    self._long.setdefault(token[:4], []).append(token)

    @property
    def name_count(self) -> int:
        """Number of indexed names (primary names, aliases and derived variants)."""
        return len(self._names.entry)

    # ------------------------------------------------------------------- token forms

    def _typos(self, token: str) -> dict[str, float]:
        """Vocabulary tokens one edit (two for long words) from ``token``, with similarity."""
        out: dict[str, float] = {}
        if len(token) < MIN_TYPO_LENGTH or has_cjk(token):
            return out
        # A word that listed names use is taken as written ("Norinco" is not "Narinco"),
        # unless it is rare and the other word far more common ("Universtiy").
        known = len(self._postings.get(token, ()))
        floor = max(KNOWN_RATIO * known, KNOWN_MIN) if known else 0
        probes = {token, *(token[:i] + token[i + 1 :] for i in range(len(token)))}
        if token.endswith("s") and len(token) > MIN_TYPO_LENGTH:
            probes.add(token[:-1])  # "Scienes" ~ "Science" (plurals are normalised away)
        candidates = [v for p in probes for v in self._deletes.get(p, ())]
        if len(token) >= 11:
            candidates += self._long.get(token[:4], [])
        for vocab in candidates:
            if vocab == token or vocab in out or len(self._postings[vocab]) < floor:
                continue
            if _typo_ok(token, vocab, 2 if len(token) >= 11 else 1):
                out[vocab] = _similarity(token, vocab)
            elif token.endswith("s") and _typo_ok(token[:-1], vocab, 1):
                out[vocab] = _similarity(token[:-1], vocab)
        return out

    def _forms(
        self, content: tuple[str, ...], typo_cache: dict[str, dict[str, float]]
    ) -> list[set[str]]:
        """Per query token: the vocabulary tokens it can match (itself, typos, joins, splits)."""
        forms: list[set[str]] = []
        postings = self._postings
        for i, token in enumerate(content):
            found: set[str] = set()
            if token in postings:
                found.add(token)
            if token not in typo_cache:
                typo_cache[token] = self._typos(token)
            found.update(typo_cache[token])
            found.update(r for r in _READINGS.get(token, ()) if r in postings)
            if i + 1 < len(content) and token + content[i + 1] in postings:
                found.add(token + content[i + 1])
            if i > 0 and content[i - 1] + token in postings:
                found.add(content[i - 1] + token)
            if not has_cjk(token):
                for cut in range(3, len(token) - 2):
                    left, right = token[:cut], token[cut:]
                    if left in postings and right in postings:
                        found.update((left, right))
            forms.append(found)
        return forms

    def _prepare(self, cand: Candidate, typo_cache: dict[str, dict[str, float]]) -> _Query:
        content = content_tokens(cand.tokens)
        forms = self._forms(content, typo_cache)
        needs = [
            frozenset(found)
            for token, found in zip(content, forms, strict=True)
            if token_class(token) == "distinctive"
        ]
        reach = frozenset().union(*forms) if forms else frozenset()
        return _Query(" ".join(cand.tokens), content, " ".join(content), needs, reach)

    def _block(self, content: tuple[str, ...], forms: list[frozenset[str]]) -> list[int] | None:
        """Names that can match: those holding the rarest distinctive token's forms."""
        best: frozenset[str] | None = None
        best_size = -1
        for found in forms:
            if not found:
                return None  # this token matches nothing, so no name can match
            size = sum(len(self._postings[f]) for f in found)
            if best is None or size < best_size:
                best, best_size = found, size
        if best is None:
            return None
        if len(best) == 1:
            return self._postings[next(iter(best))]
        ids: set[int] = set()
        for form in best:
            ids.update(self._postings[form])
        return sorted(ids)

    # ----------------------------------------------------------------------- scoring

    def _score(
        self,
        query: _Query,
        name_id: int,
        typo_cache: dict[str, dict[str, float]],
        ratio: float | None = None,
    ) -> _Scored | None:
        """Score one candidate against one indexed name (shared by screen and naive)."""
        names = self._names
        kind = names.kind[name_id]
        if names.norm[name_id] == query.norm:
            method = "exact" if kind in (PRIMARY, PRIMARY_VARIANT) else "alias"
            return _Scored(min(EXACT_BASE[kind], names.cap[name_id]), method, name_id)
        if not query.content:
            return None
        if ratio is None:
            ratio = fuzz.token_sort_ratio(query.joined, names.joined[name_id])
        if ratio < PREFILTER:
            return None
        # Quick guards (necessary conditions of the alignment below): every distinctive word
        # on either side must be able to meet a word on the other side.
        token_set = names.token_set[name_id]
        for need in query.needs:
            if need.isdisjoint(token_set):
                return None
        reach = query.reach
        for token in names.required[name_id]:
            if token not in reach:
                return None
        cap = names.cap[name_id]
        penalty = self._align(
            query.content,
            names.content[name_id],
            names.tail_place[name_id],
            typo_cache,
            strict=cap < 1.0,
        )
        if penalty is None:
            return None
        score = min(1.0 - penalty, FUZZY_CAP, cap)
        return _Scored(score, "fuzzy", name_id)

    def _align(
        self,
        query: tuple[str, ...],
        name: tuple[str, ...],
        tail_place: str,
        typo_cache: dict[str, dict[str, float]],
        *,
        strict: bool = False,
    ) -> float | None:
        """Penalty of aligning the query with a name; None when they are not the same
        organisation. ``strict`` (names without a proper noun): the name may lose only
        legal-form words and the query may add only those and "PLA".
        """
        q_done = [False] * len(query)
        c_free: list[int] = list(range(len(name)))
        # (query index, name index, similarity)
        pairs: list[tuple[int, int, float]] = []
        merges = 0
        for i, token in enumerate(query):
            for pos in c_free:
                if name[pos] == token:
                    c_free.remove(pos)
                    q_done[i] = True
                    pairs.append((i, pos, 1.0))
                    break
        if not all(q_done) or c_free:
            # an abbreviation with several readings: "Tech" ~ "Technology" / "Technical"
            for i, token in enumerate(query):
                if q_done[i]:
                    continue
                for pos in c_free:
                    if name[pos] in _READINGS.get(token, ()):
                        c_free.remove(pos)
                        q_done[i] = True
                        pairs.append((i, pos, 1.0))
                        merges += 1
                        break
            # joined in the name: "jiao tong" ~ "jiaotong"
            for i in range(len(query) - 1):
                if q_done[i] or q_done[i + 1]:
                    continue
                joined = query[i] + query[i + 1]
                for pos in c_free:
                    if name[pos] == joined:
                        c_free.remove(pos)
                        q_done[i] = q_done[i + 1] = True
                        pairs.append((i, pos, 1.0))
                        merges += 1
                        break
            # split in the name: "jiaotong" ~ "jiao tong"
            for i, token in enumerate(query):
                if q_done[i]:
                    continue
                for pos in c_free:
                    if (
                        pos + 1 in c_free
                        and min(len(name[pos]), len(name[pos + 1])) >= 3
                        and name[pos] + name[pos + 1] == token
                    ):
                        c_free.remove(pos)
                        c_free.remove(pos + 1)
                        q_done[i] = True
                        pairs.append((i, pos, 1.0))
                        merges += 1
                        break
            # one typo
            typo_pairs: list[tuple[int, int, float]] = []
            for i, token in enumerate(query):
                if q_done[i]:
                    continue
                if token not in typo_cache:
                    typo_cache[token] = self._typos(token)
                typos = typo_cache[token]
                best_pos, best_sim = -1, 0.0
                for pos in c_free:
                    sim = typos.get(name[pos], 0.0)
                    if sim > best_sim:
                        best_pos, best_sim = pos, sim
                if best_pos >= 0:
                    c_free.remove(best_pos)
                    q_done[i] = True
                    typo_pairs.append((i, best_pos, best_sim))
            pairs.extend(typo_pairs)
        else:
            typo_pairs = []

        unmatched = [query[i] for i, done in enumerate(q_done) if not done]
        unmatched_name = [name[pos] for pos in c_free]
        penalty = 0.0
        generic = 0.0
        for token in unmatched:
            cls = token_class(token)
            if cls == "distinctive" or (strict and cls != "generic" and token != PLA):
                return None
        leading_place = False
        for pos in c_free:
            token = name[pos]
            cls = token_class(token)
            if cls == "distinctive":
                # "Hikvision Digital Technology" for "Hangzhou Hikvision ... Co., Ltd.": a
                # company name's leading city may be left out.
                if pos == 0 and token in PLACES and any(t in _LEGAL_FORMS for t in name):
                    leading_place = True
                    continue
                return None
            if strict and (cls != "generic" or len(token) <= 2):
                return None  # a generic name loses only legal forms ("M.A.G. Tech")
        q_other = [t for t in unmatched if token_class(t) in ("semi", "head")]
        c_other = [t for t in unmatched_name if token_class(t) in ("semi", "head")]
        if q_other and c_other:
            return None  # a word replaced by another: "Institute"/"University", "State"/"Federal"
        if (
            any(t in _ACADEMIC_HEADS for t in unmatched)
            and any(t in _COMPANY_WORDS for t in unmatched_name)
        ) or (
            any(t in _ACADEMIC_HEADS for t in unmatched_name)
            and any(t in _COMPANY_WORDS for t in unmatched)
        ):
            return None  # "China Three Gorges University" is not "... Corporation"
        for token in unmatched + unmatched_name:
            cls = token_class(token)
            if cls == "generic":
                generic += 0.02
            elif cls == "semi":
                penalty += 0.02 if strict and token == PLA else 0.06
            elif cls == "head":
                penalty += 0.10
        matched_distinct = [
            name[pos] for _, pos, _ in pairs if token_class(name[pos]) == "distinctive"
        ]
        if not matched_distinct:
            return None
        if (q_other or c_other or leading_place) and all(t in PLACES for t in matched_distinct):
            return None  # "Tianjin" is not "Tianjin University"
        if leading_place:
            brand = [t for t in matched_distinct if t not in ACADEMIC and t not in PLACES]
            if not brand:
                return None
            penalty += 0.08
        if (unmatched or unmatched_name) and sum(
            len(t) for t in matched_distinct if t not in PLACES
        ) < SHORT_MATCH:
            penalty += 0.12  # only a short acronym in common: "SMIC" ~ "SMIC HK"
        penalty += min(generic, 0.06) + 0.02 * merges
        if typo_pairs:
            total = sum(self._weight.get(t, 1.0) for t in name) or 1.0
            for _, pos, sim in typo_pairs:
                share = self._weight.get(name[pos], 1.0) / total
                penalty += 0.02 + 0.6 * (1.0 - sim) * share
        penalty += _order_penalty(query, name, pairs, tail_place)
        penalty += _head_crossing(query, name, pairs)
        return penalty

    # -------------------------------------------------------------------------- public

    def screen(
        self, query: str, *, thresholds: Thresholds | None = None, limit: int = 10
    ) -> list[Match]:
        """Matches for ``query`` ranked by score (at most one per key, at most ``limit``)."""
        return self._run(query, thresholds, limit, naive=False)

    def screen_naive(
        self, query: str, *, thresholds: Thresholds | None = None, limit: int = 10
    ) -> list[Match]:
        """Baseline without blocking: the same scorer against every indexed name and alias."""
        return self._run(query, thresholds, limit, naive=True)

    def _run(
        self, query: str, thresholds: Thresholds | None, limit: int, *, naive: bool
    ) -> list[Match]:
        limits = thresholds or Thresholds()
        candidates = affiliation_candidates(query)
        query_places = place_countries(all_tokens(query))
        typo_cache: dict[str, dict[str, float]] = {}
        best: dict[int, _Scored] = {}
        for cand in candidates:
            scored = self._naive(cand, typo_cache) if naive else self._blocked(cand, typo_cache)
            for item in scored:
                adjusted = self._in_context(item, query_places)
                prev = best.get(self._names.entry[item.name_id])
                if prev is None or adjusted.score > prev.score:
                    best[self._names.entry[item.name_id]] = adjusted
        return self._matches(best, limits, limit)

    def _blocked(self, cand: Candidate, typo_cache: dict[str, dict[str, float]]) -> list[_Scored]:
        norm = " ".join(cand.tokens)
        out: list[_Scored] = []
        exact_ids = self._exact.get(norm, [])
        if exact_ids:
            exact_query = _Query(norm, (), "", [], frozenset())
            for name_id in exact_ids:
                scored = self._score(exact_query, name_id, typo_cache)
                if scored:
                    out.append(scored)
        if cand.exact_only or not content_tokens(cand.tokens):
            return out
        query = self._prepare(cand, typo_cache)
        block = self._block(query.content, query.needs)
        if not block:
            return out
        exact = set(exact_ids)
        joined = query.joined
        names_joined = self._names.joined
        for name_id in block:
            if name_id in exact:
                continue
            ratio = fuzz.token_sort_ratio(joined, names_joined[name_id])
            if ratio < PREFILTER:
                continue
            scored = self._score(query, name_id, typo_cache, ratio)
            if scored:
                out.append(scored)
        return out

    def _naive(self, cand: Candidate, typo_cache: dict[str, dict[str, float]]) -> list[_Scored]:
        if not content_tokens(cand.tokens):
            return []
        query = self._prepare(cand, typo_cache)
        if cand.exact_only:
            exact_query = _Query(query.norm, (), "", [], frozenset())
            return [
                scored
                for name_id, name_norm in enumerate(self._names.norm)
                if name_norm == query.norm
                and (scored := self._score(exact_query, name_id, typo_cache)) is not None
            ]
        hits = process.extract(
            query.joined,
            self._names.joined,
            scorer=fuzz.token_sort_ratio,
            score_cutoff=PREFILTER,
            limit=None,
        )
        out: list[_Scored] = []
        for _, ratio, name_id in hits:
            scored = self._score(query, name_id, typo_cache, ratio)
            if scored:
                out.append(scored)
        return out

    def _in_context(self, item: _Scored, query_places: set[str]) -> _Scored:
        """Raise weak names the query places in their country; lower place conflicts."""
        if not query_places:
            return item
        country = self.entries[self._names.entry[item.name_id]].country
        if not country:
            return item
        if country in OFFSHORE:
            return item  # registered offshore, operating elsewhere
        if any(_same_country(country, place) for place in query_places):
            if self._names.boostable[item.name_id]:
                boosted = min(item.score + CONTEXT_BOOST, FUZZY_CAP)
                return _Scored(max(boosted, item.score), item.method, item.name_id)
            return item
        return _Scored(item.score - CONFLICT_PENALTY, item.method, item.name_id)

    def _matches(self, best: dict[int, _Scored], limits: Thresholds, limit: int) -> list[Match]:
        by_key: dict[Hashable, Match] = {}
        for entry_id, item in best.items():
            score = round(max(0.0, min(1.0, item.score)), 4)
            if score < limits.review:
                continue
            entry = self.entries[entry_id]
            kind = self._names.kind[item.name_id]
            alias = self._names.text[item.name_id] if kind in (ALIAS, ALIAS_VARIANT) else None
            match = Match(
                key=entry.key,
                list_code=entry.list_code,
                name=entry.name,
                alias=alias,
                method=item.method,
                score=score,
                decision="accept" if score >= limits.accept else "review",
            )
            prev = by_key.get(entry.key)
            if prev is None or match.score > prev.score:
                by_key[entry.key] = match
        ranked = sorted(
            by_key.values(),
            key=lambda m: (-m.score, _METHOD_RANK[m.method], m.list_code, m.name),
        )
        return ranked[: max(limit, 0)]


_METHOD_RANK = {"exact": 0, "alias": 1, "fuzzy": 2}
_ACADEMIC_HEADS = wordset("university institute academy college school hospital laboratory")
_COMPANY_WORDS = wordset(
    "company limited incorporated corporation group holding holdings llc plc jsc"
)
_LEGAL_FORMS = wordset(
    """
    company limited incorporated corporation group holding holdings llc plc jsc
    """
)


def _typo_ok(a: str, b: str, max_edits: int) -> bool:
    """Whether ``a`` may be a misspelling of ``b`` (never between two known words)."""
    if a in KNOWN_DISTINCT and b in KNOWN_DISTINCT:
        return False
    if any(ch.isdigit() for ch in a) or any(ch.isdigit() for ch in b):
        return False
    shortest = min(len(a), len(b))
    if shortest < MIN_TYPO_LENGTH:
        return False
    distance = OSA.distance(a, b, score_cutoff=max_edits)
    if distance <= 1:
        return True
    return distance == 2 and max_edits >= 2 and shortest >= 11 and a[:4] == b[:4]


_READINGS: dict[str, frozenset[str]] = dict(AMBIGUOUS)
for _abbr, _words in AMBIGUOUS.items():
    for _word in _words:
        _READINGS[_word] = _READINGS.get(_word, frozenset()) | {_abbr}


def _required(content: tuple[str, ...]) -> tuple[str, ...]:
    """A name's words that a query must account for (distinctive ones, except a company's
    leading city, which may be left out)."""
    skip_first = bool(content) and content[0] in PLACES and any(t in _LEGAL_FORMS for t in content)
    return tuple(
        t
        for i, t in enumerate(content)
        if token_class(t) == "distinctive" and not (i == 0 and skip_first)
    )


def _head_crossing(
    query: tuple[str, ...], name: tuple[str, ...], pairs: list[tuple[int, int, float]]
) -> float:
    """0.14 when a word moves across an organisation noun other than 'university':
    "Beijing Institute of Genomics" is not "Beijing Genomics Institute"."""
    q_head = next((i for i, t in enumerate(query) if t in HEADS), None)
    c_head = next((i for i, t in enumerate(name) if t in HEADS), None)
    if q_head is None or c_head is None or name[c_head] == "university":
        return 0.0
    if query[q_head] != name[c_head]:
        return 0.0
    q_both = 0 < q_head < len(query) - 1
    c_both = 0 < c_head < len(name) - 1
    if not (q_both or c_both):
        return 0.0
    for q, c, _ in pairs:
        if q == q_head or c == c_head or token_class(name[c]) != "distinctive":
            continue
        if (q < q_head) != (c < c_head):
            return 0.14
    return 0.0


def _similarity(a: str, b: str) -> float:
    return 1.0 - OSA.distance(a, b) / max(len(a), len(b))


def _order_penalty(
    query: tuple[str, ...],
    name: tuple[str, ...],
    pairs: list[tuple[int, int, float]],
    tail_place: str,
) -> float:
    """0.06 when distinctive words come in another order; 0.15 when '... of China' moved."""
    ordered = sorted((q, c) for q, c, _ in pairs if token_class(name[c]) in ("distinctive", "semi"))
    positions = [c for _, c in ordered]
    if positions == sorted(positions):
        return 0.0
    if tail_place:
        last_q = max((q for q, c in ordered if name[c] == tail_place), default=None)
        if last_q is not None and last_q != max(q for q, _ in ordered):
            return 0.15
    return 0.06


__all__ = [
    "STOPWORDS",
    "IndexEntry",
    "Match",
    "ScreeningIndex",
    "Thresholds",
    "name_variants",
]
