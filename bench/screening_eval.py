"""Screening benchmark: precision/recall on the tuning and frozen test splits, a naive baseline.

Standalone (no Django). Loads every list the product screens against from the shared data
folder (the CSL CSV and the OFAC SDN set) plus our DoD seeds (seeds/lists/*.yaml, curated
aliases merged; entries of type 'country' are matched by country code elsewhere, so they are
not indexed), builds the product's :class:`~rules.screening.Screener`, then prints, for the
tuning split (tests/data/screening_labelled.csv + screening_tuning.csv) and, separately, the
frozen test split (tests/data/screening_frozen_test.csv, see tests/data/SCREENING_SPLITS.md):

* precision, recall and F1 at the accept and at the review threshold (a query is a true
  positive at a threshold when any match at or above it is one of its expected entries, a
  false positive when any match at or above it is not), and recall per category;
* the same figures, in the same run, for a naive scorer: rapidfuzz ``WRatio`` of the whole
  query against every listed name and alias, a match at 90 or more;
* the share of returned matches that are correct per score band (tuning split only);
* names/s of the product's path (fold look-alikes, then screen) in one process with all lists
  loaded, over every labelled query, by CPU time and by wall clock, and the naive scorer's;
* as its last line, one JSON object with all figures.

``--show-errors`` lists the tuning split's misses and false hits; the frozen test split's
individual errors are never printed (read its figures once, at the end of the work).
``--no-frozen`` skips it altogether while tuning.

Usage: python bench/screening_eval.py [--data PATH] [--tuning CSV ...] [--frozen CSV]
       [--no-frozen] [--seconds S] [--show-errors]
Exits with status 2 when the data folder (default: ../shared/data beside the repo) is missing.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from rapidfuzz import fuzz, process, utils  # noqa: E402

from rules.lists.parsers import (  # noqa: E402
    ALIAS_FILE_NAME,
    ParsedEntry,
    apply_alias_table,
    load_alias_table,
    parse_list,
)
from rules.screening import IndexEntry, Match, Screener, ScreeningIndex, Thresholds  # noqa: E402
from rules.screening.confusables import screen_folded  # noqa: E402

CSL_FILE = Path("trade-gov-csl") / "csl_2023-11-30.csv"
SDN_DIR = Path("ofac-sdn")
SEEDS = REPO / "seeds" / "lists"
DATA = REPO / "tests" / "data"


def load_entries(data: Path) -> list[IndexEntry]:
    """Every list entry to screen against, as index entries keyed (source, list, id)."""
    table = load_alias_table(SEEDS / ALIAS_FILE_NAME)
    sources: list[tuple[str, list[ParsedEntry]]] = [
        ("csl", apply_alias_table(parse_list("csl-csv", data / CSL_FILE).entries, table)),
        ("ofac", parse_list("ofac-sdn", data / SDN_DIR).entries),
        ("seed", parse_list("grantcheck-yaml", SEEDS).entries),
    ]
    out: list[IndexEntry] = []
    for tag, entries in sources:
        for e in entries:
            if e.entity_type == "country":
                continue
            out.append(
                IndexEntry(
                    key=(tag, e.list_code, e.external_id),
                    list_code=e.list_code,
                    name=e.primary_name,
                    aliases=tuple(a.name for a in e.aliases),
                    country=e.country,
                )
            )
    return out


def load_labelled(path: Path) -> list[dict[str, Any]]:
    """Rows of a labelled CSV: query, expected (LIST|name pairs), category."""
    rows: list[dict[str, Any]] = []
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            pairs = [p.partition("|") for p in row["expected"].split(";") if p.strip()]
            expected = {(code.strip(), name.strip()) for code, _, name in pairs}
            rows.append({"query": row["query"], "expected": expected, "category": row["category"]})
    return rows


def check_expected(rows: list[dict[str, Any]], entries: list[IndexEntry]) -> list[str]:
    """Expected (list, name) pairs that no loaded entry has."""
    known = {(e.list_code, e.name) for e in entries}
    return sorted(
        f"{code}|{name}"
        for row in rows
        for code, name in row["expected"]
        if (code, name) not in known
    )


def evaluate(
    rows: list[dict[str, Any]], results: list[list[Match]], threshold: float
) -> dict[str, Any]:
    tp = fp = fn = 0
    positives = 0
    per_cat: Counter[str] = Counter()
    per_cat_hit: Counter[str] = Counter()
    misses: list[str] = []
    false_hits: list[str] = []
    for row, matches in zip(rows, results, strict=True):
        hits = {(m.list_code, m.name) for m in matches if m.score >= threshold}
        expected = row["expected"]
        if expected:
            positives += 1
            per_cat[row["category"]] += 1
            if hits & expected:
                tp += 1
                per_cat_hit[row["category"]] += 1
            else:
                fn += 1
                misses.append(row["query"])
        wrong = hits - expected
        if wrong:
            fp += 1
            false_hits.append(f"{row['query']} -> {sorted(wrong)[0][0]}|{sorted(wrong)[0][1]}")
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / positives if positives else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "threshold": threshold,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "recall_by_category": {
            cat: round(per_cat_hit[cat] / n, 4) for cat, n in sorted(per_cat.items())
        },
        "misses": misses,
        "false_positives": false_hits,
    }


BANDS: tuple[tuple[float, float], ...] = (
    (0.999, 1.01),
    (0.95, 0.999),
    (0.90, 0.95),
    (0.88, 0.90),
    (0.80, 0.88),
    (0.70, 0.80),
)


def calibration(rows: list[dict[str, Any]], results: list[list[Match]]) -> list[dict[str, Any]]:
    """Share of returned matches that are correct, per score band (the score's calibration)."""
    out: list[dict[str, Any]] = []
    for low, high in BANDS:
        total = correct = 0
        for row, matches in zip(rows, results, strict=True):
            for m in matches:
                if low <= m.score < high:
                    total += 1
                    correct += (m.list_code, m.name) in row["expected"]
        out.append(
            {
                "band": f"[{low:.2f}, {min(high, 1.0):.2f}{']' if high > 1 else ')'}",
                "matches": total,
                "correct": round(correct / total, 4) if total else None,
            }
        )
    return out


def throughput(index: ScreeningIndex, queries: list[str], seconds: float) -> tuple[float, float]:
    """Names/s of the product's path (fold look-alikes, then screen): (wall clock, CPU time).

    The CPU-time rate is what one process achieves on its own; the wall-clock rate also
    counts the time other processes on a shared machine took the CPU away."""
    done = 0
    wall0, cpu0 = time.perf_counter(), time.process_time()
    while True:
        for query in queries:
            screen_folded(index, query)
        done += len(queries)
        wall = time.perf_counter() - wall0
        if wall >= seconds:
            return done / wall, done / max(time.process_time() - cpu0, 1e-9)


class WRatioBaseline:
    """The naive scorer: rapidfuzz WRatio of the whole query against every listed name and
    alias; every name scoring at least ``cutoff`` is a match."""

    def __init__(self, entries: list[IndexEntry], cutoff: float = 90.0) -> None:
        self.cutoff = cutoff
        self.owner: list[int] = []
        names: list[str] = []
        for i, entry in enumerate(entries):
            for name in (entry.name, *entry.aliases):
                names.append(utils.default_process(name))
                self.owner.append(i)
        self.names = names
        self.entries = entries

    def screen(self, query: str) -> list[Match]:
        hits = process.extract(
            utils.default_process(query),
            self.names,
            scorer=fuzz.WRatio,
            processor=None,
            score_cutoff=self.cutoff,
            limit=None,
        )
        best: dict[int, float] = {}
        for _, score, idx in hits:
            owner = self.owner[idx]
            best[owner] = max(best.get(owner, 0.0), score / 100)
        return [
            Match(
                self.entries[i].key,
                self.entries[i].list_code,
                self.entries[i].name,
                None,
                "fuzzy",
                score,
                "accept",
            )
            for i, score in best.items()
        ]


def _line(label: str, ev: dict[str, Any]) -> str:
    return (
        f"{label}: precision {ev['precision']:.4f}  recall {ev['recall']:.4f}  F1 "
        f"{ev['f1']:.4f}  (TP {ev['tp']}, FP {ev['fp']}, FN {ev['fn']})"
    )


def _summary(ev: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in ev.items() if k not in ("misses", "false_positives")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument(
        "--tuning",
        type=Path,
        nargs="+",
        default=[DATA / "screening_labelled.csv", DATA / "screening_tuning.csv"],
        help="labelled sets used while tuning (errors may be shown)",
    )
    parser.add_argument("--frozen", type=Path, default=DATA / "screening_frozen_test.csv")
    parser.add_argument(
        "--no-frozen", action="store_true", help="skip the frozen test split (while tuning)"
    )
    parser.add_argument("--seconds", type=float, default=3.0, help="minimum timing")
    parser.add_argument(
        "--show-errors", action="store_true", help="list tuning misses and false hits"
    )
    args = parser.parse_args(argv)

    data: Path = args.data
    if not data.is_dir() or not (data / CSL_FILE).is_file() or not (data / SDN_DIR).is_dir():
        print(
            f"error: shared data folder not found or incomplete: {data} "
            f"(needs {CSL_FILE} and {SDN_DIR}/; pass --data PATH)",
            file=sys.stderr,
        )
        return 2
    for path in [*args.tuning, *([] if args.no_frozen else [args.frozen])]:
        if not path.is_file():
            print(f"error: labelled set not found: {path}", file=sys.stderr)
            return 2

    t0 = time.perf_counter()
    entries = load_entries(data)
    load_s = time.perf_counter() - t0
    names = sum(1 + len(e.aliases) for e in entries)
    t0 = time.perf_counter()
    index = Screener(entries)
    build_s = time.perf_counter() - t0
    naive = WRatioBaseline(entries)
    print(f"entries: {len(entries)}  names+aliases: {names}  indexed names: {index.name_count}")
    print(f"load: {load_s:.2f}s  index build: {build_s:.2f}s")

    splits: dict[str, list[dict[str, Any]]] = {
        "tuning": [row for path in args.tuning for row in load_labelled(path)]
    }
    if not args.no_frozen:
        splits["frozen_test"] = load_labelled(args.frozen)
    unknown = check_expected([r for rows in splits.values() for r in rows], entries)
    if unknown:
        print(f"warning: {len(unknown)} expected entries not in the data: {unknown[:5]}")
    thresholds = Thresholds()
    report: dict[str, Any] = {}
    for split, rows in splits.items():
        results = [screen_folded(index, row["query"], limit=50)[0] for row in rows]
        naive_results = [naive.screen(row["query"]) for row in rows]
        n_pos = sum(1 for r in rows if r["expected"])
        print(f"\n== {split}: {len(rows)} queries ({n_pos} positive, {len(rows) - n_pos} negative)")
        part: dict[str, Any] = {"queries": len(rows), "positives": n_pos}
        for label, value in (("accept", thresholds.accept), ("review", thresholds.review)):
            ev = evaluate(rows, results, value)
            part[label] = _summary(ev)
            print(_line(f"screener {label} >= {value:.2f}", ev))
            cats = "  ".join(f"{k} {v:.2f}" for k, v in ev["recall_by_category"].items())
            print(f"        recall by category: {cats}")
            if args.show_errors and split == "tuning":  # never the frozen test's errors
                for miss in ev["misses"]:
                    print(f"        miss: {miss}")
                for hit in ev["false_positives"]:
                    print(f"        false positive: {hit}")
        ev = evaluate(rows, naive_results, 0.90)
        part["naive_wratio_90"] = _summary(ev)
        print(_line("naive WRatio >= 90", ev))
        if split == "tuning":
            part["calibration"] = calibration(rows, results)
            print(
                "calibration (share of matches that are correct, by score): "
                + "  ".join(
                    f"{b['band']} {b['correct'] if b['correct'] is not None else '-'} "
                    f"(n={b['matches']})"
                    for b in part["calibration"]
                )
            )
        report[split] = part

    queries = [r["query"] for rows in splits.values() for r in rows]
    wall, cpu = throughput(index, queries, args.seconds)
    sample = queries[:: max(1, len(queries) // 100)][:100]
    t0 = time.perf_counter()
    for query in sample:
        naive.screen(query)
    naive_rate = len(sample) / (time.perf_counter() - t0)
    print(
        f"\nthroughput over {len(queries)} queries, all lists loaded, one process: "
        f"screener {cpu:,.0f} names/s (CPU time), {wall:,.0f} names/s (wall clock); "
        f"naive WRatio {naive_rate:,.1f} names/s (wall clock)"
    )
    frozen = report.get("frozen_test", {}).get("accept")
    summary = {
        "entries": len(entries),
        "names_and_aliases": names,
        "indexed_names": index.name_count,
        "load_seconds": round(load_s, 3),
        "index_build_seconds": round(build_s, 3),
        "thresholds": {"accept": thresholds.accept, "review": thresholds.review},
        **report,
        "names_per_second_cpu": round(cpu, 1),
        "names_per_second_wall": round(wall, 1),
        "naive_wratio_names_per_second": round(naive_rate, 2),
        "targets_met": None
        if frozen is None
        else frozen["precision"] >= 0.97 and frozen["recall"] >= 0.95 and cpu >= 2000,
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
