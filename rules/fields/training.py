"""Training the linear layer (rules/fields/model.py) with scikit-learn: build time only.

Used by rules/fields/build_model.py and bench/fields_eval.py (cross-validated figures on the
tuning split). scikit-learn is a dev dependency; the tagger itself never imports this module.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rules.fields.dataset import Labelled
from rules.fields.model import (
    CODE_PREFIX,
    RULE_PREFIX,
    TOP_PREFIX,
    LinearModel,
)
from rules.fields.tagger import DEFAULT_THRESHOLD, Taxonomy, project_features

DEFAULT_C = 16.0
MIN_DOCUMENTS = 2  # a word or code seen in fewer training projects gets no weight
PRUNE = 0.01
THRESHOLDS = (0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7)
RULE_KEEPS = (0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 1.0)
SEED = 0


@dataclass(frozen=True)
class Encoded:
    features: list[dict[str, float] | None]  # None: vetoed by the label rule
    labels: list[frozenset[str]]


def encode(rows: Sequence[Labelled], taxonomy: Taxonomy) -> Encoded:
    return Encoded(
        features=[project_features(r.project, taxonomy) for r in rows],
        labels=[r.areas for r in rows],
    )


def _vocabulary(features: Sequence[dict[str, float] | None]) -> set[str]:
    counts: Counter[str] = Counter()
    for f in features:
        if f is not None:
            counts.update(f)
    return {
        name
        for name, n in counts.items()
        if n >= MIN_DOCUMENTS or name.startswith((RULE_PREFIX, TOP_PREFIX))
    }


def _matrix(vectorizer: Any, features: Sequence[dict[str, float] | None], fit: bool) -> Any:
    import numpy as np
    from scipy import sparse

    dicts = [f or {} for f in features]
    matrix = vectorizer.fit_transform(dicts) if fit else vectorizer.transform(dicts)
    matrix = sparse.csr_matrix(matrix)
    matrix.indices = matrix.indices.astype(np.int32)
    matrix.indptr = matrix.indptr.astype(np.int32)
    return matrix


def train(
    data: Encoded,
    areas: Sequence[str],
    *,
    c: float = DEFAULT_C,
    threshold: float = 0.5,
    rule_keep: float = 0.5,
) -> LinearModel:
    """One logistic regression per area on the projects the label rule does not veto."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    keep = [i for i, f in enumerate(data.features) if f is not None]
    vocabulary = _vocabulary([data.features[i] for i in keep])
    features = [
        {k: v for k, v in (data.features[i] or {}).items() if k in vocabulary} for i in keep
    ]
    vectorizer = DictVectorizer()
    matrix = _matrix(vectorizer, features, fit=True)
    names = list(vectorizer.get_feature_names_out())
    weights: dict[str, list[tuple[int, float]]] = {}
    bias: list[float] = []
    for index, area in enumerate(areas):
        y = [area in data.labels[i] for i in keep]
        if not any(y):
            bias.append(-10.0)
            continue
        model = LogisticRegression(C=c, solver="liblinear", random_state=SEED)
        model.fit(matrix, y)
        bias.append(round(float(model.intercept_[0]), 6))
        for name, weight in zip(names, model.coef_[0], strict=True):
            if abs(weight) >= PRUNE:
                weights.setdefault(str(name), []).append((index, round(float(weight), 6)))
    return LinearModel(
        areas=tuple(areas),
        bias=tuple(bias),
        threshold=threshold,
        rule_keep=min(rule_keep, threshold),
        weights={k: tuple(v) for k, v in weights.items()},
        trained_on={"projects": len(data.labels), "c": c, "min_documents": MIN_DOCUMENTS},
    )


def predict(model: LinearModel, features: dict[str, float] | None) -> list[float]:
    if features is None:
        return [0.0] * len(model.areas)
    return [s.probability for s in model.scores(features)]


