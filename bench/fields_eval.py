#!/usr/bin/env python
"""Evaluate the CET field tagger on the tuning split and on the frozen test split.

Usage: python bench/fields_eval.py [--data SAMPLE_CSV] [--taxonomy YAML] [--tune CSV]
                                   [--test CSV] [--folds 5] [--no-cv] [--errors]

Tuning split (tests/data/fields_tune.csv): the shipped model was trained on it, so its figures
are cross-validated (each fold's model trained on the other folds with the shipped settings;
needs scikit-learn) unless --no-cv, which prints in-sample figures labelled as such. The
cross-validation covers the linear layer only: the taxonomy's phrases and weights were also
written while looking at the tuning split, so tuning figures are optimistic either way.
Frozen test split (tests/data/fields_test_frozen.csv): the shipped tagger, never tuned on it.
--errors lists disagreements on the TUNING split only (the frozen split's errors are not for
reading while tuning; see tests/data/FROZEN.md). Both splits are also scored with the rule
scorer alone, for comparison. Throughput is tag_project over the whole award sample in one
process. The last line is one JSON object. No Django; PI names and contacts are never read.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from rules.fields import DEFAULT_THRESHOLD, load_taxonomy, tag_project  # noqa: E402
from rules.fields.dataset import DatasetError, Labelled, read_sample, read_split  # noqa: E402
from rules.fields.tagger import tag_project_rules  # noqa: E402

SAMPLE = "nsf-awards-2017/nsf_awards_2017_sample2000.csv"
DEFAULT_DATA = next(
    (
        p
        for p in (
            REPO_ROOT.parent / "shared/data" / SAMPLE,
            REPO_ROOT.parent.parent / "shared/data" / SAMPLE,
        )
        if p.is_file()
    ),
    REPO_ROOT.parent / "shared/data" / SAMPLE,
)
DEFAULT_TAXONOMY = REPO_ROOT / "seeds/fields/cet_2024.yaml"
DEFAULT_TUNE = REPO_ROOT / "tests/data/fields_tune.csv"
DEFAULT_TEST = REPO_ROOT / "tests/data/fields_test_frozen.csv"


def fail(message: str) -> None:
    print(f"fields_eval: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def figures(
    labels: list[frozenset[str]], predicted: list[frozenset[str]], areas: list[str]
) -> dict[str, Any]:
    per_area: dict[str, dict[str, float]] = {}
    totals = [0, 0, 0]
    for area in areas:
        support = sum(area in g for g in labels)
        pred = sum(area in p for p in predicted)
        tp = sum(area in g and area in p for g, p in zip(labels, predicted, strict=True))
        precision = tp / pred if pred else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_area[area] = {
            "support": support,
            "predicted": pred,
            "tp": tp,
            "precision": precision,
            "recall": recall,
            "f1": f1,
        }
        totals = [totals[0] + support, totals[1] + pred, totals[2] + tp]
    supported = [f["f1"] for f in per_area.values() if f["support"]]
    micro_p = totals[2] / totals[1] if totals[1] else 0.0
    micro_r = totals[2] / totals[0] if totals[0] else 0.0
    pairs = list(zip(labels, predicted, strict=True))
    return {
        "projects": len(labels),
        "untagged_gold": sum(not g for g in labels),
        "macro_f1": sum(supported) / len(supported) if supported else 0.0,
        "macro_areas": len(supported),
        "micro_f1": 2 * micro_p * micro_r / (micro_p + micro_r) if micro_p + micro_r else 0.0,
        "sensitive_accuracy": sum(bool(g) == bool(p) for g, p in pairs) / len(pairs),
        "exact_match": sum(g == p for g, p in pairs) / len(pairs),
        "areas": per_area,
    }


def print_figures(title: str, result: dict[str, Any]) -> None:
    print(f"\n== {title}: {result['projects']} projects ({result['untagged_gold']} with no area)")
    print(f"{'area':<28}{'support':>8}{'pred':>6}{'tp':>5}{'prec':>7}{'rec':>7}{'f1':>7}")
    for area, f in result["areas"].items():
        print(
            f"{area:<28}{f['support']:>8}{f['predicted']:>6}{f['tp']:>5}{f['precision']:>7.3f}{f['recall']:>7.3f}{f['f1']:>7.3f}"
        )
    print(
        f"macro F1 {result['macro_f1']:.3f} over {result['macro_areas']} areas; micro F1 "
        f"{result['micro_f1']:.3f}; sensitive/non-sensitive accuracy "
        f"{result['sensitive_accuracy']:.3f}; exact match {result['exact_match']:.3f}"
    )


def compact(result: dict[str, Any]) -> dict[str, Any]:
    return {
        "projects": result["projects"],
        "macro_f1": round(result["macro_f1"], 4),
        "macro_areas": result["macro_areas"],
        "micro_f1": round(result["micro_f1"], 4),
        "sensitive_accuracy": round(result["sensitive_accuracy"], 4),
        "exact_match": round(result["exact_match"], 4),
        "area_f1": {a: round(f["f1"], 4) for a, f in result["areas"].items() if f["support"]},
    }


def cross_validated_predictions(
    rows: list[Labelled], taxonomy: Any, folds: int, areas: list[str]
) -> list[frozenset[str]]:
    """Each tuning project tagged by a model trained on the other folds (shipped settings)."""
    from rules.fields.training import cross_validated, decide, encode, rule_tags

    model = taxonomy.model
    data = encode(rows, taxonomy)
    c = float(model.trained_on.get("c", 16.0))
    probabilities = cross_validated(data, areas, folds=folds, c=c)
    return [
        decide(p, areas, model.threshold, model.rule_keep, rule_tags(f, areas))
        for p, f in zip(probabilities, data.features, strict=True)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--taxonomy", type=Path, default=DEFAULT_TAXONOMY)
    parser.add_argument("--tune", type=Path, default=DEFAULT_TUNE)
    parser.add_argument("--test", type=Path, default=DEFAULT_TEST)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument(
        "--no-cv", action="store_true", help="in-sample tuning figures (no sklearn)"
    )
    parser.add_argument("--errors", action="store_true", help="list TUNING-split disagreements")
    args = parser.parse_args(argv)

    if not args.taxonomy.is_file():
        fail(f"taxonomy not found: {args.taxonomy}")
    taxonomy = load_taxonomy(args.taxonomy)
    areas = list(taxonomy.codes)
    try:
        sample = read_sample(args.data)
        tune = read_split(args.tune, sample, set(areas))
        test = read_split(args.test, sample, set(areas))
    except DatasetError as exc:
        fail(f"{exc} (pass --data / --tune / --test)")
    method = (
        "rules + linear model" if taxonomy.model is not None else "rules only (no model artifact)"
    )

    def tagged(rows: list[Labelled]) -> list[frozenset[str]]:
        return [frozenset(t.area for t in tag_project(r.project, taxonomy)) for r in rows]

    def rules_only(rows: list[Labelled]) -> list[frozenset[str]]:
        return [frozenset(t.area for t in tag_project_rules(r.project, taxonomy)) for r in rows]

    tune_labels = [r.areas for r in tune]
    if taxonomy.model is not None and not args.no_cv:
        tune_kind = f"{args.folds}-fold cross-validated"
        tune_pred = cross_validated_predictions(tune, taxonomy, args.folds, areas)
    else:
        tune_kind = "in-sample"
        tune_pred = tagged(tune)
    tune_result = figures(tune_labels, tune_pred, areas)
    tune_rules = figures(tune_labels, rules_only(tune), areas)

    started, cpu_started = time.perf_counter(), time.process_time()
    for project in sample.values():
        tag_project(project, taxonomy)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    throughput = len(sample) / elapsed if elapsed else float("inf")
    cpu_throughput = len(sample) / cpu if cpu else float("inf")

    test_result = figures([r.areas for r in test], tagged(test), areas)
    test_rules = figures([r.areas for r in test], rules_only(test), areas)

    print(f"taxonomy {args.taxonomy.name}; method: {method}; threshold {DEFAULT_THRESHOLD}")
    print_figures(f"TUNING split ({tune_kind}), {args.tune.name}", tune_result)
    print("(the taxonomy itself was tuned on this split: these figures are optimistic)")
    print(
        f"(rule scorer alone on the tuning split: macro F1 {tune_rules['macro_f1']:.3f}, "
        f"sensitive accuracy {tune_rules['sensitive_accuracy']:.3f})"
    )
    print_figures(f"FROZEN TEST split, {args.test.name}", test_result)
    print(
        f"(rule scorer alone on the frozen test: macro F1 {test_rules['macro_f1']:.3f}, "
        f"sensitive accuracy {test_rules['sensitive_accuracy']:.3f})"
    )
    print(
        f"\nthroughput {throughput:,.0f} projects/s wall clock, {cpu_throughput:,.0f} per CPU "
        f"second ({len(sample)} awards, one process; wall < CPU when the machine is shared)"
    )
    if args.errors:
        print("\ntuning-split disagreements:")
        for row, pred in zip(tune, tune_pred, strict=True):
            if row.areas != pred:
                gold, title = sorted(row.areas), row.project.title[:80]
                print(f"  {row.id} gold={gold} pred={sorted(pred)} | {title}")

    result = {
        "method": method,
        "tune": {
            "evaluation": tune_kind,
            **compact(tune_result),
            "rules_only_macro_f1": round(tune_rules["macro_f1"], 4),
        },
        "frozen_test": {
            **compact(test_result),
            "rules_only_macro_f1": round(test_rules["macro_f1"], 4),
            "rules_only_sensitive_accuracy": round(test_rules["sensitive_accuracy"], 4),
        },
        "throughput_per_s": round(throughput, 1),
        "throughput_per_cpu_s": round(cpu_throughput, 1),
    }
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
