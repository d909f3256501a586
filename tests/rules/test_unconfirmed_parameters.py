"""Every value DOMAIN.md marks UNCONFIRMED in a seed rule (§8) that grantcheck encodes is an
editable pack parameter, with status UNCONFIRMED and DOMAIN.md's default.

DOMAIN.md is the product's design document (shared/design/ next to the repository). Only
rules present in the seed packs are checked, so the test stays true as rules are added.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds" / "rules"

# DOMAIN.md's names for its UNCONFIRMED values -> the pack parameter encoding each.
PARAMETER_OF = {
    "T_ftrp": "ftrp_lookback_years",
    "T_fund": "funding_lookback_years",
    "T_pat": "patent_lookback_years",
    "DoD_expanded_lists": "dod_expanded_lists",
    "Restricted_equipment_lists": "restricted_equipment_lists",
}
# DOMAIN.md's spelling of a list -> grantcheck's list code.
LIST_CODE = {
    "1286": "DOD1286",
    "1260H": "DOD1260H",
    "EL": "EL",
    "MEU": "MEU",
    "CMIC": "CMIC",
    "FCC Covered List": "FCC",
}
_RULE = re.compile(r"^\s*\d+\.\s+\*\*(R\d{2})\s*\|", re.MULTILINE)
_NAME = re.compile(r"`([A-Za-z_]+)`|\b([A-Z][a-z]+(?:_[a-z]+)+)\b")
_YEARS = re.compile(r"default (\d+) ?y")
_LISTS = re.compile(r"start with ([^)]+)\)")
UNION = "\u222a"  # DOMAIN.md's set union between list names


def domain_md() -> Path | None:
    for parent in ROOT.parents:
        found = parent / "shared" / "design" / "DOMAIN.md"
        if found.exists():
            return found
    return None


def unconfirmed_values(text: str) -> list[tuple[str, str, Any]]:
    """(rule, DOMAIN.md name, default or None) for every UNCONFIRMED value of §8."""
    section = text[text.index("## 8. SEED RULES") : text.index("## 9.")]
    starts = [(m.group(1), m.start()) for m in _RULE.finditer(section)]
    out: list[tuple[str, str, Any]] = []
    for i, (rule, start) in enumerate(starts):
        end = starts[i + 1][1] if i + 1 < len(starts) else len(section)
        for line in section[start:end].splitlines():
            at = line.find("**UNCONFIRMED**")
            if at < 0:
                continue
            names = [a or b for a, b in _NAME.findall(line[:at])]
            name = next(n for n in reversed(names) if n in PARAMETER_OF)
            tail = line[at:]
            default: Any = None
            if m := _YEARS.search(tail):
                default = int(m.group(1))
            elif m := _LISTS.search(tail):
                default = [LIST_CODE[part.strip()] for part in m.group(1).split(UNION)]
            out.append((rule, name, default))
    return out


def shipped_lists() -> set[str]:
    """List codes grantcheck ships: the seed lists and the CSL's sources."""
    from rules.lists.parsers.csl import CSL_SOURCES

    codes = set(CSL_SOURCES)
    for path in (ROOT / "seeds" / "lists").glob("*.yaml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if isinstance(doc.get("list"), dict):
            codes.add(doc["list"]["code"])
    return codes


def seed_packs() -> tuple[set[str], dict[str, dict[str, Any]]]:
    rules: set[str] = set()
    params: dict[str, dict[str, Any]] = {}
    for path in sorted(SEEDS.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        if "pack" not in doc:
            continue
        rules |= {r["id"] for r in doc.get("rules", [])}
        params.update(doc["pack"].get("parameters") or {})
    return rules, params


def test_every_unconfirmed_value_of_an_encoded_rule_is_a_parameter_with_its_default() -> None:
    path = domain_md()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("shared/design/DOMAIN.md not found next to the repository")
        pytest.skip("shared/design/DOMAIN.md not found next to the repository")
    values = unconfirmed_values(path.read_text(encoding="utf-8"))
    assert {name for _r, name, _d in values} == set(PARAMETER_OF), "DOMAIN.md changed: map it"
    encoded, params = seed_packs()
    checked = 0
    for rule, name, default in values:
        if rule not in encoded:
            continue
        parameter = params.get(PARAMETER_OF[name])
        assert parameter is not None, f"{rule}: {name} is no pack parameter"
        assert parameter["status"] == "UNCONFIRMED", f"{rule}: {name}"
        value = parameter["value"]
        if isinstance(default, list):
            # a list grantcheck does not ship stays out of the value and is named for the
            # administrator who loads it (as S.4525's and S.2755's packs do)
            shipped = [code for code in default if code in shipped_lists()]
            assert sorted(value) == sorted(shipped), f"{rule}: {name} = {value!r}, not {shipped!r}"
            for code in set(default) - set(shipped):
                assert code in parameter["description"], f"{rule}: {name} does not name {code}"
        elif default is not None:
            assert value == default, f"{rule}: {name} = {value!r}, DOMAIN.md says {default!r}"
        checked += 1
    assert checked >= 5  # R04, R07, R08, R09, R10 are encoded


def test_the_parser_reads_names_and_defaults() -> None:
    text = (
        "## 8. SEED RULES\n"
        "4. **R04 | Past | x**\n"
        "   - Look-back: `T_ftrp` (parameter; **UNCONFIRMED**, default 5 y)\n"
        "8. **R08 | Equipment | x**\n"
        "   - Condition: `e.manufacturer ∈ Restricted_equipment_lists` (list **UNCONFIRMED**;"
        f" start with 1260H {UNION} FCC Covered List {UNION} EL)\n"
        "## 9. Reference\n"
    )
    assert unconfirmed_values(text) == [
        ("R04", "T_ftrp", 5),
        ("R08", "Restricted_equipment_lists", ["DOD1260H", "FCC", "EL"]),
    ]
