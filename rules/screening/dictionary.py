"""English words (Webster's Second International, via the ``english-words`` package).

Used as a guard: a company's short brand name that is an ordinary English word
("Continental", "Phoenix", "Align", "Eve") does not identify it on its own, and a laboratory
named by an acronym that is not a word ("ATR") is. Loaded once, on first use (~0.4 s).
"""

from __future__ import annotations

from functools import lru_cache

from english_words import get_english_words_set


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    return frozenset(get_english_words_set(["web2"], lower=True, alpha=True))


def is_english_word(word: str) -> bool:
    """Whether the (casefolded) word is in the dictionary, singular or plural."""
    words = english_words()
    return word in words or (word.endswith("s") and word[:-1] in words)
