"""Text for the PDF: characters the fonts can print, and the display form of cell values.

No Unicode text font ships with a package in the venv (the only TTFs are Bootstrap/Font
Awesome icon fonts and VS Code codicons; none covers CJK), so by default the PDF uses the
Helvetica core font in the Windows-1252 encoding and :func:`transliterate` maps everything
else: other accented Latin letters lose their accents, Cyrillic and Greek are romanised, a few
symbols get ASCII forms, and a run of characters with no Latin form is never dropped silently:
it becomes a bracketed note naming the script (``北京航空航天大学 (Beihang)`` ->
``[Chinese text] (Beihang)``), and the cover says the CSV and XLSX carry the exact text.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, Final

from compliance.reports.writers import coerce, format_money

__all__ = ["ENCODING", "keep_unicode", "pdf_cell_text", "transliterate"]

ENCODING: Final = "cp1252"
_ENCODING: Final = ENCODING
#: Stands in for a character with no Latin form while mapping; runs of it become a note.
_NO_FORM: Final = "\x00"

# --------------------------------------------------------------------------- transliteration

# Tables are built from code points so the source holds no look-alike letters.
_CYRILLIC_BASIC = (  # U+0430..U+044F
    "a b v g d e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya"
)
_CYRILLIC_EXTRA = "e e dj g ye dz i yi j lj nj c k i u dz"  # U+0450..U+045F
_GREEK_BASIC = "a v g d e z i th i k l m n x o p r s s t y f ch ps o"  # U+03B1..U+03C9


def _block(first: int, names: str) -> dict[str, str]:
    return {
        chr(first + offset): ("" if name == "-" else name)
        for offset, name in enumerate(names.split())
    }


_TABLE: Final = {
    **_block(0x0430, _CYRILLIC_BASIC),
    **_block(0x0450, _CYRILLIC_EXTRA),
    **_block(0x03B1, _GREEK_BASIC),
    "\u0491": "g",  # Ukrainian ghe with upturn
    # Latin letters that do not decompose to an ASCII base
    "\u0111": "d", "\u0127": "h", "\u0131": "i", "\u0138": "q", "\u0140": "l",
    "\u0142": "l", "\u014b": "ng", "\u0167": "t", "\u017f": "s", "\u01dd": "e",
    "\u0259": "e", "\u1e9e": "SS",
    # dashes, primes, arrows and maths symbols missing from Windows-1252
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2015": "-", "\u2212": "-",
    "\u2032": "'", "\u2033": '"', "\u2190": "<-", "\u2192": "->", "\u2194": "<->",
    "\u21d2": "=>", "\u2248": "~", "\u2260": "!=", "\u2264": "<=", "\u2265": ">=",
    "\u2713": "v", "\u2714": "v", "\u2717": "x",
}  # fmt: skip


def _encodable(text: str) -> bool:
    try:
        text.encode(_ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def _from_table(char: str) -> str | None:
    if char in _TABLE:
        return _TABLE[char]
    lower = char.lower()
    if lower != char and lower in _TABLE:
        return _TABLE[lower].capitalize()  # Щ -> Shch
    return None


@lru_cache(maxsize=8192)
def _map_char(char: str) -> str:
    category = unicodedata.category(char)
    if char == "\n":
        return char
    if char == "\t" or category == "Zs":
        return " "
    if category in {"Cc", "Cf", "Cs", "Mn", "Me"}:
        return ""  # controls, zero-width / bidi marks, lone surrogates, stray accents
    if _encodable(char):
        return char
    mapped = _from_table(char)
    if mapped is not None:
        return mapped
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    if base and base != char:
        parts = [_map_char(c) for c in base]
        if _NO_FORM not in parts:
            return "".join(parts)
    return _NO_FORM


def _script(char: str) -> str:
    name = unicodedata.name(char, "")
    for prefix, script in _SCRIPTS:
        if name.startswith(prefix):
            return script
    return "non-Latin"


_SCRIPTS: Final = (
    ("CJK", "Chinese"),
    ("HIRAGANA", "Japanese"),
    ("KATAKANA", "Japanese"),
    ("HANGUL", "Korean"),
    ("ARABIC", "Arabic"),
    ("HEBREW", "Hebrew"),
    ("DEVANAGARI", "Devanagari"),
    ("THAI", "Thai"),
)
_RUNS: Final = re.compile(r"\[([\w-]+) text\](?: \[\1 text\])+")


def transliterate(text: str) -> str:
    """Map ``text`` onto the Windows-1252 characters the PDF core fonts can print.

    Never raises; newlines are kept, tabs and other spaces become plain spaces, invisible
    characters are dropped, and a run of characters with no Latin equivalent becomes a note
    naming its script (``[Chinese text]``), never a silent ``?``.
    """
    text = unicodedata.normalize("NFC", text)
    if _encodable(text) and text.isprintable():
        return text
    out: list[str] = []
    run: str | None = None
    for char in text:
        mapped = _map_char(char)
        if mapped == _NO_FORM:
            script = _script(char)
            if script != run:
                out.append(f"[{script} text]")
                run = script
            continue
        run = None
        out.append(mapped)
    return _RUNS.sub(r"[\1 text]", "".join(out))


def keep_unicode(text: str) -> str:
    """Text for an embedded Unicode font: only controls and invisible characters are dropped."""
    text = unicodedata.normalize("NFC", text)
    if text.isprintable():
        return text
    return "".join(
        char if char == "\n" or char.isprintable() else (" " if char == "\t" else "")
        for char in text
    )


# --------------------------------------------------------------------------- cell text


def pdf_cell_text(value: Any, kind: str) -> str:
    """Display text of a value in the PDF (before character mapping); text is not neutralised.

    Money: ``$1,234.50``; int: ``1234``; float: up to six significant digits; dates ISO;
    datetimes ``YYYY-MM-DD HH:MM`` (``UTC`` appended when the value was aware); bool yes/no.
    Text has its whitespace (including newlines) collapsed to single spaces.
    """
    typed = coerce(value, kind)
    if typed is None:
        return ""
    if isinstance(typed, bool):
        return "yes" if typed else "no"
    if isinstance(typed, int):
        return str(typed)
    if isinstance(typed, float):
        return format(typed, ".6g")
    if isinstance(typed, Decimal):
        return format_money(typed, symbol="$")
    if isinstance(typed, datetime):
        suffix = " UTC" if typed.tzinfo is not None else ""
        return typed.strftime("%Y-%m-%d %H:%M") + suffix
    if isinstance(typed, date):
        return typed.isoformat()
    return " ".join(str(typed).split())
