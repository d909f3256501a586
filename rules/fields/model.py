"""A linear layer over the rule scores: per-area logistic regression, read from a JSON artifact.

The artifact (seeds/fields/cet_2024_model.json) is built by rules/fields/build_model.py from
the tuning split only (tests/data/fields_tune.csv); nothing here needs scikit-learn. Features of
a project (the same function at build and run time):

* ``rule:<area>`` the rule scorer's confidence for each area and ``top:<area>`` the same when
  the area passes the rule's relative floor, so the model starts from the rules' judgement;
* ``word:<token>`` / ``title:<token>`` title + abstract words (L2-normalised presence);
* ``code:<code>`` programme codes ("NSF:PE:7928").

An area's probability is ``sigmoid(bias + sum(weight * value))``. An area is tagged when the
probability reaches ``threshold``, or reaches ``rule_keep`` for an area the rule scorer tags on
its own (the model confirms or vetoes rule tags and adds confident ones). That decision is
mapped to a confidence so that it lands on the tagger's DEFAULT_THRESHOLD.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rules.fields.text import clean_text, tokenize

FORMAT = "grantcheck-cet-linear/1"
RULE_PREFIX = "rule:"
TOP_PREFIX = "top:"
WORD_PREFIX = "word:"
TITLE_PREFIX = "title:"
CODE_PREFIX = "code:"
CODE_VALUE = 0.5
# A word or code is shown as evidence when it adds at least this much to the area's logit.
MIN_EVIDENCE = 0.1
RELATIVE_FLOOR = 0.4
MIN_TOKEN_LENGTH = 3
_STOPWORD_TEXT = (
    "the and for this that with will from are project research which their these have has "
    "been also into such can our its new was were more than they other through about both "
    "use used using how what when where while between based award nsf proposal investigator "
    "investigators team work study results provide well most may one two three first"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


class ModelError(ValueError):
    """The model artifact is missing, malformed or built for other areas."""


def normalise_code(code: str) -> str:
    return ":".join(part.strip().upper() for part in code.split(":"))


def _content(tokens: Sequence[str]) -> set[str]:
    return {
        token
        for token in tokens
        if len(token) >= MIN_TOKEN_LENGTH and token not in STOPWORDS and not token.isdigit()
    }


def text_features(title: str, abstract: str, codes: Sequence[str]) -> dict[str, float]:
    """Word, title-word and programme-code features of one project (no rule features)."""
    return token_features(tokenize(clean_text(title)), tokenize(clean_text(abstract)), codes)


def token_features(
    title_tokens: Sequence[str], abstract_tokens: Sequence[str], codes: Sequence[str]
) -> dict[str, float]:
    """text_features() from tokens already made by rules.fields.text.tokenize()."""
    title_words = _content(title_tokens)
    words = {WORD_PREFIX + t for t in title_words | _content(abstract_tokens)}
    words |= {TITLE_PREFIX + t for t in title_words}
    features: dict[str, float] = {}
    if words:
        value = 1.0 / math.sqrt(len(words))
        features = dict.fromkeys(words, value)
    for code in codes:
        features[CODE_PREFIX + normalise_code(code)] = CODE_VALUE
    return features


def rule_features(
    areas: Sequence[str], confidences: Sequence[float], relatives: Sequence[float]
) -> dict[str, float]:
    features: dict[str, float] = {}
    for area, confidence, relative in zip(areas, confidences, relatives, strict=True):
        if confidence > 0.0:
            features[RULE_PREFIX + area] = confidence
            if relative >= RELATIVE_FLOOR:
                features[TOP_PREFIX + area] = confidence
    return features


def feature_label(name: str) -> str:
    """How a feature reads as evidence: the word or the code, without its prefix."""
    return name.split(":", 1)[1] if not name.startswith(CODE_PREFIX) else name[len(CODE_PREFIX) :]


@dataclass(frozen=True)
class AreaScore:
    area: str
    probability: float
    contributions: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class LinearModel:
    """Per-area logistic regression weights, indexed by feature for one pass over a project."""

    areas: tuple[str, ...]
    bias: tuple[float, ...]
    threshold: float
    weights: Mapping[str, tuple[tuple[int, float], ...]]
    rule_keep: float = 0.0
    dense: Mapping[str, tuple[float, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        dense: dict[str, tuple[float, ...]] = {}
        for name, pairs in self.weights.items():
            row = [0.0] * len(self.areas)
            for index, weight in pairs:
                row[index] = weight
            dense[name] = tuple(row)
        object.__setattr__(self, "dense", dense)

    trained_on: Mapping[str, Any] = field(default_factory=dict)

    def probabilities(self, features: Mapping[str, float]) -> list[float]:
        """Probability per area, in taxonomy order (one pass over the project's features)."""
        # Word features share one value per project and codes another: sum their weight rows
        # column-wise first (zip/sum run in C), then scale once per distinct value.
        groups: dict[float, list[tuple[float, ...]]] = {}
        dense = self.dense
        for name, value in features.items():
            row = dense.get(name)
            if row is not None:
                groups.setdefault(value, []).append(row)
        logits = list(self.bias)
        for value, rows in groups.items():
            sums = map(sum, zip(*rows, strict=True))
            logits = [z + value * total for z, total in zip(logits, sums, strict=True)]
        return [1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0))) for z in logits]

    def contributions(
        self, features: Mapping[str, float], index: int, limit: int
    ) -> tuple[tuple[str, float], ...]:
        """The words and codes that raise area ``index``'s logit most (at least MIN_EVIDENCE)."""
        found: list[tuple[str, float]] = []
        dense = self.dense
        for name, value in features.items():
            row = dense.get(name)
            if row is None or name.startswith((RULE_PREFIX, TOP_PREFIX)):
                continue
            amount = row[index] * value
            if amount >= MIN_EVIDENCE:
                found.append((name, amount))
        found.sort(key=lambda item: (-item[1], item[0]))
        return tuple(found[:limit])

    def scores(self, features: Mapping[str, float], evidence: int = 0) -> list[AreaScore]:
        """Probability per area (taxonomy order) and its strongest positive contributions."""
        return [
            AreaScore(area, p, self.contributions(features, i, evidence) if evidence else ())
            for i, (area, p) in enumerate(
                zip(self.areas, self.probabilities(features), strict=True)
            )
        ]

    def tagged(self, probability: float, rule_tagged: bool) -> bool:
        return probability >= (
            min(self.rule_keep, self.threshold) if rule_tagged else self.threshold
        )

    def confidence(self, probability: float, rule_tagged: bool, cut: float) -> float:
        """A confidence in [0, 1] that reaches ``cut`` exactly when the area is tagged.

        The score is the probability, raised by ``threshold - rule_keep`` for an area the rule
        scorer tags, then mapped piecewise-linearly with the threshold landing on ``cut``.
        """
        boost = max(self.threshold - self.rule_keep, 0.0) if rule_tagged else 0.0
        score, t, top = probability + boost, self.threshold, 1.0 + boost
        if score < t:
            return cut * score / t
        return min(cut + (1.0 - cut) * (score - t) / (top - t), 1.0)

    def to_json(self) -> dict[str, Any]:
        per_area: list[dict[str, float]] = [{} for _ in self.areas]
        for name, pairs in self.weights.items():
            for index, weight in pairs:
                per_area[index][name] = weight
        return {
            "format": FORMAT,
            "threshold": self.threshold,
            "rule_keep": self.rule_keep,
            "trained_on": dict(self.trained_on),
            "areas": [
                {"code": area, "bias": bias, "weights": dict(sorted(per_area[i].items()))}
                for i, (area, bias) in enumerate(zip(self.areas, self.bias, strict=True))
            ],
        }


