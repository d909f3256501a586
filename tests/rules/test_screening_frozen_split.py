"""The frozen screening test split (issue 22) may not change: its SHA-256 is recorded."""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"
FROZEN = DATA / "screening_frozen_test.csv"
TUNING = DATA / "screening_tuning.csv"
OLD = DATA / "screening_labelled.csv"
#: Also in tests/data/screening_frozen_test.sha256; both must agree with the file.
FROZEN_SHA256 = "f35e969c8dad311b1dda80ac3aed79fadcef4c246b35beb27184dee6be256c96"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_frozen_split_hash_is_recorded_and_unchanged() -> None:
    digest = hashlib.sha256(FROZEN.read_bytes()).hexdigest()
    recorded = (DATA / "screening_frozen_test.sha256").read_text().split()[0]
    assert recorded == FROZEN_SHA256
    assert digest == FROZEN_SHA256, "the frozen screening test split changed"


def test_splits_are_disjoint_and_test_holds_at_least_40_percent_per_category() -> None:
    frozen, tuning, old = _rows(FROZEN), _rows(TUNING), _rows(OLD)
    queries = [r["query"] for r in frozen + tuning + old]
    assert len(queries) == len(set(queries)), "a query is in two sets"
    assert len(frozen) + len(tuning) >= 300
    test_cats = Counter(r["category"] for r in frozen)
    all_cats = test_cats + Counter(r["category"] for r in tuning)
    for category, total in all_cats.items():
        assert test_cats[category] >= 0.4 * total - 1, category
    assert len(frozen) >= 0.4 * (len(frozen) + len(tuning))
