"""Load, edit, publish and compile rule packs. Validation runs on every write."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.utils import timezone

from projects.errors import ApplicationError
from rules.engine import CompiledScenario, ConditionError, compile_rule, compile_scenario
from rules.models import PackParameter, Rule, RulePack, RuleVersion, Scenario, ScenarioPack
from rules.signals import rules_changed

MSG_IMMUTABLE = "Published and retired versions cannot be edited; create a new draft."


def content_hash(content: Mapping[str, Any]) -> str:
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _validate(content: Mapping[str, Any], params: Mapping[str, Any]) -> None:
    try:
        compile_rule(content, params)
    except ConditionError as exc:
        raise ApplicationError(str(exc), extra={"path": exc.path}) from exc


def pack_params(pack: RulePack) -> dict[str, Any]:
    return dict(pack.parameters.values_list("name", "value"))


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ApplicationError(f"{path.name}: not valid YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise ApplicationError(f"{path.name}: expected a mapping at the top")
    return doc


@transaction.atomic
def rule_pack_load(*, path: Path, user: Any = None) -> dict[str, int]:
    """Load one pack file. New rules and changed rules get a new published version."""
    doc = _read_yaml(path)
    header = doc.get("pack")
    if not isinstance(header, dict) or "code" not in header or "title" not in header:
        raise ApplicationError(f"{path.name}: a pack needs pack.code and pack.title")
    pack, _ = RulePack.objects.update_or_create(
        code=header["code"],
        defaults={
            "title": header["title"],
            "status": header.get("status", "enacted"),
            "description": header.get("description", ""),
        },
    )
    counts = {"rules_new": 0, "versions_new": 0, "unchanged": 0, "parameters_new": 0}
    for name, spec in (header.get("parameters") or {}).items():
        if not isinstance(spec, dict) or "value" not in spec:
            raise ApplicationError(f"{path.name}: parameter {name} needs a value")
        owner = PackParameter.objects.filter(name=name).exclude(pack=pack).first()
        if owner is not None:
            raise ApplicationError(
                f"{path.name}: parameter {name} already belongs to {owner.pack.code}"
            )
        _param, created = PackParameter.objects.get_or_create(
            pack=pack,
            name=name,
            defaults={
                "value": spec["value"],
                "status": spec.get("status", "confirmed"),
                "description": spec.get("description", ""),
            },
        )
        counts["parameters_new"] += int(created)
    params = pack_params(pack)
    changed: list[str] = []
    for content in doc.get("rules") or []:
        _validate(content, params)
        rule, created = Rule.objects.get_or_create(
            key=content["id"], defaults={"pack": pack, "title": content["title"]}
        )
        counts["rules_new"] += int(created)
        current = rule.published_version
        if current is not None and current.content_hash == content_hash(content):
            counts["unchanged"] += 1
            continue
        version = rule_version_create(
            rule=rule, content=content, user=user, note=f"loaded from {path.name}"
        )
        _publish(version, user)
        counts["versions_new"] += 1
        changed.append(rule.key)
    if changed:
        transaction.on_commit(lambda: rules_changed.send(sender=Rule, keys=changed))
    return counts


@transaction.atomic
def scenarios_load(*, path: Path) -> int:
    doc = _read_yaml(path)
    count = 0
    for position, spec in enumerate(doc.get("scenarios") or []):
        scenario, _ = Scenario.objects.update_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "description": spec.get("description", ""),
                "position": position,
            },
        )
        codes = list(spec["packs"])
        packs = {p.code: p for p in RulePack.objects.filter(code__in=codes)}
        missing = [c for c in codes if c not in packs]
        if missing:
            raise ApplicationError(f"scenario {spec['code']}: unknown pack(s) {', '.join(missing)}")
        current = list(
            scenario.scenario_packs.order_by("position").values_list("pack__code", flat=True)
        )
        if current != codes:
            scenario.scenario_packs.all().delete()
            for i, c in enumerate(codes):  # one by one: each change is audited
                ScenarioPack.objects.create(scenario=scenario, pack=packs[c], position=i)
        count += 1
    return count


def rules_load(*, directory: Path, user: Any = None) -> dict[str, dict[str, int]]:
    """Every pack in a folder, then its scenarios.yaml. Loading the same files again is a no-op."""
    report: dict[str, dict[str, int]] = {}
    for path in sorted(directory.glob("*.yaml")):
        if path.name == "scenarios.yaml":
            continue
        report[path.stem] = rule_pack_load(path=path, user=user)
    scenarios = directory / "scenarios.yaml"
    if scenarios.exists():
        report["scenarios"] = {"loaded": scenarios_load(path=scenarios)}
    return report


def rule_version_create(
    *, rule: Rule, content: Mapping[str, Any], user: Any = None, note: str = ""
) -> RuleVersion:
    """A new draft version; refused with the path inside the rule if it does not validate."""
    if content.get("id") != rule.key:
        raise ApplicationError(f"rule id must stay {rule.key}", extra={"path": "rule.id"})
    _validate(content, pack_params(rule.pack))
    last = rule.versions.order_by("-number").first()
    version = RuleVersion(
        rule=rule,
        number=(last.number + 1) if last else 1,
        content=dict(content),
        content_hash=content_hash(content),
        author=user if getattr(user, "is_authenticated", False) else None,
        note=note,
    )
    version.save()
    return version


def _publish(version: RuleVersion, user: Any) -> None:
    now = timezone.now()
    # One row at most: saved one by one so the retirement is audited like any other change.
    for previous in RuleVersion.objects.select_for_update().filter(
        rule=version.rule, status=RuleVersion.Status.PUBLISHED
    ):
        previous.status = RuleVersion.Status.RETIRED
        previous.retired_at = now
        previous.save(update_fields=["status", "retired_at"])
    version.status = RuleVersion.Status.PUBLISHED
    version.published_at = now
    version.save(update_fields=["status", "published_at"])
    Rule.objects.filter(pk=version.rule_id).update(title=version.content.get("title", ""))


@transaction.atomic
def rule_version_publish(*, version: RuleVersion, user: Any = None) -> RuleVersion:
    version = RuleVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != RuleVersion.Status.DRAFT:
        raise ApplicationError("Only a draft can be published.")
    _validate(version.content, pack_params(version.rule.pack))
    _publish(version, user)
    key = version.rule.key
    transaction.on_commit(lambda: rules_changed.send(sender=Rule, keys=[key]))
    return version


@transaction.atomic
def rule_version_retire(*, version: RuleVersion, user: Any = None) -> RuleVersion:
    if version.status != RuleVersion.Status.PUBLISHED:
        raise ApplicationError("Only the published version can be retired.")
    version.status = RuleVersion.Status.RETIRED
    version.retired_at = timezone.now()
    version.save(update_fields=["status", "retired_at"])
    key = version.rule.key
    transaction.on_commit(lambda: rules_changed.send(sender=Rule, keys=[key]))
    return version


def pack_parameter_check(*, parameter: PackParameter, value: Any) -> None:
    """ApplicationError unless every published rule of the pack validates with this value."""
    params = {**pack_params(parameter.pack), parameter.name: value}
    for version in RuleVersion.objects.filter(
        rule__pack=parameter.pack, status=RuleVersion.Status.PUBLISHED
    ).select_related("rule"):
        try:
            _validate(version.content, params)
        except ApplicationError as exc:
            raise ApplicationError(f"{version.rule.key}: {exc}") from exc


@transaction.atomic
def pack_parameter_set(*, parameter: PackParameter, value: Any, user: Any = None) -> PackParameter:
    """Change a parameter; every published rule of the pack must still validate. The rules
    that read it are re-checked (rules_changed)."""
    pack_parameter_check(parameter=parameter, value=value)
    parameter.value = value
    parameter.updated_by = user if getattr(user, "is_authenticated", False) else None
    parameter.save()
    keys = _rules_using(parameter)
    transaction.on_commit(lambda: rules_changed.send(sender=Rule, keys=keys))
    return parameter


def _uses(node: Any, name: str) -> bool:
    if isinstance(node, Mapping):
        if node.get("param") == name or any(
            k == "explanation" and isinstance(v, str) and f"{{param.{name}}}" in v
            for k, v in node.items()
        ):
            return True
        return any(_uses(v, name) for v in node.values())
    if isinstance(node, list):
        return any(_uses(v, name) for v in node)
    return False


def _rules_using(parameter: PackParameter) -> list[str]:
    """Rules whose published version reads this parameter: the scope of a change to it."""
    return [
        v.rule.key
        for v in RuleVersion.objects.filter(
            rule__pack=parameter.pack, status=RuleVersion.Status.PUBLISHED
        ).select_related("rule")
        if _uses(v.content, parameter.name)
    ]


def scenario_parameters(scenario: Scenario) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for pack in scenario.ordered_packs:
        params.update(pack_params(pack))
    return params


def scenario_compile(
    *,
    scenario: Scenario,
    param_overrides: Mapping[str, Any] | None = None,
    version_overrides: Mapping[str, RuleVersion | Mapping[str, Any]] | None = None,
) -> tuple[CompiledScenario, dict[str, RuleVersion]]:
    """Compile the published rules of a scenario's packs, optionally with what-if overrides.

    Returns the compiled scenario and, per rule key, the RuleVersion whose content it used
    (what-if drafts given as plain content have no stored version and map to the live one).
    """
    params = {**scenario_parameters(scenario), **(param_overrides or {})}
    unknown = set(param_overrides or {}) - set(scenario_parameters(scenario))
    if unknown:
        raise ApplicationError(f"unknown parameter(s) {', '.join(sorted(unknown))}")
    overrides = dict(version_overrides or {})
    contents: list[tuple[Mapping[str, Any], str]] = []
    versions: dict[str, RuleVersion] = {}
    published = RuleVersion.objects.filter(
        status=RuleVersion.Status.PUBLISHED, rule__pack__in=scenario.ordered_packs
    ).select_related("rule", "rule__pack")
    by_pack: dict[int, list[RuleVersion]] = {}
    for version in published.order_by("rule__key"):
        by_pack.setdefault(version.rule.pack_id, []).append(version)
    for pack in scenario.ordered_packs:
        for version in by_pack.get(pack.pk, []):
            versions[version.rule.key] = version
            override = overrides.pop(version.rule.key, None)
            if isinstance(override, RuleVersion):
                versions[version.rule.key] = override
                contents.append((override.content, override.label))
            elif override is not None:
                contents.append((override, f"{version.rule.key}@draft"))
            else:
                contents.append((version.content, version.label))
    for key, override in overrides.items():  # rules that are new in this what-if
        content = override.content if isinstance(override, RuleVersion) else override
        contents.append((content, f"{key}@draft"))
    try:
        return compile_scenario(scenario.name, contents, params), versions
    except ConditionError as exc:
        raise ApplicationError(str(exc), extra={"path": exc.path}) from exc
