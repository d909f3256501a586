"""Normalising organisation names and splitting affiliation strings into organisations.

``normalize`` folds a name to a canonical, space-separated form: Unicode NFKC, traditional to
simplified Chinese for common characters, casefold, accents and apostrophes removed, ``&``
and ``S&T`` spelled out, stand-alone ``CAS``/``RAS`` spelled out, punctuation to spaces,
abbreviations expanded (Univ., Inst., Technol., Sci., Natl., Acad., Dept., Lab., Engn., Mil.,
...; ambiguous ones such as "Tech." or "Elect." are kept and matched to any of their
readings), postal codes dropped, and trailing comma-separated place segments
(", Beijing 100191, China") dropped.

``split_affiliation`` turns a CV/paper affiliation into organisation candidates; see its
docstring for the order.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from itertools import pairwise

from rules.screening.vocab import (
    ABBREVIATIONS,
    ACADEMIC,
    AMBIGUOUS,
    GENERIC,
    HEADS,
    MAX_PLACE_WORDS,
    PHRASES,
    PLACE_WORDS,
    PLACES,
    SEMI_GENERIC,
    STOPWORDS,
    SUBUNIT_HEADS,
    TRAD_TO_SIMP,
    wordset,
)

_QMARK_APOSTROPHE_RE = re.compile(r"(?<=[A-Za-z])\?(?=[A-Za-z])")
_QUOTES_RE = re.compile("[\u2019\u2018`\u00b4\u02bc\u2032]")  # apostrophe look-alikes
_ST_RE = re.compile(r"\bs\s*&\s*t\b")
_RD_RE = re.compile(r"\br\s*&\s*d\b")
_POSSESSIVE_RE = re.compile(r"(?<=\w)'s\b")
_APOSTROPHE_RE = re.compile(r"'")
_NON_WORD_RE = re.compile(r"[\W_]+")
_POSTCODE_RE = re.compile(r"^\d{5,}$")
_EMAIL_RE = re.compile(r"\S+@\S+")
_URL_RE = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_ELECTRONIC_RE = re.compile(r"electronic address\s*:?", re.IGNORECASE)
_FROM_RE = re.compile(r"^(?:from\s+the|from)\s+", re.IGNORECASE)
_US_ZIP_RE = re.compile(r"^[A-Za-z]{2}\s*\d{5}(?:-\d{4})?$")
_PAREN_RE = re.compile(r"\(([^()]*)\)|\[([^\[\]]*)\]")
_CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CJK_ORG_SUFFIX_RE = re.compile(
    r"(大学|学院|研究院|研究所|科学院|研究中心|中心|实验室|重点实验室|公司|集团|大學|學院)"
)
_ADDRESS_WORDS = wordset(
    """
    road rd street st avenue ave lane boulevard blvd building bldg floor room box po no
    """
)
_PHRASES_BY_FIRST: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
for _phrase, _replacement in PHRASES.items():
    _PHRASES_BY_FIRST.setdefault(_phrase[0], []).append((_phrase, _replacement))
_UNIVERSITY = "university"
_OF = "of"
_NAME_HEADS = frozenset({"university", "institute", "academy", "college", "school", "polytechnic"})
#: Words that follow "University (of)" in names: after "Univ" they continue the name.
_FIELD_WORDS = wordset(
    """
    technology science engineering aeronautics astronautics posts telecommunications
    electronic information finance economics business medicine chinese traditional petroleum
    mining geosciences defense international political law agriculture agricultural forestry
    """
)


#: Academy abbreviations spelled out when written in capitals on their own ("Inst. of
#: Physics, CAS"; not "EP-CAS").
_ACADEMY_ABBREVIATIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<![\w-])SB RAS(?![\w-])"), " Siberian Branch Russian Academy of Sciences "),
    (re.compile(r"(?<![\w-])RAS(?![\w-])"), " Russian Academy of Sciences "),
    (re.compile(r"(?<![\w-])CAS(?![\w-])"), " Chinese Academy of Sciences "),
)


def _fold(text: str) -> str:
    """NFKC, Chinese folding, casefold, spelled-out '&', apostrophes and accents removed."""
    text = unicodedata.normalize("NFKC", text).translate(TRAD_TO_SIMP)
    if "AS" in text:
        for pattern, spelled in _ACADEMY_ABBREVIATIONS:
            text = pattern.sub(spelled, text)
    text = _QMARK_APOSTROPHE_RE.sub("'", text)
    text = _QUOTES_RE.sub("'", text).casefold()
    if "&" in text:
        text = _ST_RE.sub(" science and technology ", text)
        text = _RD_RE.sub(" research and development ", text)
        text = text.replace("&", " and ")
    if "'" in text:
        text = _POSSESSIVE_RE.sub("", text)
        text = _APOSTROPHE_RE.sub("", text)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
        text = unicodedata.normalize("NFC", text)
    return text


def _words(folded: str) -> list[str]:
    """Tokens of folded text: punctuation split, postal codes dropped, abbreviations expanded."""
    out: list[str] = []
    for raw in _NON_WORD_RE.sub(" ", folded).split():
        if _POSTCODE_RE.match(raw):
            continue
        out.append(ABBREVIATIONS.get(raw, raw))
    return _apply_phrases(out)


def _apply_phrases(tokens: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for phrase, replacement in _PHRASES_BY_FIRST.get(tokens[i], ()):
            n = len(phrase)
            if tuple(tokens[i : i + n]) == phrase:
                out.extend(replacement)
                i += n
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


def is_place_only(tokens: list[str] | tuple[str, ...]) -> bool:
    """True when the tokens name only places (cities, provinces, countries, postal words)."""
    content = [t for t in tokens if t not in STOPWORDS]
    if not content:
        return False
    i = 0
    seen_place = False
    while i < len(content):
        for n in range(min(MAX_PLACE_WORDS, len(content) - i), 0, -1):
            if " ".join(content[i : i + n]) in PLACES:
                seen_place = True
                i += n
                break
        else:
            token = content[i]
            if token in PLACE_WORDS or token.isdigit():
                i += 1
                continue
            return False
    return seen_place or all(t.isdigit() or t in _ADDRESS_WORDS for t in content)


def place_countries(tokens: list[str] | tuple[str, ...]) -> set[str]:
    """Country codes of the places named anywhere in ``tokens``."""
    found: set[str] = set()
    n_tokens = len(tokens)
    for i in range(n_tokens):
        for n in range(min(MAX_PLACE_WORDS, n_tokens - i), 0, -1):
            code = PLACES.get(" ".join(tokens[i : i + n]))
            if code:
                found.add(code)
                break
    return found


def tokens_of(name: str) -> list[str]:
    """Normalised tokens of a name (see :func:`normalize`)."""
    folded = _fold(name)
    if "," in folded:
        parts = folded.split(",")
        while len(parts) > 1:
            tail = _words(parts[-1])
            if tail and not is_place_only(tail):
                break
            parts.pop()
        folded = " ".join(parts)
    return _words(folded)


def all_tokens(text: str) -> list[str]:
    """Tokens of a whole text, place segments included (for finding the places it names)."""
    return _words(_fold(text).replace(",", " "))


def normalize(name: str) -> str:
    """Canonical form of an organisation name, for exact comparison and indexing."""
    return " ".join(tokens_of(name))


def content_tokens(tokens: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Tokens without stop words ("of", "the", "and", ...) nor repeats, in order."""
    return tuple(dict.fromkeys(t for t in tokens if t not in STOPWORDS))


