"""Tag research projects with NSTC CET 2024 areas from programme codes and title + abstract.

Pure Python and deterministic; all phrases, codes and weights come from the taxonomy YAML.
Scoring, per area:

* text: each distinct matched term counts its weight (repeats add ``REPEAT_BONUS`` each, up to
  ``REPEAT_CAP``), ``TITLE_FACTOR`` times in the title; negative terms subtract. An occurrence
  used as a tool ("using machine learning", "sensor-based") counts ``USAGE_FACTOR``, one in a
  sentence listing applications ("applications such as batteries") ``APPLICATION_FACTOR``;
  an area named neither in the title nor in two abstract sentences keeps only
  ``SINGLE_MENTION_FACTOR`` of its text score;
* programme codes: priors of directorate, division, NSF programme element / reference and
  NIH institute codes, capped at ``CODE_CAP``;
* context: evidence that the subject lies outside the CET list (climate, ecology, social
  science, basic physics, education...) adds up to ``d`` and every score is multiplied by
  ``1 / (1 + (d / DAMPING_SCALE) ** DAMPING_POWER)``; education and training programmes
  (veto phrases in the title, veto programme elements) get no tag at all;
* an area is kept when its confidence ``1 - exp(-score / CONFIDENCE_SCALE)`` reaches the
  threshold and its score is at least ``RELATIVE_FLOOR`` times the best area's score: the
  label rule asks for the primary contribution, not every technology that is mentioned.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from rules.fields.loader import load_taxonomy, taxonomy_from_dict
from rules.fields.model import CODE_PREFIX, feature_label, rule_features, token_features
from rules.fields.nsf import nsf_programme_codes
from rules.fields.taxonomy import KIND_CONTEXT, KIND_NEGATIVE, KIND_TERM, KIND_VETO, Taxonomy
from rules.fields.text import clean_text, sentences, tokenize

__all__ = [
    "DEFAULT_THRESHOLD",
    "METHOD_CODE",
    "METHOD_CODE_TEXT",
    "METHOD_TEXT",
    "FieldTag",
    "ProjectText",
    "Taxonomy",
    "load_taxonomy",
    "nsf_programme_codes",
    "tag_project",
    "taxonomy_from_dict",
]

# Calibrated on the labelled NSF FY2017 awards (bench/fields_eval.py).
DEFAULT_THRESHOLD = 0.55

TITLE_FACTOR = 2.0
PROGRAMME_TEXT_FACTOR = 0.5
REPEAT_BONUS = 0.25
REPEAT_CAP = 4
USAGE_FACTOR = 0.4
APPLICATION_FACTOR = 0.5
SINGLE_MENTION_FACTOR = 0.6
CODE_CAP = 4.0
DAMPING_SCALE = 4.0
DAMPING_POWER = 2.0
CONFIDENCE_SCALE = 4.0
RELATIVE_FLOOR = 0.4
# A source (programme codes, text) is credited in FieldTag.method when its own score reaches
# this much: about one clear term or one programme prior, not a weak division-level hint.
METHOD_MIN_SCORE = 1.0
MAX_EVIDENCE = 8
# Model contributions are logits; this many rule-score units per logit for FieldTag.method.
MODEL_METHOD_SCALE = 1.0

METHOD_CODE = "programme_code"
METHOD_TEXT = "text"
METHOD_CODE_TEXT = "programme_code+text"


@dataclass(frozen=True)
class ProjectText:
    """What the tagger reads about one project.

    programme_codes look like "NSF:DIR:MPS", "NSF:DIV:DMR", "NSF:PE:1281", "NSF:PR:7203",
    "NIH:IC:NCI"; see nsf_programme_codes() for NSF award data.
    """

    sponsor: str
    title: str
    abstract: str
    programme: str = ""
    programme_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class FieldTag:
    """One CET area assigned to a project."""

    area: str
    confidence: float
    method: str
    evidence: tuple[str, ...]


@dataclass
class _AreaScore:
    text: float = 0.0
    code: float = 0.0
    evidence: dict[str, float] = field(default_factory=dict)

    def add_evidence(self, label: str, weight: float) -> None:
        self.evidence[label] = self.evidence.get(label, 0.0) + weight


@dataclass
class _Occurrences:
    """Discounted occurrence counts per phrase, and the sentences each phrase occurs in."""

    counts: dict[int, float] = field(default_factory=dict)
    sentences: dict[int, set[int]] = field(default_factory=dict)
    tokens: list[str] = field(default_factory=list)


def _occurrences(taxonomy: Taxonomy, text: str) -> _Occurrences:
    """Occurrences per phrase, discounted when they are tool use or listed applications.

    An occurrence right after a usage word ("using") or before one ("-based") counts
    USAGE_FACTOR; one in a sentence with an application cue ("applications such as ...")
    counts APPLICATION_FACTOR; both discounts multiply.
    """
    found = _Occurrences()
    if not text:
        return found
    context = taxonomy.context
    phrases = taxonomy.matcher.phrases
    for number, sentence in enumerate(sentences(clean_text(text))):
        tokens = tokenize(sentence)
        found.tokens.extend(tokens)
        sentence_factor = (
            APPLICATION_FACTOR if context.application_cues.intersection(tokens) else 1.0
        )
        for hit in taxonomy.matcher.find(tokens):
            end = hit.start + len(phrases[hit.phrase])
            used = (hit.start > 0 and tokens[hit.start - 1] in context.usage_words_before) or (
                end < len(tokens) and tokens[end] in context.usage_words_after
            )
            factor = sentence_factor * (USAGE_FACTOR if used else 1.0)
            found.counts[hit.phrase] = found.counts.get(hit.phrase, 0.0) + factor
            found.sentences.setdefault(hit.phrase, set()).add(number)
    return found


def _repeat_weight(count: float) -> float:
    """First occurrence counts fully, repeats add REPEAT_BONUS each up to REPEAT_CAP."""
    return min(count, 1.0) + REPEAT_BONUS * min(max(count - 1.0, 0.0), REPEAT_CAP)


def _normalise_code(code: str) -> str:
    return ":".join(part.strip().upper() for part in code.split(":"))


def _vetoed(taxonomy: Taxonomy, title: _Occurrences, codes: set[str]) -> bool:
    """Education and training programmes get no tag (label rule)."""
    if codes & taxonomy.context.veto_nsf_programme_elements:
        return True
    return any(
        rule.kind == KIND_VETO for phrase in title.counts for rule in taxonomy.phrase_rules[phrase]
    )


_Scored = tuple[list["_AreaScore"], float, list[str], list[str]]


def _score(project: ProjectText, taxonomy: Taxonomy) -> _Scored | None:
    """Per-area scores and the context damping total; None when the project is vetoed."""
    codes = {_normalise_code(code) for code in project.programme_codes}
    title = _occurrences(taxonomy, project.title)
    if _vetoed(taxonomy, title, codes):
        return None
    abstract = _occurrences(taxonomy, project.abstract)
    scores = [_AreaScore() for _ in taxonomy.areas]
    in_title: set[int] = set()
    abstract_sentences: list[set[int]] = [set() for _ in taxonomy.areas]
    damping = 0.0
    fields = (
        (title, TITLE_FACTOR),
        (abstract, 1.0),
        (_occurrences(taxonomy, project.programme), PROGRAMME_TEXT_FACTOR),
    )
    for found, factor in fields:
        for phrase, count in found.counts.items():
            weight_factor = factor * _repeat_weight(count)
            label = taxonomy.phrase_labels[phrase]
            for rule in taxonomy.phrase_rules[phrase]:
                amount = rule.weight * weight_factor
                if rule.kind == KIND_TERM:
                    scores[rule.area].text += amount
                    scores[rule.area].add_evidence(label, amount)
                    if found is title:
                        in_title.add(rule.area)
                    elif found is abstract:
                        abstract_sentences[rule.area] |= found.sentences[phrase]
                elif rule.kind == KIND_NEGATIVE:
                    scores[rule.area].text -= amount
                elif rule.kind == KIND_CONTEXT:
                    damping += amount
    for code in codes:
        damping += taxonomy.context_priors.get(code, 0.0)
        for index, priors in enumerate(taxonomy.area_priors):
            prior = priors.get(code)
            if prior:
                scores[index].code += prior
                scores[index].add_evidence(code, prior)
    for index, score in enumerate(scores):
        score.code = min(score.code, CODE_CAP)
        score.text = max(score.text, 0.0)
        # The primary contribution is named in the title or discussed more than once.
        if index not in in_title and len(abstract_sentences[index]) <= 1:
            score.text *= SINGLE_MENTION_FACTOR
    return scores, damping, title.tokens, abstract.tokens


def _method(text: float, code: float) -> str:
    if code < METHOD_MIN_SCORE:
        return METHOD_TEXT
    if text < METHOD_MIN_SCORE:
        return METHOD_CODE
    return METHOD_CODE_TEXT


@dataclass(frozen=True)
class RuleScore:
    """The rule scorer's view of one area, before the threshold and the relative floor.

    confidence is ``1 - exp(-total / CONFIDENCE_SCALE)`` of the damped score; relative is the
    area's share of the best area's score (0..1); evidence lists matched phrases and codes,
    strongest first.
    """

    area: str
    confidence: float
    relative: float
    text: float
    code: float
    evidence: tuple[str, ...]


def rule_scores(project: ProjectText, taxonomy: Taxonomy) -> list[RuleScore] | None:
    """Per-area rule scores in taxonomy order; None when the label rule vetoes every tag."""
    result = _rule_scores(project, taxonomy)
    return None if result is None else result[0]


def _rule_scores(
    project: ProjectText, taxonomy: Taxonomy
) -> tuple[list[RuleScore], list[str], list[str]] | None:
    """Rule scores plus the title and abstract tokens the scorer read (for the model)."""
    scored = _score(project, taxonomy)
    if scored is None:
        return None
    scores, damping, title_tokens, abstract_tokens = scored
    damp = 1.0 / (1.0 + (damping / DAMPING_SCALE) ** DAMPING_POWER)
    totals = [max((score.text + score.code) * damp, 0.0) for score in scores]
    best = max(totals, default=0.0)
    result: list[RuleScore] = []
    for area, score, total in zip(taxonomy.areas, scores, totals, strict=True):
        ranked = sorted(score.evidence.items(), key=lambda item: (-item[1], item[0]))
        result.append(
            RuleScore(
                area=area.code,
                confidence=round(1.0 - math.exp(-total / CONFIDENCE_SCALE), 4),
                relative=total / best if best > 0.0 else 0.0,
                text=score.text,
                code=score.code,
                evidence=tuple(label for label, _ in ranked[:MAX_EVIDENCE]),
            )
        )
    return result, title_tokens, abstract_tokens


def tag_project_rules(
    project: ProjectText, taxonomy: Taxonomy, *, threshold: float = DEFAULT_THRESHOLD
) -> list[FieldTag]:
    """The rule scorer alone: areas above the threshold and the relative floor, best first."""
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be in [0, 1], got {threshold}")
    scores = rule_scores(project, taxonomy)
    if scores is None:
        return []
    tags: list[FieldTag] = []
    for score in scores:
        if score.confidence <= 0.0 or score.relative < RELATIVE_FLOOR:
            continue
        if score.confidence < threshold:
            continue
        tags.append(
            FieldTag(
                area=score.area,
                confidence=score.confidence,
                method=_method(score.text, score.code),
                evidence=score.evidence,
            )
        )
    tags.sort(key=lambda tag: (-tag.confidence, tag.area))
    return tags


def rule_tagged(score: RuleScore) -> bool:
    """Whether the rule scorer alone tags this area at the default threshold."""
    return score.relative >= RELATIVE_FLOOR and score.confidence >= max(DEFAULT_THRESHOLD, 1e-9)


def project_features(
    project: ProjectText,
    taxonomy: Taxonomy,
    scored: tuple[list[RuleScore], list[str], list[str]] | None = None,
) -> dict[str, float] | None:
    """The linear layer's features of a project; None when the label rule vetoes every tag."""
    if scored is None:
        scored = _rule_scores(project, taxonomy)
        if scored is None:
            return None
    scores, title_tokens, abstract_tokens = scored
    features = token_features(title_tokens, abstract_tokens, project.programme_codes)
    features.update(
        rule_features(
            [s.area for s in scores], [s.confidence for s in scores], [s.relative for s in scores]
        )
    )
    return features