def cross_validated(
    data: Encoded, areas: Sequence[str], *, folds: int = 5, c: float = DEFAULT_C
) -> list[list[float]]:
    """Out-of-fold probabilities per project and area (stratified on sensitive / not)."""
    from sklearn.model_selection import StratifiedKFold

    sensitive = [bool(labels) for labels in data.labels]
    probabilities: list[list[float]] = [[0.0] * len(areas) for _ in data.labels]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    for train_index, test_index in splitter.split(sensitive, sensitive):
        part = Encoded(
            features=[data.features[i] for i in train_index],
            labels=[data.labels[i] for i in train_index],
        )
        model = train(part, areas, c=c)
        for i in test_index:
            probabilities[i] = predict(model, data.features[i])
    return probabilities


def figures(
    labels: Sequence[frozenset[str]], predicted: Sequence[frozenset[str]], areas: Sequence[str]
) -> dict[str, Any]:
    """Macro F1 over areas with support, micro F1 and sensitive/non-sensitive accuracy."""
    per_area: dict[str, dict[str, float]] = {}
    tp_all = pred_all = sup_all = 0
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
            "true_positive": tp,
            "precision": precision,
            "recall": recall,
            "f1": f1,
        }
        tp_all, pred_all, sup_all = tp_all + tp, pred_all + pred, sup_all + support
    supported = [f["f1"] for f in per_area.values() if f["support"]]
    micro_p = tp_all / pred_all if pred_all else 0.0
    micro_r = tp_all / sup_all if sup_all else 0.0
    return {
        "projects": len(labels),
        "macro_f1": sum(supported) / len(supported) if supported else 0.0,
        "macro_areas": len(supported),
        "micro_f1": 2 * micro_p * micro_r / (micro_p + micro_r) if micro_p + micro_r else 0.0,
        "sensitive_accuracy": sum(
            bool(g) == bool(p) for g, p in zip(labels, predicted, strict=True)
        )
        / len(labels),
        "exact_match": sum(g == p for g, p in zip(labels, predicted, strict=True)) / len(labels),
        "areas": per_area,
    }


def rule_tags(features: dict[str, float] | None, areas: Sequence[str]) -> frozenset[str]:
    """Areas the rule scorer alone tags (the ``top:`` features at the default threshold)."""
    if features is None:
        return frozenset()
    return frozenset(a for a in areas if features.get(TOP_PREFIX + a, 0.0) >= DEFAULT_THRESHOLD)


def decide(
    probabilities: Sequence[float],
    areas: Sequence[str],
    threshold: float,
    rule_keep: float,
    by_rule: frozenset[str],
) -> frozenset[str]:
    return frozenset(
        a
        for a, p in zip(areas, probabilities, strict=True)
        if p >= threshold or (a in by_rule and p >= rule_keep)
    )


def best_threshold(
    data: Encoded, probabilities: Sequence[Sequence[float]], areas: Sequence[str]
) -> tuple[float, float, dict[str, Any]]:
    """(threshold, rule_keep) from the grid with the best macro F1 + sensitive accuracy."""
    by_rule = [rule_tags(f, areas) for f in data.features]
    best: tuple[float, float, float, dict[str, Any]] | None = None
    for threshold in THRESHOLDS:
        for keep in RULE_KEEPS:
            predicted = [
                decide(p, areas, threshold, min(keep, threshold), r)
                for p, r in zip(probabilities, by_rule, strict=True)
            ]
            result = figures(data.labels, predicted, areas)
            objective = result["macro_f1"] + result["sensitive_accuracy"]
            if best is None or objective > best[0] + 1e-9:
                best = (objective, threshold, min(keep, threshold), result)
    assert best is not None
    return best[1], best[2], best[3]


__all__ = [
    "CODE_PREFIX",
    "Encoded",
    "best_threshold",
    "cross_validated",
    "decide",
    "encode",
    "figures",
    "predict",
    "rule_tags",
    "train",
]