def token_class(token: str) -> str:
    """'generic' | 'semi' | 'head' | 'distinctive' (how much a token identifies a name)."""
    if token in GENERIC or (len(token) <= 2 and token.isascii() and token.isalpha()):
        return "generic"  # legal forms, articles, initials ("A.N. Tupolev", "MV Lomonosov")
    if token in SEMI_GENERIC:
        return "semi"
    if token in HEADS:
        return "head"
    return "distinctive"


def has_cjk(text: str) -> bool:
    return _CJK_RE.search(text) is not None


# ----------------------------------------------------------------------- affiliations


@dataclass(frozen=True)
class Candidate:
    """An organisation candidate: display text, normalised tokens, and whether only an exact
    name may match it (for candidates the splitter assembled, not found in the text)."""

    text: str
    tokens: tuple[str, ...]
    exact_only: bool = False


def _clean_affiliation(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = _ELECTRONIC_RE.sub(" ", text)
    text = _EMAIL_RE.sub(" ", text)
    text = _URL_RE.sub(" ", text)
    return text


_DANGLING_RE = re.compile(r"\s+(?:of|of the)\s*$", re.IGNORECASE)


def _uninvert(parts: list[str]) -> list[str]:
    """Catalogue order 'Defense Technology, National University of' -> name order."""
    out: list[str] = []
    for part in parts:
        if out and _DANGLING_RE.search(part.strip(" .")):
            out[-1] = f"{part.strip(' .')} {out[-1].strip()}"
        else:
            out.append(part)
    return out


def _segments(group: str) -> list[str]:
    """Comma-separated parts of one affiliation, parentheticals as parts of their own."""
    out: list[str] = []
    for part in _uninvert(group.split(",")):
        inner = [m.group(1) or m.group(2) or "" for m in _PAREN_RE.finditer(part)]
        outer = _PAREN_RE.sub(" ", part)
        for piece in (outer, *inner):
            piece = piece.strip(" .;:-\u2013\u2014\t")
            piece = _FROM_RE.sub("", piece)
            piece = re.sub(r"^(?:and|the)\s+", "", piece, flags=re.IGNORECASE)
            piece = re.sub(r"\s+and$", "", piece, flags=re.IGNORECASE).strip(" .")
            if piece:
                out.append(piece)
    return out


def _is_noise(text: str, tokens: tuple[str, ...]) -> bool:
    content = [t for t in tokens if t not in STOPWORDS]
    if not content:
        return True
    if all(token_class(t) == "generic" or t.isdigit() for t in content):
        return True
    if _US_ZIP_RE.match(text.strip()):
        return True
    if is_place_only(content):
        return True
    return any(t.isdigit() for t in content) and any(t in _ADDRESS_WORDS for t in content)


def _proper(tokens: tuple[str, ...] | list[str]) -> bool:
    """Whether the tokens hold a proper noun (a word not from generic academic vocabulary)."""
    return any(
        t not in ACADEMIC and t not in STOPWORDS and token_class(t) == "distinctive" for t in tokens
    )


def _subunit_split(tokens: tuple[str, ...]) -> list[tuple[str, ...]]:
    """'X University School of Y' -> ['X University', 'School of Y'] (no split inside names).

    Also 'First Affiliated Hospital of X University' -> [..., 'X University'].
    """
    n = len(tokens)
    for i, token in enumerate(tokens[:-1]):
        if i == 0:
            continue
        nxt = tokens[i + 1]
        if (
            token == _UNIVERSITY
            and nxt not in STOPWORDS
            and nxt not in _FIELD_WORDS
            and nxt not in AMBIGUOUS
            and any(t in SUBUNIT_HEADS for t in tokens[i + 1 :])
            and _proper(tokens[:i])
        ):
            # "Sun Yat-sen University Cancer Center"; not "Tianjin Univ Technol" (an "of"
            # dropped, as in Web of Science addresses)
            return [tokens[: i + 1], tokens[i + 1 :]]
        if (
            token in SUBUNIT_HEADS
            and (token not in ("state", "key") or tokens[i + 1] in ("key", "laboratory"))
            and i >= 2
            and any(t in _NAME_HEADS for t in tokens[:i])
            and tokens[i - 1] not in STOPWORDS
            and _proper(tokens[:i])
        ):
            return [tokens[:i], tokens[i:n]]
    for i, token in enumerate(tokens):
        # "X Institute of Technology Chongqing Innovation Center": a place after the name
        # and before a unit's words
        if (
            i >= 2
            and token in PLACES
            and tokens[-1] in SUBUNIT_HEADS
            and tokens[i - 1] not in STOPWORDS
            and any(t in _NAME_HEADS for t in tokens[:i])
            and _proper(tokens[:i])
        ):
            return [tokens[:i], tokens[i:]]
    for i, token in enumerate(tokens):
        if token != _OF or i == 0:
            continue
        left, right = tokens[:i], tokens[i + 1 :]
        while right and right[0] in STOPWORDS:
            right = right[1:]
        if not any(t in SUBUNIT_HEADS for t in left):
            continue
        if any(t in _NAME_HEADS for t in right) and len(content_tokens(right)) >= 2:
            return [left, right]  # "Graduate School of China Academy of Engineering Physics"
        if len(right) == 1 and len(right[0]) >= 3 and not right[0].isdigit() and _proper(right):
            return [left, right]  # "The 54th Research Institute of CETC" -> "CETC"
    return []


_PARENTS: tuple[tuple[str, ...], ...] = (
    ("siberian", "branch", "russian", "academy", "of", "science"),
    ("russian", "academy", "of", "science"),
    ("chinese", "academy", "of", "science"),
)


def _strip_parent(tokens: tuple[str, ...]) -> tuple[str, ...] | None:
    """'Boreskov Institute of Catalysis SB RAS' -> 'Boreskov Institute of Catalysis'."""
    for parent in _PARENTS:
        n = len(parent)
        if len(tokens) > n + 1 and tokens[-n:] == parent:
            head = tokens[:-n]
            while head and head[-1] in STOPWORDS:
                head = head[:-1]
            if len(head) >= 2 and any(t in _NAME_HEADS for t in head):
                return head
    return None


def _strip_trailing_places(tokens: tuple[str, ...]) -> tuple[str, ...] | None:
    """'Beihang University Beijing' -> 'Beihang University' (only after an organisation noun)."""
    cut = len(tokens)
    stripped_place = False
    while cut > 1:
        for n in range(min(MAX_PLACE_WORDS, cut - 1), 0, -1):
            if " ".join(tokens[cut - n : cut]) in PLACES:
                cut -= n
                stripped_place = True
                break
        else:
            if tokens[cut - 1] in PLACE_WORDS or tokens[cut - 1].isdigit():
                cut -= 1
                continue
            break
    if not stripped_place:
        return None
    while cut > 0 and tokens[cut - 1] in {"at", "in"}:
        cut -= 1
    if cut > 0 and tokens[cut - 1] in STOPWORDS:
        return None  # "... of China" belongs to the name
    head = tokens[:cut]
    if len(head) >= 2 and _proper(head) and any(t in _NAME_HEADS for t in head):
        return head
    return None


_LAB_WORDS = frozenset({"laboratory", "research", "institute", "academy", "center"})


def _brand(tokens: tuple[str, ...]) -> str | None:
    """'Tencent AI Lab' -> 'tencent': a company name leading a research unit's name."""
    content = content_tokens(tokens)
    if len(content) < 2 or content[-1] not in _LAB_WORDS:
        return None
    if any(t in _NAME_HEADS or t in SUBUNIT_HEADS for t in content[1:-1]):
        return None
    first = content[0]
    if first in ACADEMIC or first in PLACES or token_class(first) != "distinctive":
        return None
    if first.isdigit() or len(first) < 3:
        return None
    return first


def _cjk_prefixes(text: str) -> list[str]:
    """'北京航空航天大学宇航学院' -> ['北京航空航天大学'] (prefixes ending at an org noun)."""
    compact = "".join(text.split())
    out: list[str] = []
    for match in _CJK_ORG_SUFFIX_RE.finditer(compact):
        prefix = compact[: match.end()]
        if prefix != compact and len(prefix) >= 3 and prefix not in out:
            out.append(prefix)
    return out


def _is_single_place(tokens: tuple[str, ...]) -> bool:
    content = [t for t in tokens if not t.isdigit()]
    return 0 < len(content) <= 2 and " ".join(content) in PLACES


def _join(a: Candidate, b: Candidate) -> Candidate:
    tokens = a.tokens + tuple(t for t in b.tokens if not t.isdigit())
    return Candidate(f"{a.text} {b.text}", tokens, exact_only=True)


def affiliation_candidates(text: str, *, max_segments: int = 8) -> list[Candidate]:
    """Organisation candidates with their tokens (see :func:`split_affiliation`)."""
    cleaned = _clean_affiliation(text)
    result: list[Candidate] = []
    seen: set[tuple[str, ...]] = set()

    def add(display: str, tokens: tuple[str, ...], exact_only: bool = False) -> None:
        if tokens and tokens not in seen:
            seen.add(tokens)
            result.append(Candidate(display, tokens, exact_only))

    singles: list[list[Candidate]] = []
    derived: list[Candidate] = []
    for group in re.split(r"[;\n]", cleaned):
        kept: list[Candidate] = []
        previous: Candidate | None = None
        for segment in _segments(group)[:max_segments]:
            tokens = tuple(tokens_of(segment))
            if _is_noise(segment, tokens):
                # "Institute of Technology, Harbin": a generic name and the place beside it
                if previous and _is_single_place(tokens) and not _proper(previous.tokens):
                    place = Candidate(segment, tokens)
                    derived.append(_join(place, previous))
                    derived.append(_join(previous, place))
                previous = None
                continue
            previous = Candidate(segment, tokens)
            kept.append(previous)
            if has_cjk(segment):
                for prefix in _cjk_prefixes(segment):
                    derived.append(Candidate(prefix, tuple(tokens_of(prefix))))
            parts = _subunit_split(tokens)
            for part in parts:
                if not _is_noise(" ".join(part), part):
                    derived.append(Candidate(" ".join(part), part))
                    more = _subunit_split(part)
                    derived.extend(Candidate(" ".join(p), p) for p in more)
            for toks in (tokens, *parts):
                for stripped in (_strip_trailing_places(toks), _strip_parent(toks)):
                    if stripped:
                        derived.append(Candidate(" ".join(stripped), stripped))
            brand = _brand(tokens)
            if brand:
                derived.append(Candidate(brand, (brand,)))
        singles.append(kept)

    for kept in singles:
        for cand in kept:
            add(cand.text, cand.tokens)
    for cand in derived:
        add(cand.text, cand.tokens, cand.exact_only)
    for kept in singles:
        for a, b in pairwise(kept):
            add(f"{a.text}, {b.text}", a.tokens + b.tokens)
            add(f"{b.text}, {a.text}", b.tokens + a.tokens)
        for a, b, c in zip(kept, kept[1:], kept[2:], strict=False):
            add(f"{a.text}, {b.text}, {c.text}", a.tokens + b.tokens + c.tokens)
    return result


def split_affiliation(text: str) -> list[str]:
    """Organisation candidates in an affiliation string.

    Order: each comma/semicolon-separated segment that is not only a place, postal code,
    address or e-mail, in order of appearance (parenthesised text is a segment of its own);
    then parts found inside segments (a university before its school, a Chinese name cut after
    大学/学院/研究所..., a name with trailing city removed); then combinations of adjacent
    segments in both orders ("Institute of Physics, Chinese Academy of Sciences"), the most
    specific candidates, last.
    """
    return [c.text for c in affiliation_candidates(text)]
