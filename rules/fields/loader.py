"""Loading and validating the CET taxonomy YAML (errors name the area and the key)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NoReturn

import yaml

from rules.fields.model import load_model
from rules.fields.taxonomy import Area, Context, Taxonomy, Weights
from rules.fields.text import fold_token

ERR_NOT_MAPPING = "taxonomy file must be a mapping with an 'areas' list"
ERR_NO_AREAS = "taxonomy has no areas"
ERR_AREA = "area {area!r}: key {key!r}: {problem}"
ERR_CONTEXT = "context: key {key!r}: {problem}"
ERR_MASK = "mask_phrases: {problem}"

WEIGHT_MAX = 10.0
AREA_CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
WEIGHT_MAP_KEYS = (
    "terms",
    "negative_terms",
    "nsf_programme_elements",
    "nsf_programme_references",
    "nsf_divisions",
    "nsf_directorates",
    "nih_institutes",
)
AREA_KEYS = frozenset({"code", "order", "name", "description", *WEIGHT_MAP_KEYS})
CONTEXT_WEIGHT_KEYS = (
    "non_cet_terms",
    "nsf_directorates",
    "nsf_divisions",
    "nsf_programme_elements",
    "nsf_programme_references",
    "nih_institutes",
)
CONTEXT_LIST_KEYS = (
    "application_cues",
    "usage_words_before",
    "usage_words_after",
    "veto_title_phrases",
    "veto_nsf_programme_elements",
)

Fail = Callable[[str], NoReturn]


def _area_failure(area: str, key: str) -> Fail:
    def fail(problem: str) -> NoReturn:
        raise ValueError(ERR_AREA.format(area=area, key=key, problem=problem))

    return fail


def _context_failure(key: str) -> Fail:
    def fail(problem: str) -> NoReturn:
        raise ValueError(ERR_CONTEXT.format(key=key, problem=problem))

    return fail


def _weights(value: Any, fail: Fail) -> Weights:
    """Validate a phrase/code -> weight mapping (missing or empty is allowed)."""
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        fail("must be a mapping of phrase or code to weight")
    pairs: list[tuple[str, float]] = []
    for key, weight in value.items():
        if isinstance(key, bool) or not isinstance(key, str | int) or not str(key).strip():
            fail(f"bad entry name {key!r}")
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            fail(f"weight of {key!r} must be a number")
        if not 0 < float(weight) <= WEIGHT_MAX:
            fail(f"weight of {key!r} must be in (0, {WEIGHT_MAX}]")
        pairs.append((str(key).strip(), float(weight)))
    return tuple(pairs)


def _strings(value: Any, fail: Fail) -> tuple[str, ...]:
    """Validate a list of non-empty strings (numbers are accepted as codes)."""
    if value is None:
        return ()
    if not isinstance(value, list):
        fail("must be a list of non-empty strings")
    items: list[str] = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, str | int) or not str(item).strip():
            fail(f"bad list item {item!r}")
        items.append(str(item).strip())
    return tuple(items)


def _area(raw: Any, position: int) -> Area:
    label = str(raw.get("code", f"#{position + 1}")) if isinstance(raw, Mapping) else ""
    label = label or f"#{position + 1}"
    if not isinstance(raw, Mapping):
        _area_failure(label, "*")("must be a mapping")
    unknown = sorted(str(key) for key in set(raw) - AREA_KEYS)
    if unknown:
        _area_failure(label, unknown[0])("unknown key")
    code = raw.get("code")
    if not isinstance(code, str) or not AREA_CODE_RE.match(code):
        _area_failure(label, "code")("must be a lower-case slug like 'advanced_computing'")
    texts: dict[str, str] = {}
    for key in ("name", "description"):
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            _area_failure(label, key)("must be a non-empty string")
        texts[key] = " ".join(value.split())
    order = raw.get("order", position + 1)
    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        _area_failure(label, "order")("must be a positive integer")
    maps = {key: _weights(raw.get(key), _area_failure(label, key)) for key in WEIGHT_MAP_KEYS}
    if not maps["terms"]:
        _area_failure(label, "terms")("must list at least one phrase")
    return Area(
        code=code, name=texts["name"], order=order, description=texts["description"], **maps
    )


def _folded(words: tuple[str, ...]) -> frozenset[str]:
    return frozenset(fold_token(word.lower()) for word in words)


def _context(raw: Any) -> Context:
    if raw is None:
        return Context()
    if not isinstance(raw, Mapping):
        _context_failure("*")("must be a mapping")
    unknown = sorted(
        str(key) for key in set(raw) - set(CONTEXT_WEIGHT_KEYS) - set(CONTEXT_LIST_KEYS)
    )
    if unknown:
        _context_failure(unknown[0])("unknown key")
    lists = {key: _strings(raw.get(key), _context_failure(key)) for key in CONTEXT_LIST_KEYS}
    return Context(
        **{key: _weights(raw.get(key), _context_failure(key)) for key in CONTEXT_WEIGHT_KEYS},
        application_cues=_folded(lists["application_cues"]),
        usage_words_before=_folded(lists["usage_words_before"]),
        usage_words_after=_folded(lists["usage_words_after"]),
        veto_title_phrases=lists["veto_title_phrases"],
        veto_nsf_programme_elements=frozenset(
            f"NSF:PE:{code.upper()}" for code in lists["veto_nsf_programme_elements"]
        ),
    )


def taxonomy_from_dict(data: Any) -> Taxonomy:
    """Build a Taxonomy from parsed YAML, raising ValueError naming the area and key."""
    if not isinstance(data, Mapping) or not isinstance(data.get("areas"), list):
        raise ValueError(ERR_NOT_MAPPING)
    if not data["areas"]:
        raise ValueError(ERR_NO_AREAS)
    areas = tuple(_area(raw, i) for i, raw in enumerate(data["areas"]))
    codes: set[str] = set()
    orders: set[int] = set()
    for area in areas:
        if area.code in codes:
            _area_failure(area.code, "code")("duplicate code")
        if area.order in orders:
            _area_failure(area.code, "order")("duplicate order")
        codes.add(area.code)
        orders.add(area.order)
    masks = data.get("mask_phrases")
    if masks is not None and (
        not isinstance(masks, list) or not all(isinstance(m, str) and m.strip() for m in masks)
    ):
        raise ValueError(ERR_MASK.format(problem="must be a list of non-empty strings"))
    version = data.get("version", 1)
    source = data.get("source") or {}
    return Taxonomy(
        name=str(data.get("taxonomy", "CET2024")),
        version=version if isinstance(version, int) and not isinstance(version, bool) else 1,
        source=source if isinstance(source, Mapping) else {"text": str(source)},
        areas=tuple(sorted(areas, key=lambda a: a.order)),
        context=_context(data.get("context")),
        mask_phrases=tuple(m.strip() for m in masks or ()),
    )


def model_path(path: Path) -> Path:
    """Where the linear layer of a taxonomy lives: cet_2024.yaml -> cet_2024_model.json."""
    return Path(path).with_name(Path(path).stem + "_model.json")


def load_taxonomy(path: Path, *, with_model: bool = True) -> Taxonomy:
    """Load and validate a taxonomy YAML file, with its model artifact when there is one."""
    with Path(path).open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    taxonomy = taxonomy_from_dict(data)
    artifact = model_path(path)
    if with_model and artifact.is_file():
        taxonomy = dataclasses.replace(taxonomy, model=load_model(artifact, taxonomy.codes))
    return taxonomy
