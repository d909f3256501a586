"""Tokenising and phrase matching for the field tagger (pure Python, no regex per phrase)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

_TOKEN_RE = re.compile(r"[a-z0-9]+")
_HTML_BREAK_RE = re.compile(r"(?:<|&lt;)\s*br\s*/?\s*(?:>|&gt;)", re.IGNORECASE)
# NSF appends the same sentence to every abstract; it says nothing about the field.
_NSF_BOILERPLATE_RE = re.compile(
    r"This award reflects NSF'?s statutory mission.*$", re.IGNORECASE | re.DOTALL
)
_KEEP_FINAL_S = ("ss", "us", "is", "ys", "os", "as")
_ES_STEMS = ("sses", "xes", "zes", "ches", "shes")


@lru_cache(maxsize=65536)
def fold_token(token: str) -> str:
    """Fold simple English plurals so that "batteries" matches "battery"."""
    if len(token) <= 3 or token[-1] != "s" or token[-2].isdigit():
        return token
    if token.endswith("ies") and len(token) > 4:
        return token[:-3] + "y"
    if token.endswith(_ES_STEMS):
        return token[:-2]
    if token.endswith(_KEEP_FINAL_S):
        return token
    return token[:-1]


def clean_text(text: str) -> str:
    """Drop HTML line breaks and NSF's standard closing sentence."""
    text = _HTML_BREAK_RE.sub(" ", text)
    return _NSF_BOILERPLATE_RE.sub("", text)


_SENTENCE_END_RE = re.compile(r"(?<=[.!?;:])\s+(?=[A-Z0-9(\"'])")


def sentences(text: str) -> list[str]:
    """Rough sentence split (enough to keep application lists apart from the work itself)."""
    return [part for part in _SENTENCE_END_RE.split(text) if part.strip()]


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens with plural folding; punctuation and hyphens separate tokens."""
    return [fold_token(tok) for tok in _TOKEN_RE.findall(text.lower())]


def phrase_key(phrase: str) -> tuple[str, ...]:
    """The token tuple a phrase is matched as ("Post-quantum" -> ("post", "quantum"))."""
    return tuple(tokenize(phrase))


@dataclass(frozen=True)
class PhraseHit:
    """One phrase occurrence: the phrase index and the token position where it starts."""

    phrase: int
    start: int


@dataclass(frozen=True)
class PhraseMatcher:
    """Greedy longest-match phrase finder over token lists.

    At every position the longest known phrase starting there wins and its tokens are consumed,
    so "quantum dot" (a mask) hides the "quantum" inside it and "wind turbine" is not read as
    "turbine".
    """

    phrases: tuple[tuple[str, ...], ...]
    _by_first: Mapping[str, tuple[tuple[tuple[str, ...], int], ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        grouped: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        for index, key in enumerate(self.phrases):
            if key:
                grouped.setdefault(key[0], []).append((key, index))
        by_first = {
            first: tuple(sorted(items, key=lambda item: -len(item[0])))
            for first, items in grouped.items()
        }
        object.__setattr__(self, "_by_first", by_first)

    @classmethod
    def build(cls, keys: Iterable[tuple[str, ...]]) -> PhraseMatcher:
        return cls(phrases=tuple(keys))

    def find(self, tokens: list[str]) -> list[PhraseHit]:
        hits: list[PhraseHit] = []
        position = 0
        count = len(tokens)
        by_first = self._by_first
        while position < count:
            candidates = by_first.get(tokens[position])
            matched = 0
            if candidates:
                for key, index in candidates:
                    size = len(key)
                    if size == 1 or tuple(tokens[position : position + size]) == key:
                        hits.append(PhraseHit(phrase=index, start=position))
                        matched = size
                        break
            position += matched or 1
        return hits
