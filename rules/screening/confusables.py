"""Invisible characters and look-alike letters in names, folded before screening.

Names typed or pasted into a form can hide what they are: a soft hyphen (U+00AD) or a
zero-width space (U+200B) inside a word splits it for the matcher though no reader sees it,
and a Cyrillic "a" (U+0430) or a Greek "o" (U+03BF) in a Latin word looks the same as the
Latin letter. Both made listed institutions screen as "No match".

:func:`fold_lookalikes` removes invisible characters (Unicode format characters, category
Cf, and the other default-ignorable code points) and, in the spirit of the UTS #39 skeleton,
maps letters of another script that are confusable with a Latin letter to that letter — only
inside words that mix scripts, or in a word of look-alike letters within a Latin name, so
that names written wholly in one script (哈尔滨工业大学, МГУ) are left as they are. The
confusable data comes from the locked ``confusable-homoglyphs`` package (Unicode
confusables.txt). A word that mixes scripts is reported: its matches go to a reviewer, never
to an automatic accept.

Pure Python, no Django.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING

from confusable_homoglyphs import categories, confusables

if TYPE_CHECKING:
    from rules.screening.index import Match, ScreeningIndex, Thresholds

#: Default-ignorable code points that are not category Cf (DerivedCoreProperties.txt).
_IGNORABLE_RANGES: tuple[tuple[int, int], ...] = (
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x115F, 0x1160),  # Hangul fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x180B, 0x180F),  # Mongolian variation selectors
    (0x3164, 0x3164),  # Hangul filler
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFFA0, 0xFFA0),  # halfwidth Hangul filler
    (0xE0100, 0xE01EF),  # variation selectors supplement
)
#: Script sets a single word may legitimately mix (UTS #39 "highly restrictive").
_ALLOWED_MIXES: tuple[frozenset[str], ...] = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)
_NEUTRAL = frozenset({"COMMON", "INHERITED", "Unknown"})
_WORD_RE = re.compile(r"[^\W_]+(?:[-'\u2019][^\W_]+)*")
MIXED_SCRIPT_REASON = "mixed scripts in one word: {words}"
LOOKALIKE_WORD_REASON = "{script} letters that look Latin in a Latin name: {words}"


@dataclass(frozen=True)
class FoldedName:
    """A name ready to screen, and why its matches must wait for a reviewer (if they must)."""

    original: str
    text: str
    reasons: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


def is_invisible(ch: str) -> bool:
    if unicodedata.category(ch) == "Cf":
        return True
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in _IGNORABLE_RANGES)


def strip_invisible(text: str) -> str:
    """``text`` without format characters and default-ignorable code points."""
    if text.isascii():
        return text
    return "".join(ch for ch in text if not is_invisible(ch))


@lru_cache(maxsize=4096)
def _script(ch: str) -> str:
    return categories.alias(ch)


@lru_cache(maxsize=4096)
def latin_prototype(ch: str) -> str | None:
    """The ASCII Latin letter ``ch`` is confusable with, if ``ch`` is of another script."""
    if ch.isascii() or _script(ch) in _NEUTRAL or _script(ch) == "LATIN":
        return None
    letters = [
        glyph["c"]
        for glyph in confusables.confusables_data.get(ch, ())
        if len(glyph["c"]) == 1 and glyph["c"].isascii() and glyph["c"].isalpha()
    ]
    same_case = [c for c in letters if c.isupper() == ch.isupper()]
    if same_case or not letters:
        return same_case[0] if same_case else None
    # confusables.txt's prototype for I, l and 1 is "l": a capital (Greek Iota, Cyrillic I)
    # reads as "I".
    return "I" if ch.isupper() and letters[0] == "l" else letters[0]


def _scripts(word: str) -> frozenset[str]:
    return frozenset(s for s in map(_script, word) if s not in _NEUTRAL)


def _mixed(scripts: frozenset[str]) -> bool:
    return len(scripts) > 1 and not any(scripts <= allowed for allowed in _ALLOWED_MIXES)


def _to_latin(word: str) -> str:
    return "".join(latin_prototype(ch) or ch for ch in word)


def _title(script: str) -> str:
    return script.capitalize()


def fold_lookalikes(name: str) -> FoldedName:
    """Invisible characters removed; look-alike letters in mixed or spoofed words made Latin."""
    text = unicodedata.normalize("NFC", strip_invisible(name))
    if text.isascii():
        return FoldedName(name, text)
    words = [(m.start(), m.end(), m.group()) for m in _WORD_RE.finditer(text)]
    scripts = [_scripts(w) for _, _, w in words]
    latin_name = any(s == {"LATIN"} for s in scripts)
    mixed: list[str] = []
    lookalike: dict[str, list[str]] = {}
    out, last = [], 0
    for (start, end, word), word_scripts in zip(words, scripts, strict=True):
        folded = word
        if _mixed(word_scripts):
            named = ", ".join(sorted(_title(s) for s in word_scripts))
            mixed.append(f"“{word}” ({named})")
            folded = _to_latin(word)
        elif (
            latin_name
            and len(word_scripts) == 1
            and "LATIN" not in word_scripts
            and all(latin_prototype(ch) for ch in word if ch.isalpha())
        ):
            [script] = word_scripts
            lookalike.setdefault(_title(script), []).append(f"“{word}”")
            folded = _to_latin(word)
        out.append(text[last:start] + folded)
        last = end
    out.append(text[last:])
    reasons = []
    if mixed:
        reasons.append(MIXED_SCRIPT_REASON.format(words=", ".join(mixed)))
    for script, found in sorted(lookalike.items()):
        reasons.append(LOOKALIKE_WORD_REASON.format(script=script, words=", ".join(found)))
    return FoldedName(name, "".join(out), tuple(reasons))


def screen_folded(
    index: ScreeningIndex, name: str, *, thresholds: Thresholds | None = None, limit: int = 10
) -> tuple[list[Match], FoldedName]:
    """Screen ``name`` after folding; with a reason, an auto-accept becomes a review."""
    folded = fold_lookalikes(name)
    matches = index.screen(folded.text, thresholds=thresholds, limit=limit)
    if folded.reasons:
        matches = [replace(m, decision="review") if m.decision == "accept" else m for m in matches]
    return matches, folded
