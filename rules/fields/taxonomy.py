"""The CET field taxonomy: dataclasses and the phrase index compiled from them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rules.fields.model import LinearModel
from rules.fields.text import PhraseMatcher, phrase_key

Weights = tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Area:
    """One CET area with its text evidence and programme-code priors."""

    code: str
    name: str
    order: int
    description: str
    terms: Weights
    negative_terms: Weights = ()
    nsf_programme_elements: Weights = ()
    nsf_programme_references: Weights = ()
    nsf_divisions: Weights = ()
    nsf_directorates: Weights = ()
    nih_institutes: Weights = ()

    def code_priors(self) -> dict[str, float]:
        """Programme-code priors keyed like ProjectText.programme_codes ("NSF:PE:7495")."""
        return _code_priors(
            self.nsf_directorates,
            self.nsf_divisions,
            self.nsf_programme_elements,
            self.nsf_programme_references,
            self.nih_institutes,
        )


@dataclass(frozen=True)
class Context:
    """Evidence that a project's subject lies outside the CET list.

    Weighted terms and codes damp every area; usage words mark a term as a tool rather than
    the subject ("using machine learning", "sensor-based"); veto phrases in the title and veto
    programme elements mark education / training programmes, which get no tag at all;
    application cues mark sentences that list possible uses ("applications such as batteries"),
    whose terms count less than the ones describing the work itself.
    """

    non_cet_terms: Weights = ()
    nsf_directorates: Weights = ()
    nsf_divisions: Weights = ()
    nsf_programme_elements: Weights = ()
    nsf_programme_references: Weights = ()
    nih_institutes: Weights = ()
    application_cues: frozenset[str] = frozenset()
    usage_words_before: frozenset[str] = frozenset()
    usage_words_after: frozenset[str] = frozenset()
    veto_title_phrases: tuple[str, ...] = ()
    veto_nsf_programme_elements: frozenset[str] = frozenset()

    def code_priors(self) -> dict[str, float]:
        return _code_priors(
            self.nsf_directorates,
            self.nsf_divisions,
            self.nsf_programme_elements,
            self.nsf_programme_references,
            self.nih_institutes,
        )


# Payload kinds of a compiled phrase.
KIND_TERM = "term"
KIND_NEGATIVE = "negative"
KIND_CONTEXT = "context"
KIND_MASK = "mask"
KIND_VETO = "veto"


@dataclass(frozen=True)
class PhraseRule:
    """What one matched phrase means: kind, area index (-1 for context/mask) and weight."""

    kind: str
    area: int
    weight: float


@dataclass(frozen=True)
class Taxonomy:
    """A validated taxonomy plus the phrase index compiled from it."""

    name: str
    version: int
    source: Mapping[str, Any]
    areas: tuple[Area, ...]
    context: Context = field(default_factory=Context)
    mask_phrases: tuple[str, ...] = ()
    # The linear layer over the rule scores (rules/fields/model.py); None: rules alone.
    model: LinearModel | None = field(default=None, repr=False, compare=False)
    matcher: PhraseMatcher = field(init=False, repr=False, compare=False)
    phrase_rules: tuple[tuple[PhraseRule, ...], ...] = field(init=False, repr=False, compare=False)
    phrase_labels: tuple[str, ...] = field(init=False, repr=False, compare=False)
    area_priors: tuple[Mapping[str, float], ...] = field(init=False, repr=False, compare=False)
    context_priors: Mapping[str, float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        rules: dict[tuple[str, ...], list[PhraseRule]] = {}
        labels: dict[tuple[str, ...], str] = {}

        def add(phrase: str, rule: PhraseRule) -> None:
            key = phrase_key(phrase)
            if not key:
                return
            labels.setdefault(key, " ".join(phrase.lower().split()))
            existing = rules.setdefault(key, [])
            for i, old in enumerate(existing):
                if old.kind == rule.kind and old.area == rule.area:
                    existing[i] = rule if rule.weight > old.weight else old
                    return
            existing.append(rule)

        for index, area in enumerate(self.areas):
            for phrase, weight in area.terms:
                add(phrase, PhraseRule(KIND_TERM, index, weight))
            for phrase, weight in area.negative_terms:
                add(phrase, PhraseRule(KIND_NEGATIVE, index, weight))
        for phrase, weight in self.context.non_cet_terms:
            add(phrase, PhraseRule(KIND_CONTEXT, -1, weight))
        for phrase in self.mask_phrases:
            add(phrase, PhraseRule(KIND_MASK, -1, 0.0))
        for phrase in self.context.veto_title_phrases:
            add(phrase, PhraseRule(KIND_VETO, -1, 0.0))
        keys = tuple(rules)
        object.__setattr__(self, "matcher", PhraseMatcher.build(keys))
        object.__setattr__(self, "phrase_rules", tuple(tuple(rules[k]) for k in keys))
        object.__setattr__(self, "phrase_labels", tuple(labels[k] for k in keys))
        object.__setattr__(self, "area_priors", tuple(a.code_priors() for a in self.areas))
        object.__setattr__(self, "context_priors", self.context.code_priors())

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(area.code for area in self.areas)

    def area(self, code: str) -> Area:
        for area in self.areas:
            if area.code == code:
                return area
        raise KeyError(code)


def _code_priors(
    directorates: Weights,
    divisions: Weights,
    elements: Weights,
    references: Weights,
    institutes: Weights,
) -> dict[str, float]:
    priors: dict[str, float] = {}
    for prefix, weights in (
        ("NSF:DIR:", directorates),
        ("NSF:DIV:", divisions),
        ("NSF:PE:", elements),
        ("NSF:PR:", references),
        ("NIH:IC:", institutes),
    ):
        for code, weight in weights:
            priors[prefix + code.upper()] = weight
    return priors
