"""Screening benchmark: precision/recall on the labelled set, and throughput vs a naive scan.

Standalone (no Django). Loads every list the product screens against from the shared data
folder (the CSL CSV and the OFAC SDN set) plus our DoD seeds (seeds/lists/*.yaml, curated
aliases merged; entries of type 'country' are matched by country code elsewhere, so they are
not indexed), builds the index, then prints:

* entries, names + aliases, indexed names (with derived variants), index build time;
* precision, recall and F1 at the accept and at the review threshold (a query is a true
  positive at a threshold when any match at or above it is one of its expected entries, a
  false positive when any match at or above it is not), and recall per category;
* the share of returned matches that are correct per score band (calibration);
* names/s of ``screen()`` (after look-alike folding, as the product screens) over the
  labelled queries (repeated for at least --seconds) and of ``screen_naive()`` (same scorer
  against every name, on a spread subset, extrapolated),
  their ratio, and whether the blocked and naive results agree on that subset;
* as its last line, one JSON object with all figures.

Usage: python bench/screening_eval.py [--data PATH] [--labelled PATH] [--seconds S]
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


def throughput(index: ScreeningIndex, queries: list[str], seconds: float, naive: bool) -> float:
    def folded(query: str) -> object:
        return screen_folded(index, query)  # the product's path: fold, then screen

    screen = index.screen_naive if naive else folded
    done = 0
    start = time.perf_counter()
    while True:
        for query in queries:
            screen(query)
        done += len(queries)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument(
        "--labelled", type=Path, default=REPO / "tests" / "data" / "screening_labelled.csv"
    )
    parser.add_argument("--seconds", type=float, default=2.0, help="minimum timing per mode")
    parser.add_argument("--naive-sample", type=int, default=40, help="queries timed naively")
    parser.add_argument("--show-errors", action="store_true", help="list misses and false hits")
    args = parser.parse_args(argv)

    data: Path = args.data
    if not data.is_dir() or not (data / CSL_FILE).is_file() or not (data / SDN_DIR).is_dir():
        print(
            f"error: shared data folder not found or incomplete: {data} "
            f"(needs {CSL_FILE} and {SDN_DIR}/; pass --data PATH)",
            file=sys.stderr,
        )
        return 2
    if not args.labelled.is_file():
        print(f"error: labelled set not found: {args.labelled}", file=sys.stderr)
        return 2

    t0 = time.perf_counter()
    entries = load_entries(data)
    load_s = time.perf_counter() - t0
    names = sum(1 + len(e.aliases) for e in entries)
    t0 = time.perf_counter()
    index = Screener(entries)
    build_s = time.perf_counter() - t0
    print(f"entries: {len(entries)}  names+aliases: {names}  indexed names: {index.name_count}")
    print(f"load: {load_s:.2f}s  index build: {build_s:.2f}s")

    rows = load_labelled(args.labelled)
    unknown = check_expected(rows, entries)
    if unknown:
        print(f"warning: {len(unknown)} expected entries not in the data: {unknown[:5]}")
    thresholds = Thresholds()
    results = [screen_folded(index, row["query"], limit=50)[0] for row in rows]
    n_pos = sum(1 for r in rows if r["expected"])
    n_hard = sum(1 for r in rows if r["category"] == "hard_negative")
    print(f"labelled: {len(rows)} queries ({n_pos} positive, {n_hard} hard negatives)")
    report: dict[str, Any] = {}
    for label, value in (("accept", thresholds.accept), ("review", thresholds.review)):
        ev = evaluate(rows, results, value)
        report[label] = ev
        print(
            f"{label:>6} >= {value:.2f}: precision {ev['precision']:.4f}  recall "
            f"{ev['recall']:.4f}  F1 {ev['f1']:.4f}  (TP {ev['tp']}, FP {ev['fp']}, FN {ev['fn']})"
        )
        cats = "  ".join(f"{k} {v:.2f}" for k, v in ev["recall_by_category"].items())
        print(f"        recall by category: {cats}")
        if args.show_errors:
            for miss in ev["misses"]:
                print(f"        miss: {miss}")
            for hit in ev["false_positives"]:
                print(f"        false positive: {hit}")

    bands = calibration(rows, results)
    print(
        "calibration (share of matches that are correct, by score): "
        + "  ".join(
            f"{b['band']} {b['correct'] if b['correct'] is not None else '-'} (n={b['matches']})"
            for b in bands
        )
    )

    queries = [r["query"] for r in rows]
    step = max(1, len(queries) // max(1, args.naive_sample))
    sample = queries[::step][: args.naive_sample]
    fast = throughput(index, queries, args.seconds, naive=False)
    slow = throughput(index, sample, args.seconds, naive=True)
    agree = sum(
        {(m.key, m.decision) for m in index.screen(q)}
        == {(m.key, m.decision) for m in index.screen_naive(q)}
        for q in sample
    )
    print(
        f"throughput: screen() {fast:,.0f} names/s  naive {slow:,.1f} names/s  "
        f"speed-up x{fast / slow:,.0f}"
    )
    print(f"blocked vs naive results identical on {agree}/{len(sample)} sampled queries")

    summary = {
        "entries": len(entries),
        "names_and_aliases": names,
        "indexed_names": index.name_count,
        "load_seconds": round(load_s, 3),
        "index_build_seconds": round(build_s, 3),
        "labelled_queries": len(rows),
        "positives": n_pos,
        "hard_negatives": n_hard,
        "thresholds": {"accept": thresholds.accept, "review": thresholds.review},
        **{
            label: {k: v for k, v in ev.items() if k not in ("misses", "false_positives")}
            for label, ev in report.items()
        },
        "calibration": bands,
        "names_per_second": round(fast, 1),
        "naive_names_per_second": round(slow, 2),
        "naive_sample": len(sample),
        "speedup": round(fast / slow, 1),
        "naive_agreement": f"{agree}/{len(sample)}",
        "targets_met": report["accept"]["precision"] >= 0.97
        and report["accept"]["recall"] >= 0.95
        and fast >= 2000,
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