def model_from_json(data: Any, expected_areas: Sequence[str]) -> LinearModel:
    if not isinstance(data, Mapping) or data.get("format") != FORMAT:
        raise ModelError(f"not a {FORMAT} model")
    raw_areas = data.get("areas")
    if not isinstance(raw_areas, list):
        raise ModelError("model has no 'areas' list")
    codes = [a.get("code") if isinstance(a, Mapping) else None for a in raw_areas]
    if codes != list(expected_areas):
        raise ModelError("model areas differ from the taxonomy's; rebuild the model")
    threshold = data.get("threshold")
    if not isinstance(threshold, int | float) or not 0.0 < float(threshold) < 1.0:
        raise ModelError("model threshold must be in (0, 1)")
    keep = data.get("rule_keep", threshold)
    if not isinstance(keep, int | float) or not 0.0 <= float(keep) <= float(threshold):
        raise ModelError("model rule_keep must be in [0, threshold]")
    weights: dict[str, list[tuple[int, float]]] = {}
    bias: list[float] = []
    for index, area in enumerate(raw_areas):
        b, w = area.get("bias"), area.get("weights")
        if not isinstance(b, int | float) or not isinstance(w, Mapping):
            raise ModelError(f"area {area.get('code')!r}: needs a numeric bias and weights")
        bias.append(float(b))
        for name, weight in w.items():
            if not isinstance(weight, int | float):
                raise ModelError(f"area {area.get('code')!r}: weight of {name!r} is not a number")
            weights.setdefault(str(name), []).append((index, float(weight)))
    trained = data.get("trained_on")
    return LinearModel(
        areas=tuple(expected_areas),
        bias=tuple(bias),
        threshold=float(threshold),
        rule_keep=float(keep),
        weights={name: tuple(pairs) for name, pairs in weights.items()},
        trained_on=trained if isinstance(trained, Mapping) else {},
    )


def load_model(path: Path, expected_areas: Sequence[str]) -> LinearModel:
    try:
        with Path(path).open(encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelError(f"cannot read model {path}: {exc}") from exc
    return model_from_json(data, expected_areas)
