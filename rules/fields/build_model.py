#!/usr/bin/env python
"""Build seeds/fields/cet_2024_model.json: the field tagger's linear layer, from the tuning split.

Usage: python -m rules.fields.build_model [--data SAMPLE_CSV] [--folds 5] [--c 4.0] [--no-cv]

Trains on tests/data/fields_tune.csv ONLY (never on the frozen test split). With cross-validation
(default) it picks the decision threshold on out-of-fold scores and prints those figures.
Needs the dev dependencies (scikit-learn) and the NSF award sample.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rules.fields.dataset import DatasetError, read_sample, read_split
from rules.fields.loader import load_taxonomy, model_path
from rules.fields.training import (
    DEFAULT_C,
    best_threshold,
    cross_validated,
    encode,
    train,
)

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
TAXONOMY = REPO_ROOT / "seeds/fields/cet_2024.yaml"
TUNE = REPO_ROOT / "tests/data/fields_tune.csv"
SAMPLES = (
    REPO_ROOT.parent / "shared/data/nsf-awards-2017/nsf_awards_2017_sample2000.csv",
    REPO_ROOT.parent.parent / "shared/data/nsf-awards-2017/nsf_awards_2017_sample2000.csv",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--data", type=Path, default=next((p for p in SAMPLES if p.is_file()), SAMPLES[0])
    )
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--c", type=float, default=DEFAULT_C)
    parser.add_argument("--threshold", type=float, default=None, help="skip the CV choice")
    parser.add_argument("--rule-keep", type=float, default=0.1)
    parser.add_argument("--out", type=Path, default=model_path(TAXONOMY))
    args = parser.parse_args(argv)
    taxonomy = load_taxonomy(TAXONOMY, with_model=False)
    areas = list(taxonomy.codes)
    try:
        rows = read_split(TUNE, read_sample(args.data), set(areas))
    except DatasetError as exc:
        print(f"build_fields_model: error: {exc}", file=sys.stderr)
        return 2
    data = encode(rows, taxonomy)
    threshold, keep = args.threshold, args.rule_keep
    if threshold is None:
        probabilities = cross_validated(data, areas, folds=args.folds, c=args.c)
        threshold, keep, result = best_threshold(data, probabilities, areas)
        print(
            f"{args.folds}-fold CV on {len(rows)} tuning projects: threshold {threshold}, "
            f"rule_keep {keep}, "
            f"macro F1 {result['macro_f1']:.3f}, sensitive accuracy "
            f"{result['sensitive_accuracy']:.3f}"
        )
    model = train(data, areas, c=args.c, threshold=threshold, rule_keep=keep)
    text = json.dumps(model.to_json(), sort_keys=True, separators=(",", ":"))
    args.out.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({sum(len(v) for v in model.weights.values())} weights)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
