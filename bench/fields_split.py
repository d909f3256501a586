#!/usr/bin/env python
"""How the issue-22 field-tagging split was made (run once, before any tuning).

Usage: python bench/fields_split.py [--data SAMPLE_CSV] --force

Reads tests/data/fields_labelled.csv (the 440 awards used while writing the tagger: all go to
tuning), tests/data/fields_labelled_new.csv (602 more NSF FY2017 awards) and
tests/data/fields_written.csv (92 written DoD/DOE/NIH-style records and look-alikes), and writes
tests/data/fields_tune.csv and tests/data/fields_test_frozen.csv. About 45% of the new records go
to the frozen test, stratified by rarest CET area (or none), source, and directorate / sponsor.
Collaborative awards share title and abstract: twins always land on the same side, and a twin
of a tuning award stays in tuning. The frozen file's SHA-256 is recorded in
tests/data/FROZEN.md and checked by tests/rules/test_fields_splits.py; re-running this script
with --force rewrites it (and that test then fails until FROZEN.md is updated on purpose).
"""

from __future__ import annotations

import argparse
import collections
import csv
import hashlib
import random
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA = REPO_ROOT / "tests/data"
DEFAULT_SAMPLE = REPO_ROOT.parent / "shared/data/nsf-awards-2017/nsf_awards_2017_sample2000.csv"
FIELDS = ["id", "source", "areas", "note", "sponsor", "programme_codes", "title", "abstract"]
FRACTION = 0.47
SEED = 20261207
Row = dict[str, str]


def _read(path: Path) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _nsf(row: Row) -> Row:
    return {
        "id": row["AwardID"],
        "source": "nsf2017",
        "areas": row["areas"],
        "note": row["note"],
        **dict.fromkeys(("sponsor", "programme_codes", "title", "abstract"), ""),
    }


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def split(sample: dict[str, Row]) -> tuple[list[Row], list[Row]]:
    old = [_nsf(r) for r in _read(DATA / "fields_labelled.csv")]
    new = [_nsf(r) for r in _read(DATA / "fields_labelled_new.csv")]
    written = [{**r, "source": "written"} for r in _read(DATA / "fields_written.csv")]
    pool = new + written
    freq = collections.Counter(a for r in pool for a in r["areas"].split(";") if a)

    def text(row: Row, key: str) -> str:
        if row["source"] == "written":
            return row[key]
        return sample[row["id"]]["AwardTitle" if key == "title" else "AbstractNarration"]

    def title(row: Row) -> str:
        prefix = r"^(collaborative research|collaborative proposal|collaborative)\s*:\s*"
        return _words(re.sub(prefix, "", text(row, "title").strip(), flags=re.IGNORECASE))

    def twin(row: Row) -> str:
        return _words(text(row, "abstract"))[:300] or title(row)

    def stratum(row: Row) -> tuple[str, str]:
        areas = [a for a in row["areas"].split(";") if a]
        primary = min(areas, key=lambda a: (freq[a], a)) if areas else "none"
        return (row["source"], primary)

    def second(row: Row) -> str:
        return row["sponsor"] if row["source"] == "written" else sample[row["id"]]["Directorate"]

    seen = {title(r) for r in old} | {twin(r) for r in old}
    clusters: dict[str, list[Row]] = collections.defaultdict(list)
    for row in pool:
        clusters[twin(row)].append(row)
    rng = random.Random(SEED)
    groups: dict[tuple[str, str], list[list[Row]]] = collections.defaultdict(list)
    tune: list[Row] = list(old)
    for key, members in clusters.items():
        if key in seen or any(title(m) in seen for m in members):
            tune.extend(members)
        else:
            groups[stratum(members[0])].append(members)
    test: list[Row] = []
    for key in sorted(groups):
        items = groups[key]
        rng.shuffle(items)
        items.sort(key=lambda members: second(members[0]))
        offset = rng.random()
        for i, members in enumerate(items):
            chosen = int((i + 1) * FRACTION + offset) > int(i * FRACTION + offset)
            (test if chosen else tune).extend(members)
    return tune, test


def _write(path: Path, rows: list[Row]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(
            {k: r.get(k, "") for k in FIELDS}
            for r in sorted(rows, key=lambda r: (r["source"], r["id"]))
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_SAMPLE)
    parser.add_argument("--force", action="store_true", help="rewrite the split files")
    args = parser.parse_args(argv)
    if not args.force:
        print("fields_split: refusing to rewrite the frozen split without --force", file=sys.stderr)
        return 2
    if not args.data.is_file():
        print(f"fields_split: award sample not found: {args.data}", file=sys.stderr)
        return 2
    sample = {r["AwardID"].strip(): r for r in _read(args.data)}
    tune, test = split(sample)
    _write(DATA / "fields_tune.csv", tune)
    _write(DATA / "fields_test_frozen.csv", test)
    digest = hashlib.sha256((DATA / "fields_test_frozen.csv").read_bytes()).hexdigest()
    print(f"tune {len(tune)}, frozen test {len(test)}, sha256 {digest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
