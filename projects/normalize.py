"""Organisation-name normalisation used to de-duplicate organisations.

This is deliberately conservative (case, accents, punctuation, spacing, "&"):
two spellings become one organisation only when they are the same name.
Matching names against restricted lists is the screening module's job.
"""

from __future__ import annotations

import re
import unicodedata

_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)
_SPACE = re.compile(r"\s+")


def organisation_key(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).casefold()
    text = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )
    text = text.replace("&", " and ")
    text = _PUNCT.sub(" ", text)
    text = _SPACE.sub(" ", text).strip()
    if text.startswith("the "):
        text = text[4:]
    return text
