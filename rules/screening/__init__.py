"""Screening organisation names against restricted lists (pure Python, no Django).

* :func:`normalize` / :func:`split_affiliation`: canonical names and organisation candidates
  in CV/paper affiliation strings.
* :class:`ScreeningIndex`: exact and alias lookup, blocked fuzzy candidates (rapidfuzz) and a
  calibrated score in [0, 1] with an accept/review decision (:class:`Thresholds`).
* :class:`Screener`: the index plus affiliation-unit rules (laboratories at their host,
  parents named after "of") and brand short names; what the product screens with.
"""

from rules.screening.index import IndexEntry, Match, ScreeningIndex, Thresholds, name_variants
from rules.screening.normalize import normalize, split_affiliation
from rules.screening.screener import Screener

__all__ = [
    "IndexEntry",
    "Match",
    "Screener",
    "ScreeningIndex",
    "Thresholds",
    "name_variants",
    "normalize",
    "split_affiliation",
]
