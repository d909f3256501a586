"""Affiliation units: an affiliation string parsed into typed parts, each matched by its rule.

:func:`parse_units` splits an affiliation ("State Key Laboratory of X, School of Y, Xidian
University, Xi'an 710071, China; ...") into one list of :class:`Unit` per affiliation (``;``
separates affiliations), each unit typed ``lab``, ``institute``, ``school``, ``host``, ``city``,
``postcode`` or ``other``. :class:`UnitMatcher` matches the units the whole-name index cannot:

* **a laboratory at its host**: the 1286 list names laboratories "Defense S&T Key Laboratory
  of <topic> at <host>"; papers write "National Key Laboratory of <topic>, <host>" or
  "Science and Technology on <topic> Laboratory, <host>". A lab unit matches a listed
  laboratory when one of the affiliation's host units is the listed host (normalised) and
  its topic words are all among the listed topic's (a word may be written joined, as
  "multispectral" for "multi-spectral"), covering at least half of them or naming it by an
  acronym that is not an English word ("ATR Key Laboratory").
* **order-insensitive institution forms**: "Harbin Technology Institute" and "Moscow Physics
  and Technology Institute" are screened again as "Harbin Institute of Technology" and
  "Moscow Institute of Physics and Technology" (:func:`institution_reorders`); the screener
  keeps such matches only for institutions, not companies ("Beijing Genomics Institute" is a
  company's former name, "Beijing Institute of Genomics" an academy's institute).
* **parts joined by a spaced dash**: "Ural State Technical University - UPI" and "Russian
  Federal Nuclear Center - Zababakhin Institute" are screened part by part
  (:func:`dash_parts`).
* **a unit's parent**: "the 14th Research Institute of China Electronics Technology Group
  Corporation" or "the Second Academy of China Aerospace Science and Industry Corporation"
  names its parent group after "of"; that tail is screened on its own, as a name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from rules.screening.dictionary import is_english_word
from rules.screening.normalize import (
    _clean_affiliation,
    _segments,
    content_tokens,
    is_place_only,
    tokens_of,
)
from rules.screening.vocab import ACADEMIC, STOPWORDS, wordset

LAB_SCORE = 0.93
_LAB = "laboratory"
_HOST_WORDS = frozenset({"university", "academy", "polytechnic", "corporation", "group"})
_INSTITUTE_WORDS = frozenset({"institute", "center", "observatory"})
_SCHOOL_WORDS = frozenset(
    {"school", "college", "faculty", "department", "division", "hospital", "clinic"}
)
_NAME_HEADS = frozenset({"university", "academy", "institute", "college", "polytechnic"})
#: Words of a laboratory's name that say what kind of laboratory it is, not what it studies.
TOPIC_STOP = wordset(
    """
    defense science technology national state key laboratory ministry education fundamental
    joint provincial municipal engineering research on of for the and in at
    """
)
#: Words after "of" that make the tail a parent organisation ("... of CETC", "... of CASIC").
_PARENT_WORDS = frozenset({"corporation", "group", "company", "academy", "university"})
_UNIT_WORDS = frozenset({"institute", "academy", "laboratory", "center", "branch", "factory"})
_ORDINAL_RE = re.compile(r"^(?:\d+(?:st|nd|rd|th)?|first|second|third|fourth|fifth|sixth)$")
_POSTCODE_RE = re.compile(r"\d{4,}")
_AT_RE = re.compile(r"^(?P<lab>.*\blaborator\w*\b.*?)\s+at\s+(?P<host>.+)$", re.IGNORECASE)
_DASH_RE = re.compile(r"\s+[\u2013\u2014-]\s+")


@dataclass(frozen=True)
class Unit:
    """One part of an affiliation: its kind, text and normalised tokens."""

    kind: str
    text: str
    tokens: tuple[str, ...]


def unit_kind(text: str, tokens: tuple[str, ...]) -> str:
    """'lab' | 'host' | 'institute' | 'school' | 'city' | 'postcode' | 'other'."""
    content = content_tokens(tokens)
    if not content:
        return "postcode" if _POSTCODE_RE.search(text) else "other"
    if is_place_only(content):
        return "city"
    if _LAB in content:
        return "lab"
    if any(t in _HOST_WORDS for t in content):
        return "host"
    if any(t in _INSTITUTE_WORDS for t in content):
        return "institute"
    if any(t in _SCHOOL_WORDS for t in content):
        return "school"
    return "other"


@lru_cache(maxsize=512)
def parse_units(text: str) -> tuple[tuple[Unit, ...], ...]:
    """The units of each ``;``-separated affiliation in ``text``, in order (cached: the
    screener's rules each read them)."""
    out: list[tuple[Unit, ...]] = []
    for group in re.split(r"[;\n|]", _clean_affiliation(text)):
        units: list[Unit] = []
        for segment in _segments(group):
            tokens = tuple(tokens_of(segment))
            units.append(Unit(unit_kind(segment, tokens), segment, tokens))
        if units:
            out.append(tuple(units))
    return tuple(out)


@dataclass(frozen=True)
class _Lab:
    entry: int
    name: str
    topic: frozenset[str]
    joined: frozenset[str]  # adjacent topic words written together: "multi spectral"


def _topic(tokens: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    return tuple(t for t in content_tokens(tokens) if t not in TOPIC_STOP and len(t) > 1)


def _host_key(tokens: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    return tuple(t for t in content_tokens(tokens) if t != "the")


def lab_form(name: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """(topic words, host key) of a listed laboratory name, or None when it names no host.

    "X Key Laboratory of T at H", "H - Key Laboratory of T" (any dash) and "Key Laboratory of T, H".
    """
    parts: tuple[str, str] | None = None
    match = _AT_RE.match(name)
    if match:
        parts = (match.group("lab"), match.group("host"))
    else:
        for splitter in (_DASH_RE, re.compile(r"\s*,\s*")):
            pieces = [p for p in splitter.split(name) if p.strip()]
            if len(pieces) != 2:
                continue
            a, b = pieces
            if "laborator" in a.lower() and "laborator" not in b.lower():
                parts = (a, b)
            elif "laborator" in b.lower() and "laborator" not in a.lower():
                parts = (b, a)
            if parts:
                break
    if parts is None:
        return None
    host = _host_key(tokens_of(parts[1]))
    if not any(t in _NAME_HEADS for t in host):
        return None  # "... at the Microscale" names no host
    topic = _topic(tokens_of(parts[0]))
    return (topic, host) if topic else None


def _covers(query: tuple[str, ...], lab: _Lab) -> bool:
    """Whether the query's topic words name this laboratory (see the module docstring)."""
    matched: set[str] = set()
    for token in query:
        if token in lab.topic:
            matched.add(token)
        elif token.endswith("s") and token[:-1] in lab.topic:
            matched.add(token[:-1])
        elif token + "s" in lab.topic:
            matched.add(token + "s")
        elif token in lab.joined:
            matched.add(token)
        else:
            return False
    if not matched:
        return False
    if any(len(t) >= 3 and not is_english_word(t) and t.isalpha() for t in query):
        return True  # "ATR Key Laboratory": an acronym names it
    return len(query) >= 2 and len(matched) * 2 >= len(lab.topic)


_REORDER_HEADS = frozenset({"institute", "academy", "college"})
#: A unit word or ordinal, then "of", then a parent word, in one comma-separated part.
_TAIL_RE = re.compile(
    r"(?:institut|academ|lab|cent|branch|factory|\d(?:st|nd|rd|th)\b|first|second|third|"
    r"fourth|fifth|sixth)[^,;]*\bof\b[^,;]*\b(?:corp|group|co\b|compan|academ|universit)",
    re.IGNORECASE,
)
_REORDER_RE = re.compile(r"\b(?:inst|acad|coll)", re.IGNORECASE)


def institution_reorders(text: str) -> list[str]:
    """'<Name> <Field> Institute' units rewritten '<Name> Institute of <Field>'."""
    out: list[str] = []
    if _REORDER_RE.search(text) is None:
        return out
    for units in parse_units(text):
        for unit in units:
            tokens = [t for t in unit.tokens if t not in STOPWORDS or t == "and"]
            if len(tokens) < 3 or tokens[-1] not in _REORDER_HEADS or "of" in unit.tokens:
                continue
            first_field = next((i for i, t in enumerate(tokens) if t in ACADEMIC), None)
            if not first_field or first_field >= len(tokens) - 1:
                continue  # no name before the field words, or no field words
            field = tokens[first_field:-1]
            if not all(t in ACADEMIC or t == "and" for t in field):
                continue
            name = " ".join([*tokens[:first_field], tokens[-1], "of", *field])
            if name not in out:
                out.append(name)
    return out


def dash_parts(text: str) -> list[str]:
    """The parts of a unit written "<name> - <name>" (a spaced dash), each of two words or more."""
    out: list[str] = []
    if _DASH_RE.search(text) is None:
        return out
    for units in parse_units(text):
        for unit in units:
            for part in _DASH_RE.split(unit.text):
                part = part.strip()
                if part != unit.text and len(content_tokens(tokens_of(part))) >= 2:
                    out.append(part)
    return out


def _tail(tokens: tuple[str, ...]) -> tuple[str, ...] | None:
    """The parent after 'of' in "<ordinal or unit> ... of <parent group>", else None."""
    for i in range(len(tokens) - 1, 0, -1):
        if tokens[i] != "of":
            continue
        left, right = tokens[:i], tokens[i + 1 :]
        while right and right[0] == "the":
            right = right[1:]
        if len(content_tokens(right)) < 3 or not any(t in _PARENT_WORDS for t in right):
            return None
        if any(t in _UNIT_WORDS or _ORDINAL_RE.match(t) for t in left):
            return right
        return None
    return None


class UnitMatcher:
    """Listed laboratories by host, and parents named in a unit's tail (module docstring)."""

    def __init__(self, names: list[tuple[int, str]]) -> None:
        """``names``: (entry id, name or alias) for every listed name."""
        self._labs: dict[tuple[str, ...], list[_Lab]] = {}
        for entry_id, name in names:
            if "laborator" not in name.lower():
                continue
            form = lab_form(name)
            if form is None:
                continue
            topic, host = form
            joined = frozenset(a + b for a, b in pairwise(topic))
            lab = _Lab(entry_id, name, frozenset(topic), joined)
            self._labs.setdefault(host, []).append(lab)

    def labs(self, text: str) -> list[tuple[int, str, float]]:
        """(entry id, matched listed name, score) for laboratories named with their host."""
        out: list[tuple[int, str, float]] = []
        if not self._labs or "lab" not in text.lower():
            return out
        for units in parse_units(text):
            hosts = {_host_key(u.tokens) for u in units if u.kind in ("host", "institute")}
            candidates = [lab for host in hosts for lab in self._labs.get(host, ())]
            if not candidates:
                continue
            for unit in units:
                if unit.kind != "lab":
                    continue
                topic = _topic(unit.tokens)
                if not topic:
                    continue
                out.extend(
                    (lab.entry, lab.name, LAB_SCORE) for lab in candidates if _covers(topic, lab)
                )
        return out

    @staticmethod
    def parent_tails(text: str) -> list[str]:
        """Parent organisations named after 'of' in a unit ("... Institute of <Group>")."""
        if _TAIL_RE.search(text) is None:
            return []
        tails: list[str] = []
        for units in parse_units(text):
            for unit in units:
                tail = _tail(unit.tokens)
                if tail and " ".join(tail) not in tails:
                    tails.append(" ".join(tail))
        return tails
