#!/usr/bin/env python
"""Evaluate the CET field tagger against hand-labelled NSF FY2017 awards.

Usage: python bench/fields_eval.py [--data SAMPLE_CSV] [--labelled LABELS_CSV]
                                   [--taxonomy YAML] [--threshold T] [--errors]

Prints per-area support / precision / recall / F1, micro and macro F1 (macro over areas with
support in the labelled set) and throughput; the last line is one JSON object with the figures.
No Django. PI names, e-mails and phones in the sample are never read into the output.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from rules.fields import (  # noqa: E402
    DEFAULT_THRESHOLD,
    ProjectText,
    load_taxonomy,
    nsf_programme_codes,
    tag_project,
)

DEFAULT_DATA = REPO_ROOT.parent / "shared/data/nsf-awards-2017/nsf_awards_2017_sample2000.csv"
DEFAULT_LABELLED = REPO_ROOT / "tests/data/fields_labelled.csv"
DEFAULT_TAXONOMY = REPO_ROOT / "seeds/fields/cet_2024.yaml"
SAMPLE_COLUMNS = (
    "AwardID",
    "AwardTitle",
    "AbstractNarration",
    "Directorate",
    "Division",
    "ProgramElementCodes",
    "ProgramElementTexts",
    "ProgramReferenceCodes",
)


@dataclass(frozen=True)
class AreaFigures:
    support: int
    predicted: int
    true_positive: int

    @property
    def precision(self) -> float:
        return self.true_positive / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.true_positive / self.support if self.support else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def fail(message: str) -> None:
    print(f"fields_eval: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def read_sample(path: Path) -> dict[str, ProjectText]:
    if not path.is_file():
        fail(f"award sample not found: {path} (pass --data)")
    projects: dict[str, ProjectText] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in SAMPLE_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            fail(f"{path} lacks columns {', '.join(missing)}")
        for row in reader:
            projects[row["AwardID"].strip()] = ProjectText(
                sponsor="NSF",
                title=row["AwardTitle"],
                abstract=row["AbstractNarration"],
                programme=row["ProgramElementTexts"],
                programme_codes=nsf_programme_codes(
                    row["Directorate"],
                    row["Division"],
                    row["ProgramElementCodes"],
                    row["ProgramReferenceCodes"],
                ),
            )
    return projects


def read_labels(path: Path, known_areas: set[str]) -> dict[str, frozenset[str]]:
    if not path.is_file():
        fail(f"labelled awards not found: {path} (pass --labelled)")
    labels: dict[str, frozenset[str]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if not {"AwardID", "areas"} <= set(reader.fieldnames or []):
            fail(f"{path} needs columns AwardID,areas,note")
        for line, row in enumerate(reader, start=2):
            areas = frozenset(a.strip() for a in (row["areas"] or "").split(";") if a.strip())
            unknown = areas - known_areas
            if unknown:
                fail(f"{path}:{line}: unknown area(s) {', '.join(sorted(unknown))}")
            labels[row["AwardID"].strip()] = areas
    if not labels:
        fail(f"{path} has no labelled awards")
    return labels


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--labelled", type=Path, default=DEFAULT_LABELLED)
    parser.add_argument("--taxonomy", type=Path, default=DEFAULT_TAXONOMY)
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--errors", action="store_true", help="list disagreements by award")
    args = parser.parse_args(argv)

    if not args.taxonomy.is_file():
        fail(f"taxonomy not found: {args.taxonomy}")
    taxonomy = load_taxonomy(args.taxonomy)
    codes = list(taxonomy.codes)
    projects = read_sample(args.data)
    labels = read_labels(args.labelled, set(codes))
    absent = sorted(set(labels) - set(projects))
    if absent:
        fail(f"labelled awards missing from the sample: {', '.join(absent[:10])}")

    predictions: dict[str, frozenset[str]] = {}
    for award_id in labels:
        tags = tag_project(projects[award_id], taxonomy, threshold=args.threshold)
        predictions[award_id] = frozenset(tag.area for tag in tags)

    started = time.perf_counter()
    for project in projects.values():
        tag_project(project, taxonomy, threshold=args.threshold)
    elapsed = time.perf_counter() - started
    throughput = len(projects) / elapsed if elapsed else float("inf")

    figures: dict[str, AreaFigures] = {}
    for code in codes:
        figures[code] = AreaFigures(
            support=sum(code in gold for gold in labels.values()),
            predicted=sum(code in predictions[a] for a in labels),
            true_positive=sum(code in predictions[a] and code in g for a, g in labels.items()),
        )
    micro = AreaFigures(
        support=sum(f.support for f in figures.values()),
        predicted=sum(f.predicted for f in figures.values()),
        true_positive=sum(f.true_positive for f in figures.values()),
    )
    supported = [f for f in figures.values() if f.support]
    macro_f1 = sum(f.f1 for f in supported) / len(supported) if supported else 0.0
    exact = sum(predictions[a] == g for a, g in labels.items()) / len(labels)
    none_awards = [a for a, g in labels.items() if not g]
    none_correct = sum(not predictions[a] for a in none_awards)

    print(f"taxonomy {args.taxonomy.name}, threshold {args.threshold}")
    print(f"labelled awards {len(labels)} ({len(none_awards)} with no area)")
    print(f"{'area':<28}{'support':>8}{'pred':>6}{'tp':>5}{'prec':>7}{'rec':>7}{'f1':>7}")
    for code in codes:
        f = figures[code]
        print(
            f"{code:<28}{f.support:>8}{f.predicted:>6}{f.true_positive:>5}"
            f"{f.precision:>7.3f}{f.recall:>7.3f}{f.f1:>7.3f}"
        )
    print(f"micro  precision {micro.precision:.3f} recall {micro.recall:.3f} f1 {micro.f1:.3f}")
    print(f"macro  f1 {macro_f1:.3f} over {len(supported)} areas with support")
    print(
        f"exact-match {exact:.3f}; no-area awards left untagged {none_correct}/{len(none_awards)}"
    )
    print(f"throughput {throughput:,.0f} projects/s ({len(projects)} awards)")
    if args.errors:
        for award_id in sorted(labels):
            gold, pred = labels[award_id], predictions[award_id]
            if gold != pred:
                title = projects[award_id].title[:90]
                print(f"  {award_id} gold={sorted(gold)} pred={sorted(pred)} | {title}")

    result = {
        "labelled": len(labels),
        "threshold": args.threshold,
        "micro_precision": round(micro.precision, 4),
        "micro_recall": round(micro.recall, 4),
        "micro_f1": round(micro.f1, 4),
        "macro_f1": round(macro_f1, 4),
        "macro_areas": len(supported),
        "exact_match": round(exact, 4),
        "throughput_per_s": round(throughput, 1),
        "areas": {
            code: {
                "support": f.support,
                "precision": round(f.precision, 4),
                "recall": round(f.recall, 4),
                "f1": round(f.f1, 4),
            }
            for code, f in figures.items()
        },
    }
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
