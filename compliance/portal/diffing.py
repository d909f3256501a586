"""Rule content as YAML text: render, parse a draft, locate an error, diff two versions."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from projects.errors import ApplicationError
from rules.engine import ConditionError, compile_rule
from rules.models import Rule
from rules.services.rulepacks import pack_params

_STEP = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")


@dataclass
class DraftError:
    message: str
    path: str = ""
    line: int | None = None


def rule_yaml(content: Mapping[str, Any]) -> str:
    return yaml.safe_dump(dict(content), sort_keys=False, allow_unicode=True, width=100)


def path_line(text: str, path: str) -> int | None:
    """1-based line of the deepest node of an error path (``rule R07.condition.all[1]``)."""
    try:
        node: Any = yaml.compose(text)
    except yaml.YAMLError:
        return None
    if node is None or not path.startswith("rule"):
        return None
    rest = path[len("rule") :]
    if rest.startswith(" "):  # "rule R07.condition..." -> ".condition..."
        rest = rest[rest.find(".") :] if "." in rest else ""
    line = None
    for name, index in _STEP.findall(rest):
        child = None
        if name and isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if getattr(k, "value", None) == name), None)
            key = next((k for k, _v in node.value if getattr(k, "value", None) == name), None)
            if key is not None:
                line = key.start_mark.line + 1
        elif index and isinstance(node, yaml.SequenceNode) and int(index) < len(node.value):
            child = node.value[int(index)]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line


def draft_parse(*, rule: Rule, text: str) -> tuple[dict[str, Any] | None, DraftError | None]:
    """Parse and validate a draft's YAML as the services will; nothing is written."""
    if not text.strip():
        return None, DraftError("The draft is empty: paste or type the rule's YAML.")
    try:
        content = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        line = mark.line + 1 if mark is not None else None
        where = f" (line {line}, column {mark.column + 1})" if mark is not None else ""
        return None, DraftError(f"Not valid YAML{where}: {problem}", line=line)
    if not isinstance(content, dict):
        return None, DraftError("A rule is a mapping of keys (id, title, condition, ...).", line=1)
    if content.get("id") != rule.key:
        return None, DraftError(
            f"rule id must stay {rule.key}", path="rule.id", line=path_line(text, "rule.id")
        )
    try:
        compile_rule(content, pack_params(rule.pack))
    except ConditionError as exc:
        return None, DraftError(str(exc), path=exc.path, line=path_line(text, exc.path))
    return content, None


def draft_error_from(exc: ApplicationError, text: str) -> DraftError:
    path = str(exc.extra.get("path", ""))
    return DraftError(exc.message, path=path, line=path_line(text, path) if path else None)


@dataclass
class DiffLine:
    kind: str  # "add" | "del" | "ctx" | "hunk"
    text: str
    old: int | None = None
    new: int | None = None

    @property
    def sign(self) -> str:
        return {"add": "+", "del": "-", "hunk": ""}.get(self.kind, " ")

    @property
    def label(self) -> str:
        return {"add": "added", "del": "removed", "hunk": "section", "ctx": "unchanged"}[self.kind]


def unified_diff(old: str, new: str, *, old_name: str, new_name: str) -> list[DiffLine]:
    """Unified diff of two texts as typed lines with their old/new line numbers."""
    rows: list[DiffLine] = []
    a, b = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for group in matcher.get_grouped_opcodes(3):
        first, last = group[0], group[-1]
        rows.append(
            DiffLine(
                "hunk",
                f"@@ {old_name} lines {first[1] + 1}-{last[2]}, "
                f"{new_name} lines {first[3] + 1}-{last[4]} @@",
            )
        )
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                rows += [DiffLine("ctx", a[i], i + 1, j1 + i - i1 + 1) for i in range(i1, i2)]
                continue
            if tag in ("replace", "delete"):
                rows += [DiffLine("del", a[i], old=i + 1) for i in range(i1, i2)]
            if tag in ("replace", "insert"):
                rows += [DiffLine("add", b[j], new=j + 1) for j in range(j1, j2)]
    return rows