def _merge_evidence(first: tuple[str, ...], more: tuple[tuple[str, float], ...]) -> tuple[str, ...]:
    labels = list(first)
    for name, _ in more:
        label = feature_label(name)
        if label not in labels:
            labels.append(label)
    return tuple(labels[:MAX_EVIDENCE])


def tag_project(
    project: ProjectText, taxonomy: Taxonomy, *, threshold: float = DEFAULT_THRESHOLD
) -> list[FieldTag]:
    """CET areas whose advancement is the project's primary contribution, best first.

    With a model artifact (taxonomy.model) the rule scores, words and codes go through the
    linear layer; the evidence is the rule's matched phrases and codes, then the words and codes
    that pushed the model's score up most. Without one, the rule scorer decides alone.
    """
    model = taxonomy.model
    if model is None:
        return tag_project_rules(project, taxonomy, threshold=threshold)
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be in [0, 1], got {threshold}")
    scored = _rule_scores(project, taxonomy)
    if scored is None:
        return []
    scores = scored[0]
    features = project_features(project, taxonomy, scored)
    assert features is not None
    tags: list[FieldTag] = []
    probabilities = model.probabilities(features)
    for index, (rule, probability) in enumerate(zip(scores, probabilities, strict=True)):
        confidence = round(model.confidence(probability, rule_tagged(rule), DEFAULT_THRESHOLD), 4)
        if confidence < threshold or confidence <= 0.0:
            continue
        contributions = model.contributions(features, index, MAX_EVIDENCE)
        words = sum(a for n, a in contributions if not n.startswith(CODE_PREFIX))
        codes = sum(a for n, a in contributions if n.startswith(CODE_PREFIX))
        tags.append(
            FieldTag(
                area=rule.area,
                confidence=confidence,
                method=_method(
                    rule.text + MODEL_METHOD_SCALE * words, rule.code + MODEL_METHOD_SCALE * codes
                ),
                evidence=_merge_evidence(rule.evidence, contributions),
            )
        )
    tags.sort(key=lambda tag: (-tag.confidence, tag.area))
    return tags
